"""Finding the names of private people in a prompt, with or without spaCy's help.

The small spaCy model misses or mislabels most uncommon names ("Why is Glyceria so
impulsive?", "Irenke Sörös" as an organisation), and flags capitalised things that are not
people ("Samsung Galaxy", "Boyer-Moore"). This module decides from evidence that holds in any
English text rather than from the model alone:

- shape: runs of capitalised words, initials between them ("Ravil G Yefimov"), particles
  ("Willemine ten Pas"), possessives;
- lexicons: given names and surnames of 100-odd locales, English words (a capitalised word
  that is an ordinary English word is rarely a name on its own), surname endings;
- context in place of a parse: a title before the run ("Dr."), a name cue ("my name is",
  "called"), a relation ("my kid ..."), a verb of communication ("speak to ..."), a greeting or
  vocative ("Leif, can I ..."), the run as the subject of a predicate that only people take
  ("... is very reliable", "... shouted"), a possessive of a personal thing ("...'s kid"),
  coordination with another name, and the negative cues: an organisation word after the
  run ("Inc"), a street word or a house number after it, an eponym ("Fibonacci number").

A run with a strong cue is a name whatever its words; without a cue it needs the lexicons or
spaCy to agree. Public and fictional figures, role-play characters and placeholder names are
reported as quasi-identifiers by the gate (see names.py).

The cue patterns compile when this module is imported, which the gate does when it is built.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localfirst.privacy import names

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# -- vocabulary ---------------------------------------------------------------------------------

_TITLES = (
    r"mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|madam|madame|mme|mlle|mister|herr|frau|"
    r"señor|senor|señora|senora|sr|sra|srta|dott|ing|mag|"
    # clinical and case records name people the same way: "Patient Olawale presented with ..."
    r"patient|pt|client|resident|inmate|applicant|claimant|defendant|plaintiff"
)
_RELATIONS = (
    r"kid|kids|son|sons|daughter|daughters|child|children|baby|wife|husband|spouse|partner|"
    r"friend|friends|boyfriend|girlfriend|fianc[ée]e?|mother|father|mom|mum|mommy|mummy|dad|"
    r"daddy|parents?|brother|sister|sibling|uncle|aunt|auntie|cousin|niece|nephew|grandson|"
    r"granddaughter|grandchild|grandmother|grandfather|grandma|grandpa|granny|stepson|"
    r"stepdaughter|stepmother|stepfather|colleague|coworker|co-worker|boss|manager|employee|"
    r"assistant|neighbou?r|roommate|flatmate|housemate|landlord|landlady|tenant|client|"
    r"customer|patient|student|pupil|teacher|tutor|doctor|dentist|therapist|lawyer|attorney|"
    r"accountant|guardian|nanny|babysitter|caregiver|classmate|teammate|ex|in-law|"
    r"mother-in-law|father-in-law|sister-in-law|brother-in-law|relative|beneficiary|"
    r"contact|supervisor|mentor|coach|pastor|priest"
)
# Verbs and phrases after which a capitalised word is usually a person: communication,
# meeting, social relations, adding or naming someone on an account.
_SOCIAL_BEFORE = (
    r"speak|speaks|spoke|speaking|talk|talks|talked|talking|chat|chatted|meet|meets|met|"
    r"meeting|call|calls|called|calling|phone|phoned|ring|rang|email|emailed|e-mail|e-mailed|"
    r"text|texted|message|messaged|contact|contacted|ask|asks|asked|tell|tells|told|thank|"
    r"thanked|invite|invited|hire|hired|fire|fired|marry|married|date|dated|"
    r"dating|divorce|divorced|follow up|followed up|introduce|introduced|remind|reminded|"
    r"congratulate|congratulated|hug|hugged|kiss|kissed|heard|hear|hearing|shouted|yelled|"
    r"leave me|left me|depend on|rely on|add|added|adding|remove|removed|removing|replace|"
    r"include|included|cc|bcc|notify|inform|informed|pay|paid|owe|owes|sue|sued|miss|missed|"
    r"love|loves|loved|hate|hates|hated|trust|trusts|forgive|forgave|support|supports|"
    r"change it|correct it|rename it|update it|set it|put it|transfer it|send it|give it|"
    r"between (?:him|her|me|us|them)|celebrate|congratulate|"
    r"(?:apologi[sz]e|apologi[sz]ed|write|wrote|reply|replied|respond|responded|listen|"
    r"listened|explain|explained|complain|complained|lend|lent|propose|proposed)(?= to)|"
    r"(?:lunch|dinner|breakfast|coffee|drinks|a drink|a meeting|a call|a chat|an appointment|"
    r"a date|out|along|together|lives|live|living|stay|stayed|staying|work|worked|working|"
    r"grew up|broke up|fell in love|argued|argue|fight|fought|agree|disagree|disagreed|"
    r"collaborate|collaborated|share|shared|sharing|split|travel|travelled|traveled|play|"
    r"played|playing|sat|sit|sitting|went|go|going|came|come|coming|arrived|left|spent time)"
    r"(?= with)"
)
_SOCIAL_LINK = r"(?:\s+(?:to|with|at|up with|on|from|for|by|about|me|him|her|us|them|as))?"
# Predicates after a subject that people take and things seldom do.
_PERSON_VERBS = (
    r"said|says|told|tells|asked|asks|shouted|yelled|replied|answered|whispered|smiled|"
    r"laughed|cried|wept|sang|sings|sung|wrote|writes|spent|spends|listed|lists|lives|lived|"
    r"moved|works|worked|joined|married|died|retired|graduated|studied|studies|thinks|"
    r"thought|believes|believed|wants|wanted|likes|liked|loves|loved|hates|hated|agreed|"
    r"agrees|promised|promises|stated|explained|admitted|apologi[sz]ed|visited|called|emailed|"
    r"texted|phoned|met|meets|founded|invested|bought|sold|paid|owes|won|turned|became|"
    r"decided|refused|complained|argued|insisted|claims|claimed|noticed|realised|realized|"
    r"remembered|forgot|dreams|dreamed|hopes|hoped|feels|felt|seems|looks|sounds|speaks|"
    r"spoke|talks|talked|teaches|taught|plays|played|dances|danced|cooks|cooked|drives|drove|"
    r"listened|shouts|signed|sent|received|got|gets|has been|had been|will be|would be|"
    r"can't|cannot|couldn't|won't|didn't|doesn't|isn't|wasn't|hasn't|is not|was not|"
    r"deserves|deserved|earns|earned|owns|owned|rents|rented|applied|resigned|quit|"
    r"cheated|lied|borrowed|lent|stole|snores|smokes|drinks|hired|fired"
)
_TRAITS = (
    r"reliable|impulsive|sympathetic|kind|nice|friendly|rude|polite|smart|clever|intelligent|"
    r"funny|honest|dishonest|lazy|shy|angry|happy|sad|upset|tired|sick|ill|pregnant|married|"
    r"single|divorced|retired|unemployed|employed|born|alive|dead|late|young|old|older|"
    r"younger|tall|short|beautiful|handsome|pretty|brave|generous|selfish|stubborn|patient|"
    r"impatient|reserved|outgoing|talented|gifted|creative|ambitious|hardworking|"
    r"hard-working|responsible|irresponsible|trustworthy|loyal|jealous|nervous|anxious|"
    r"depressed|allergic|vegetarian|vegan|pregnant|sympathetic|charming|rude|mean|"
    r"arrogant|humble|wise|naive|grumpy|cheerful|moody|emotional|sensitive|caring|loving|"
    r"dependable|punctual|late|sweet|cute|awesome|amazing|wonderful|great guy|good listener|"
    r"from|originally|(?:a |an |the |my |our |his |her |their )?(?:\w+ )?"
    r"(?:person|people|man|men|woman|women|boy|girl|guy|lady|gentleman|friends?|colleagues?|"
    r"kid|kids|child|children|baby|students?|teachers?|doctors?|nurses?|engineers?|lawyers?|"
    r"singers?|actors?|actress|players?|writers?|authors?|artists?|musicians?|members?|"
    r"employees?|customers?|patients?|tenants?|neighbou?rs?|listeners?|speakers?|mother|"
    r"father|brothers?|sisters?|sons?|daughters?|wife|husband|partners?|managers?|ceo|"
    r"directors?|founders?|owners?|twins|siblings|cousins|parents|couple|classmates)|"
    r"talking|speaking|singing|coming|joining|presenting|leaving|arriving|waiting|"
    r"\d{1,3}(?: years old| y/?o)?"
)
_POSSESSED = (
    r"kid|kids|son|daughter|child|children|baby|wife|husband|partner|mother|father|mom|mum|"
    r"dad|brother|sister|family|parents|friend|friends|boyfriend|girlfriend|killers?|murder|"
    r"death|funeral|wedding|birthday|address|phone|number|email|e-mail|account|house|home|"
    r"flat|apartment|car|bank|salary|diagnosis|health|condition|medical|lawyer|doctor|"
    r"boss|life|room|bedroom|school|teacher|name|surname|id|passport|license|licence|"
    r"cautionary|verses|novel|songs?|album|poems?|memoir|promotion|job|career|retirement|"
    r"graduation|resignation|application|contract|visa|mortgage|loan|debt|grades|exam|"
    r"thesis|appointment|surgery|treatment|therapy|pregnancy"
)
# Nouns that take a person's name as a modifier without making it a person.
_EPONYM_HEADS = (
    r"number|numbers|sequence|series|algorithm|theorem|lemma|conjecture|equation|formula|"
    r"law|laws|principle|effect|test|method|problem|distribution|transform|constant|"
    r"paradox|diagram|model|scale|index|rule|curve|function|space|syndrome|disease|prize|"
    r"award|structure|structures|cycle|circle|graph|tree|filter|code|cipher|machine|engine|"
    r"process|reaction|notation|inequality|integral|polynomial|matrix|method|medal|"
    r"criterion|hypothesis|sort|search|heap|path|point|limit|bound|ratio|coefficient|"
    r"square|triangle|spiral|rings?|box|line|street|road|avenue|lane|drive|square"
)
# Roles a person is introduced by ("songwriter Zoe Young", "Marie Langrová, the packager,").
_OCCUPATIONS = (
    r"singer|songwriter|player|actor|actress|author|writer|journalist|reporter|editor|"
    r"commenter|commentator|blogger|columnist|director|producer|composer|musician|guitarist|"
    r"drummer|bassist|painter|artist|photographer|poet|novelist|lawyer|attorney|judge|"
    r"chairman|chairwoman|chair|ceo|cfo|cto|coo|founder|co-founder|cofounder|manager|coach|"
    r"officer|detective|inspector|sergeant|agent|doctor|nurse|surgeon|professor|lecturer|"
    r"teacher|student|scientist|researcher|engineer|developer|designer|architect|chef|"
    r"driver|pilot|farmer|accountant|consultant|analyst|spokesperson|spokesman|spokeswoman|"
    r"candidate|leader|member|fan|user|host|presenter|anchor|athlete|runner|swimmer|boxer|"
    r"striker|goalkeeper|rapper|comedian|dancer|packager|operator|clerk|cashier|"
    r"receptionist|secretary|assistant|intern|employee|colleague|volunteer|donor|"
    r"recipient|applicant|witness|suspect|victim|defendant|plaintiff|resident|owner|"
    r"shareholder|investor|broker|realtor|agent|dentist|therapist|pharmacist|vet|"
    r"veterinarian|plumber|electrician|mechanic|contractor|technician|programmer"
)
# Offices whose holders are public: "President Lincoln", "Pope Francis", "Senator ...".
_PUBLIC_OFFICE_BEFORE = re.compile(
    r"\b(?:president|vice president|prime minister|chancellor|senator|governor|congressman|"
    r"congresswoman|pope|king|queen|emperor|empress|tsar|czar|pharaoh|sultan|saint|st\.?)\s*$",
    re.IGNORECASE,
)
_ORG_AFTER = "|".join(sorted(names.ORGANISATION_WORDS))
_STREET_AFTER = (
    r"street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|"
    r"strasse|straße|gasse|weg|vej|gatan|plaza|square|sq|terrace|close|crescent|parkway|"
    r"highway|circle|row|walk|mews|hill|park|trail|path"
)
_CREATIVE = (
    r"song|songs|novel|novels|book|books|poem|poems|film|movie|painting|album|article|paper|"
    r"essay|play|story|stories|verses|music|lyrics|track|single|record|show|series|talk|"
    r"lecture|speech|biography|memoir|concert|interview|quote|photo|portrait|works?"
)
_PERSON_OF = (
    r"gender|age|name|birthday|wife|husband|son|daughter|mother|father|brother|sister|"
    r"family|friends?|death|funeral|wedding|killers?|murder|career|address|phone number|"
    r"email|account|biography|portrait|memoirs|poems|verses|songs|works|speech|assistant|"
    r"guardian|lawyer|doctor|boss"
)
PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "das",
        "dos",
        "do",
        "del",
        "della",
        "di",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "bin",
        "ibn",
        "al",
        "el",
        "y",
        "zu",
        "af",
        "av",
        "mac",
        "st",
    ]
)
_PRONOUNS = re.compile(r"\b(?:he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)

# -- cue patterns (compiled once: the gate runs them on every prompt) ---------------------------

_FLAGS = re.IGNORECASE | re.UNICODE
# Before a run (matched against the text just before it, anchored at its end).
_TITLE_WORD = re.compile(rf"^(?:{_TITLES})$", _FLAGS)
_TITLE_BEFORE = re.compile(rf"(?:^|[^\w])(?:{_TITLES})\.?\s*$", _FLAGS)
_NAME_CUE_BEFORE = re.compile(
    r"(?:\b(?:(?:first|last|middle|full|maiden|sur|nick|user|given|family|birth|legal)\s*)?"
    r"name(?:\s*(?:is|was|'s|reads|of|on the account))?\s*[:=?\-,]?|\bnamed|\bcalled|"
    r"\bcalls me|\bcall me|\bknown as|\bgoes by|\bi am|\bi['’]m|\bthis is|\bsigned,?|"
    r"\bregards,?|\bsincerely,?|\byours,?|\bfrom:|\bto:|\battn:?|\battention:?|\bcontact:|"
    r"\bdirected by:?|\bwritten by:?|\bauthor:|\bpatient:|\bclient:|\bcustomer:|\bemployee:|"
    r"\b(?:founders|members|authors|speakers|guests|participants|attendees|players|children|"
    r"kids|sons|daughters|employees|staff|cast|partners|owners|witnesses|suspects|victims|"
    r"winners|candidates|students|friends|siblings|parents|grandchildren|had \d+|have \d+)"
    r"\s*(?:are|were|include|included)?\s*:)"
    r"\s*$",
    _FLAGS,
)
_RELATION_BEFORE = re.compile(
    rf"\b(?:my|his|her|our|their|your|a|the)\s+(?:(?:late|dear|best|little|older|younger|"
    rf"elder|ex|step|former|new|old|oldest|youngest|eldest)[\s-]+)?(?:{_RELATIONS})"
    rf"(?:['’]s)?(?:\s+(?:name|called|named))?\s*[:,]?\s*$",
    _FLAGS,
)
_GREETING_BEFORE = re.compile(
    r"(?:^|[^\w])(?:hi|hello|hey|dear|thanks|thank you|bye|goodbye|good morning|"
    r"good evening|good afternoon|cheers|congratulations|congrats|welcome|sorry|ok|okay|"
    r"yes|no|hola|ciao|salut|bonjour|hallo),?\s*$",
    _FLAGS,
)
_PERSONAL_BEFORE = re.compile(
    r"\b(?:leave me|left me|depend on|rely on|marry|married|divorce|divorced|hug|hugged|kiss|"
    r"kissed|shouted at|yelled at|between (?:him|her|me|us|them) and)\s*$",
    _FLAGS,
)
_SOCIAL_BEFORE_RE = re.compile(rf"\b(?:{_SOCIAL_BEFORE}){_SOCIAL_LINK}\s*$", _FLAGS)
_CREATOR_BEFORE = re.compile(
    rf"\b(?:(?:{_CREATIVE})\s+by(?:\s+ex-\w+)?|(?:written|directed|produced|composed|"
    rf"performed|sung|painted|designed|authored|edited|photographed|illustrated|narrated|"
    rf"hosted|presented|founded|signed|approved|sent|reported|submitted|prepared)\s+by)\s*$",
    _FLAGS,
)
_PERSON_OF_BEFORE = re.compile(rf"\b(?:{_PERSON_OF})\s+(?:of|from)\s*$", _FLAGS)
_SUBJECT_START = re.compile(
    r"(?:^|[.!?;:\n\"“(>*]\s*|\b(?:and|but|because|so|then|that|when|while|if)\s+|"
    r"\b(?:think|thought|believe|believed|guess|know|knew|hope|feel|felt|noticed|suspect|"
    r"worry|fear|wish|doubt|say|said|says|heard|sure|afraid)\s+(?:that\s+)?|"
    r"\b(?:why|how come|where|when|how|who)\s+(?:is|was|does|did|has|can|would)\s+|"
    r"^\s*(?:is|was|does|did|has|can)\s+)$",
    _FLAGS,
)
_WINDOW = 50  # characters of context on each side of a run that the cues look at
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP", "LANGUAGE", "EVENT", "PRODUCT"})
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“(>*]\s*)$")
_VOCATIVE_END_BEFORE = re.compile(r"\w\s*,\s*$")
_VOCATIVE_END_AFTER = re.compile(r"^\s*(?:[!?]|\.(?:\s|$)|$)")
_OCCUPATION_BEFORE = re.compile(rf"\b(?:{_OCCUPATIONS})s?\s*$", _FLAGS)
_APPOSITIVE_AFTER = re.compile(
    rf"^\s*,\s*(?:the|a|an|our|my|his|her|their|your)\s+(?:[\w-]+\s+){{0,2}}"
    rf"(?:{_OCCUPATIONS}|{_RELATIONS})\b",
    _FLAGS,
)
_THE_BEFORE = re.compile(r"\b(?:the|a|an)\s*$", _FLAGS)
# After a run (matched against the text just after it, anchored at its start).
_VOCATIVE_AFTER = re.compile(
    r"^\s*,\s*(?:can|could|would|will|please|i|we|you|thanks|thank|how|what|where|when|why|do|"
    r"did|are|is|have|let|listen|look|come|help|remember|don't|stop|wait|hurry|see|meet|"
    r"tell|call|give|send|get|take|are you|it's|this is)\b",
    _FLAGS,
)
_SPEAKER_AFTER = re.compile(r"^\s*:\s*(?:[\"“']|[A-Z]|\w)", re.UNICODE)
_PREDICATE_AFTER = re.compile(
    rf"^(?:\s*(?:,|and|&)\s*[^\W\d_][^\s,]*(?:\s+[^\W\d_][^\s,]*)?)*\s+"
    rf"(?:(?:{_PERSON_VERBS})\b|"
    rf"(?:is|was|are|were|'s|’s|has been|had been|will be|seems|looks|became|becomes|got)\s+"
    rf"(?:(?:very|so|really|quite|too|always|never|not|also|still|a bit|such|extremely|"
    rf"incredibly|pretty|rather|just|now|already|ever|usually|originally)\s+)*"
    rf"(?:{_TRAITS})\b)",
    _FLAGS,
)
_SO_TRAIT_AFTER = re.compile(
    rf"^\s+(?:(?:so|very|such a|that|always|still|really)\s+(?:{_TRAITS})\b|"
    rf"(?:going|coming|staying|living|working|talking|speaking|married|dating|pregnant|sick|"
    rf"ill|allergic|feeling|doing|studying|moving|travell?ing|visiting)\b)",
    _FLAGS,
)
_AUX_AFTER = re.compile(
    r"^\s+(?:is|was|has|had|will|would|can|could|does|did|says|said|wants|needs)\b", _FLAGS
)
_POSSESSIVE_AFTER = re.compile(rf"^['’]s?\s+(?:\w+\s+)?(?:{_POSSESSED})\b", _FLAGS)
_FAMILY_AFTER = re.compile(
    r"^\s+(?:family|household|twins|siblings|brothers|sisters|kids|children|residence|"
    r"couple|estate|funeral|wedding)\b",
    _FLAGS,
)
_CREATIVE_AFTER = re.compile(rf"^\s+(?:{_CREATIVE})\b", _FLAGS)
_EPONYM_AFTER = re.compile(
    rf"^(?:['’]s)?\s*(?:-\s*\w+\s+)?(?:(?:first|second|third|last|famous|classic)\s+)?"
    rf"(?:{_EPONYM_HEADS})\b",
    _FLAGS,
)
_ORG_AFTER_RE = re.compile(rf"^\s*,?\s*(?:&\s*)?(?:{_ORG_AFTER})\b\.?", _FLAGS)
_ADDRESS_AFTER = re.compile(rf"^\s+(?:(?:{_STREET_AFTER})\b\.?|\d{{1,5}}[a-z]?\b)", _FLAGS)

_FORWARD_CUE = re.compile(
    r"\b(?:(?:first |last |middle |full |maiden |sur|nick|user)?name(?:\s+(?:is|was))?\s*[:?=,]?|"
    r"call(?:s|ed)? me|known as|named|called)(?=\s)",
    _FLAGS,
)
_FORWARD_CUE_LOWERCASE = re.compile(
    rf"{_FORWARD_CUE.pattern}|\b(?:i am|i'm|this is|(?:{_SOCIAL_BEFORE}){_SOCIAL_LINK})(?=\s)",
    _FLAGS,
)
_FOLLOWING_WORD = re.compile(r"\s+([^\W\d_][^\W\d_'’\-]*)", re.UNICODE)
_SURNAME_ENDINGS = re.compile(
    r"(?:ov|ova|ev|eva|in|ina|sky|ski|ska|skaya|cki|cka|ckı|wicz|vich|vych|ovich|evich|ić|vić|"
    r"ović|ević|sson|sen|dóttir|dottir|poulos|opoulos|akis|idis|escu|enko|chuk|uk|yan|ian|"
    r"shvili|dze|ova|ová|ný|ský|ek|ak|oğlu|oglu|zadeh|ez|es|inen|nen|mann|berg|stein|"
    r"feld|baum|ini|elli|etti|ucci|otti|eau|eaux|ot|ault|ard|aki|moto|mura|shima|hara|"
    r"yama|kawa|uchi|ta|da|no|ko|ro|ze|ri)$"
)
_NAME_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’][^\W\d_])*$")
_INITIAL = re.compile(r"^[A-Z]\.?$")


# Evidence that ties a name to the user's own life, which a fiction context does not undo.
_PERSONAL_EVIDENCE = frozenset({"title, name cue, relation or greeting", "introduced as a name"})
_OWN_BEFORE = re.compile(r"\b(?:my|our|i|i'm|me)\b[^.!?\n]{0,30}$", re.IGNORECASE)


_SPEAKER_LINE = re.compile(r"^[ \t>]*[^\W\d_][\w .'’-]{0,30}:", re.MULTILINE)


@functools.lru_cache(maxsize=16)
def _is_dialogue(text: str) -> bool:
    """Two lines or more open with "Name:": a transcript, where such a label is a speaker."""
    return len(_SPEAKER_LINE.findall(text)) >= 2


def _street_words() -> frozenset[str]:
    from localfirst.privacy.recognizers import STREET_TYPE_WORDS

    return STREET_TYPE_WORDS


_STREET_WORDS = _street_words()


@dataclass(frozen=True)
class NameSpan:
    """A name the finder judged: PERSON (private), PUBLIC_FIGURE or PLACEHOLDER_NAME."""

    type: str
    start: int
    end: int
    score: float
    rule: str = ""  # the evidence that decided: "title or name cue", "spaCy PERSON", ...


@dataclass
class _Run:
    """Consecutive name-shaped tokens: words, initials and particles, as token indices."""

    first: int
    last: int  # inclusive
    start: int = 0
    end: int = 0
    words: tuple[str, ...] = ()
    has_initial: bool = False
    label: str = ""
    verdict: str | None = None
    why: str = ""


class PersonFinder:
    """Judges every name-shaped run in a spaCy Doc (tokens and NER; no tagger or parser)."""

    def __init__(self, knowledge: names.NameKnowledge) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        self._knowledge = knowledge
        self._stop_words = frozenset(STOP_WORDS)

    # -- public ---------------------------------------------------------------------------------

    def find(self, doc: Doc, code_spans: Sequence[tuple[int, int]] = ()) -> list[NameSpan]:
        text = doc.text
        lowercase_text = not any(c.isupper() for c in text)
        runs = self._lowercase_runs(doc) if lowercase_text else self._cased_runs(doc)
        runs += self._person_entities_outside(doc, runs)
        text_lower = text.lower()
        for run in runs:
            if not any(s <= run.start and run.end <= e for s, e in code_spans):
                run.verdict = self._judge(run, text, text_lower, lowercase_text)
        self._spread_over_lists(runs, text)
        self._same_name_same_verdict(runs, text)
        if names.about_fiction(text):
            self._characters_of_fiction(runs, text)
        runs += self._named_after_cues(text, runs, lowercase_text, code_spans)
        found: list[NameSpan] = []
        for run in runs:
            if run.verdict:
                score = 0.85 if run.verdict == "PERSON" else 0.6
                found.append(NameSpan(run.verdict, run.start, run.end, score, run.why))
        return found

    # -- candidates -----------------------------------------------------------------------------

    def _cased_runs(self, doc: Doc) -> list[_Run]:
        runs: list[_Run] = []
        tokens = list(doc)
        i = 0
        while i < len(tokens):
            if not self._is_capitalised_word(tokens[i]):
                i += 1
                continue
            j = i
            while j + 1 < len(tokens):
                nxt = tokens[j + 1]
                if self._is_capitalised_word(nxt):
                    j += 1
                elif (
                    _is_initial(nxt)
                    and j + 2 < len(tokens)
                    and self._is_capitalised_word(tokens[j + 2])
                ) or (
                    nxt.text in PARTICLES
                    and j + 2 < len(tokens)
                    and self._is_capitalised_word(tokens[j + 2])
                ):
                    j += 2
                elif (
                    nxt.text in ("-", "–")
                    and not nxt.whitespace_
                    and not tokens[j].whitespace_
                    and j + 2 < len(tokens)
                    and self._is_capitalised_word(tokens[j + 2])
                ):
                    j += 2  # a double-barrelled name or a compound: Boyer-Moore, Mayo-Walters
                else:
                    break
            runs.append(self._make_run(doc, i, j))
            i = j + 1
        return runs

    def _lowercase_runs(self, doc: Doc) -> list[_Run]:
        """In all-lowercase text: runs of lexicon names that are not English words."""
        runs: list[_Run] = []
        tokens = list(doc)
        i = 0
        knowledge = self._knowledge
        while i < len(tokens):
            if not self._is_lowercase_name(tokens[i]):
                i += 1
                continue
            j = i
            while j + 1 < len(tokens):
                nxt = tokens[j + 1]
                if self._is_lowercase_name(nxt) or (
                    len(nxt.text) == 1
                    and nxt.is_alpha
                    and j + 2 < len(tokens)
                    and knowledge.is_known_name(tokens[j + 2].text)
                ):
                    j += 1 if self._is_lowercase_name(nxt) else 2
                else:
                    break
            runs.append(self._make_run(doc, i, j))
            i = j + 1
        return runs

    def _named_after_cues(
        self,
        text: str,
        runs: list[_Run],
        lowercase_text: bool,
        code_spans: Sequence[tuple[int, int]],
    ) -> list[_Run]:
        """Words introduced as a name ("call me višeslav", "heard nijito asano speak")."""
        found: list[_Run] = []
        knowledge = self._knowledge
        cue = _FORWARD_CUE_LOWERCASE if lowercase_text else _FORWARD_CUE
        for match in cue.finditer(text):
            kept = []
            for word in _FOLLOWING_WORD.finditer(text, match.end()):
                value = word.group(1)
                if word.start() != (kept[-1].end() if kept else match.end()) or len(kept) == 3:
                    break
                if (
                    value[0].isupper()
                    if not lowercase_text
                    else len(value) > 1
                    and value not in self._stop_words
                    and (knowledge.is_known_name(value) or not knowledge.is_english_word(value))
                ):
                    kept.append(word)
                else:
                    break
            if not kept:
                continue
            named = _FORWARD_CUE.match(text, match.start()) is not None
            if not named and not any(
                knowledge.is_given_name(w.group(1)) or _SURNAME_ENDINGS.search(w.group(1).lower())
                for w in kept
            ):
                continue  # "speaking to bots": after a verb, a lowercase word needs a name's look
            start, end = kept[0].start(1), kept[-1].end(1)
            overlaps = any(r.start < end and start < r.end for r in runs)
            inside_code = any(s <= start and end <= e for s, e in code_spans)
            if not overlaps and not inside_code and not names.looks_like_code(text[start:end]):
                words = tuple(w.group(1) for w in kept)
                found.append(
                    _Run(-1, -1, start, end, words, verdict="PERSON", why="introduced as a name")
                )
        return found

    def _person_entities_outside(self, doc: Doc, runs: list[_Run]) -> list[_Run]:
        """spaCy PERSON entities that no run covers (lowercase words after a cue, say)."""
        covered = {i for run in runs for i in range(run.first, run.last + 1)}
        extra = []
        for ent in doc.ents:
            if ent.label_ == "PERSON" and not any(t.i in covered for t in ent):
                words = [t for t in ent if t.is_alpha and not t.is_stop]
                if words:
                    extra.append(self._make_run(doc, words[0].i, words[-1].i))
        return extra

    def _make_run(self, doc: Doc, first: int, last: int) -> _Run:
        span = doc[first : last + 1]
        words = tuple(
            t.text
            for t in span
            if not _is_initial(t) and t.text not in PARTICLES and t.text not in ("-", "–")
        )
        has_initial = any(_is_initial(t) for t in span[1:-1]) if len(span) > 2 else False
        labels = [t.ent_type_ for t in span if t.ent_type_]
        return _Run(
            first,
            last,
            span.start_char,
            span.end_char,
            words,
            has_initial,
            labels[0] if labels else "",
        )

    def _is_capitalised_word(self, token: Token) -> bool:
        text = token.text
        if len(text) < 2 or not text[0].isupper() or not _NAME_WORD.match(text):
            return False
        if text.isupper():  # an acronym, unless it is a name in capitals: "JOHANNA MÄKINEN"
            knowledge = self._knowledge
            return (
                len(text) > 2
                and knowledge.is_known_name(text)
                and not knowledge.is_english_word(text)
            )
        return True

    def _is_lowercase_name(self, token: Token) -> bool:
        text = token.text
        knowledge = self._knowledge
        return (
            len(text) > 1
            and token.is_alpha
            and not token.is_stop
            and knowledge.is_known_name(text)
            and not knowledge.is_english_word(text)
        )

    # -- judgement ------------------------------------------------------------------------------

    def _judge(self, run: _Run, text: str, text_lower: str, lowercase_text: bool) -> str | None:
        """PERSON, PUBLIC_FIGURE, PLACEHOLDER_NAME or None for one run; may narrow its span."""
        words = list(run.words)
        if not words or names.looks_like_code(text[run.start : run.end]):
            return None
        if len(words) == 1 and names.is_all_caps_acronym(words[0]):
            return None
        kinds = [self._kind(w) for w in words]
        before = text[max(0, run.start - _WINDOW) : run.start]
        if all(k == "english" for k in kinds) and (
            _SENTENCE_START.search(before) or run.label not in ("", "PERSON")
        ):
            return None  # "The", "Please", "Science": most runs end here, before any cue search
        # A title inside the run, or a capitalised sentence opening, is context and not name:
        # "Ask Ms Kowalewska", "Inform Berit", "Dear Ingeborg".
        titled_at = max((i for i, w in enumerate(words[:-1]) if _TITLE_WORD.match(w)), default=-1)
        del words[: max(titled_at, 0)], kinds[: max(titled_at, 0)]
        while len(words) > 1 and (kinds[0] == "english" or words[0].lower() in names.GREETINGS):
            del words[0], kinds[0]
        run.start = _locate(text, words[0], run.start, run.end)[0]
        before = text[max(0, run.start - _WINDOW) : run.start]
        after = text[run.end : run.end + _WINDOW]
        if words[-1].lower().strip(".") in _STREET_WORDS:
            return None  # "Baker Street", "Ocean Drive": a street, whatever its first word
        if " ".join(words).lower() in names.GREETINGS:
            return None  # "Guten Morgen"
        if self._is_public(run, words, text, text_lower, before):
            run.why = "public, fictional or role-play figure"
            return "PUBLIC_FIGURE"
        if " ".join(words).lower() in names.ASSISTANT_NAMES and not _RELATION_BEFORE.search(before):
            run.why = "an assistant's name"
            return "PUBLIC_FIGURE"
        strong = self._strong_cue(before, after, words, _is_dialogue(text))
        cued = self._person_context(before, after, text)
        place_like = run.label in _PLACE_LABELS
        if (
            (strong or cued)
            and (run.label in ("", "PERSON") or cued == 2)
            and not lowercase_text
            and not _SENTENCE_START.search(before)
            and all(k == "english" for k in kinds)
            and not any(w.lower() in self._stop_words for w in words)
        ):
            # a capitalised word in a person's place that is also in WordNet: "Why is Glyceria so
            # impulsive?" (WordNet lists genus names, surnames of the famous, ...)
            kinds = ["unknown" for _ in kinds]
        named_thing = False
        while kinds and kinds[-1] == "english":
            del words[-1], kinds[-1]
            named_thing = True  # "Samsung Galaxy", "Anavilhanas Archipelago", "Suez Canal"
        if not words or all(
            k == "english" or (w.isupper() and k == "unknown")
            for k, w in zip(kinds, words, strict=True)
        ):
            return None
        run.end = _locate(text, words[-1], run.start, run.end, last=True)[1]
        if named_thing and not (strong or cued):
            return None
        if _ORG_AFTER_RE.match(after) or words[-1].lower().strip(".") in names.ORGANISATION_WORDS:
            return None
        if _ADDRESS_AFTER.match(after) and not strong:
            return None
        if len(words) == 1 and self._is_placeholder(words[0], text):
            run.why = "placeholder name in an example or a puzzle"
            return "PLACEHOLDER_NAME"
        if strong or run.has_initial:
            run.why = "title, name cue, relation or greeting" if strong else "name with an initial"
            return "PERSON"
        if (
            cued
            and any(k != "english" for k in kinds)
            and (not place_like or cued == 2 or "given" in kinds)
        ):
            run.why = "a predicate or possession only people take"
            return "PERSON"
        compound = len(words) == 2 and "-" in text[run.start : run.end] and "given" not in kinds
        if compound or _EPONYM_AFTER.match(after):
            return None  # Boyer-Moore, the Fibonacci number, Dijkstra's algorithm
        return self._judge_without_cue(run, words, kinds, lowercase_text)

    def _judge_without_cue(
        self, run: _Run, words: list[str], kinds: list[str], lowercase_text: bool
    ) -> str | None:
        """With no cue around it, a run is a name when spaCy or the lexicons say so."""
        label = run.label
        place_like = label in _PLACE_LABELS
        if (
            label == "PERSON"
            and any(k not in ("english", "name_english") for k in kinds)
            and (len(words) > 1 or kinds[0] != "unknown")  # "Bixby remains lackluster"
        ):
            if names.UNREAD_SCRIPT.search(" ".join(words)):
                return None  # spaCy's English model labels Arabic or Hindi text at random
            run.why = "spaCy PERSON"
            return "PERSON"
        run.why = "given-name and surname lexicons"
        if lowercase_text:
            return "PERSON" if "given" in kinds else None
        if len(words) == 1:
            if kinds[0] != "given" or place_like or label == "WORK_OF_ART":
                return None
            return "PERSON"
        lexical_person = kinds[0] == "given" and all(k in ("given", "surname") for k in kinds[1:])
        if place_like and label != "PRODUCT" and not lexical_person:
            return None
        first_given = kinds[0] == "given" or (
            kinds[0] == "name_english" and self._knowledge.is_given_name(words[0])
        )
        if first_given and all(k != "english" for k in kinds[1:]):
            return "PERSON"
        if all(k in ("given", "surname") for k in kinds):
            return "PERSON"
        if kinds[0] in ("given", "unknown", "surname") and (
            kinds[-1] == "surname"
            or (kinds[-1] == "unknown" and _SURNAME_ENDINGS.search(words[-1].lower()))
        ):
            return "PERSON"  # "Jovanka Petrović": a first name no lexicon holds
        return None

    @staticmethod
    def _is_public(run: _Run, words: list[str], text: str, text_lower: str, before: str) -> bool:
        """A public or fictional figure, a role-play character, a holder of a public office."""
        return (
            names.is_public_figure(text[run.start : run.end], text_lower)
            or names.is_role_play(text, run.start)
            or bool(_PUBLIC_OFFICE_BEFORE.search(before))
            or (len(words) > 1 and bool(_PUBLIC_OFFICE_BEFORE.search(words[0] + " ")))
        )

    def _is_placeholder(self, word: str, text: str) -> bool:
        """Alice and Bob in a protocol example, or any first name in a word problem."""
        if word.lower() in names.PLACEHOLDER_NAMES and names.placeholder_cast(text):
            return True
        return names.is_puzzle(text) and self._knowledge.is_given_name(word)

    @staticmethod
    def _strong_cue(before: str, after: str, words: list[str], dialogue: bool = True) -> bool:
        """A title, a name cue, a relation, a greeting, a vocative or a speaker label (in a
        dialogue: one "Refactor:" or "Summary:" line is a heading, not a speaker)."""
        return bool(
            _TITLE_BEFORE.search(before)
            or _NAME_CUE_BEFORE.search(before)
            or names.FOREIGN_NAME_CUE_BEFORE.search(before)
            or _RELATION_BEFORE.search(before)
            or _GREETING_BEFORE.search(before)
            or (_VOCATIVE_AFTER.match(after) and _SUBJECT_START.search(before))
            or (
                dialogue and _line_start(before) and _SPEAKER_AFTER.match(after) and len(words) <= 3
            )
        )

    def _kind(self, word: str) -> str:
        knowledge = self._knowledge
        if word.lower() in self._stop_words or _TITLE_WORD.match(word):
            return "english"
        english = knowledge.is_english_word(word)
        if knowledge.is_given_name(word):
            return "name_english" if english else "given"
        if knowledge.is_known_name(word):
            return "name_english" if english else "surname"
        return "english" if english else "unknown"

    def _person_context(self, before: str, after: str, text: str) -> int:
        """Cues that the run is a person, weaker than a title or a name cue.

        2: only people take this predicate or possession (impulsive, a gender, a kid, "leave
        me ..."), which outweighs spaCy calling the run a place; 1: usually a person (verbs of
        communication, a creator of a work); 0: none.
        """
        if (
            _PERSON_OF_BEFORE.search(before)
            or _POSSESSIVE_AFTER.match(after)
            or _FAMILY_AFTER.match(after)
            or _OCCUPATION_BEFORE.search(before)
            or _APPOSITIVE_AFTER.match(after)
            or _PERSONAL_BEFORE.search(before)
            or (_VOCATIVE_END_BEFORE.search(before) and _VOCATIVE_END_AFTER.match(after))
        ):
            return 2
        predicate = _PREDICATE_AFTER.match(after)
        if (predicate or _AUX_AFTER.match(after)) and _SUBJECT_START.search(before):
            if predicate:
                return 2
            if _PRONOUNS.search(text):
                return 1
        if re.search(r"\b(?:is|was)\s+$", before, _FLAGS) and _SO_TRAIT_AFTER.match(after):
            return 2
        if (
            _SOCIAL_BEFORE_RE.search(before)
            or _CREATOR_BEFORE.search(before)
            or (_THE_BEFORE.search(before) and _CREATIVE_AFTER.match(after))
        ):
            return 1
        return 0

    @staticmethod
    def _characters_of_fiction(runs: list[_Run], text: str) -> None:
        """In a prompt about a story, a film or a game, names found without a personal cue are
        its characters ("Summarise the plot of Hamlet: Claudius, Gertrude and Ophelia")."""
        for run in runs:
            if run.verdict != "PERSON" or run.why in _PERSONAL_EVIDENCE:
                continue
            before = text[max(0, run.start - _WINDOW) : run.start]
            if (
                _RELATION_BEFORE.search(before)
                or _OWN_BEFORE.search(before)
                or names.CREATOR_BEFORE.search(before)
            ):
                continue
            run.verdict = "PUBLIC_FIGURE"
            run.why = "a character of the work the prompt is about"

    @staticmethod
    def _same_name_same_verdict(runs: list[_Run], text: str) -> None:
        """A name shown once to be a public figure or a role is one in every mention."""
        public = {
            part.lower()
            for run in runs
            if run.verdict == "PUBLIC_FIGURE"
            for part in text[run.start : run.end].split()
        }
        for run in runs:
            if run.verdict == "PERSON" and text[run.start : run.end].lower() in public:
                run.verdict = "PUBLIC_FIGURE"
                run.why = "named elsewhere in the prompt as a public figure"

    def _spread_over_lists(self, runs: list[_Run], text: str) -> None:
        """A run listed with a person ("Kónya, Becker and Vasquez") is a person too."""
        changed = True
        while changed:
            changed = False
            for left, right in itertools.pairwise(runs):
                gap = text[left.end : right.start]
                if not re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", gap, _FLAGS):
                    continue
                for a, b in ((left, right), (right, left)):
                    if (
                        a.verdict == "PERSON"
                        and b.verdict is None
                        and b.words
                        and any(self._kind(w) != "english" for w in b.words)
                        and not names.looks_like_code(text[b.start : b.end])
                    ):
                        b.verdict = "PERSON"
                        b.why = "listed with a person"
                        changed = True


def _locate(text: str, word: str, start: int, end: int, last: bool = False) -> tuple[int, int]:
    """The span of `word` as a whole word within text[start:end] (its last one if `last`)."""
    found = None
    position = text.find(word, start, end)
    while position >= 0:
        after = position + len(word)
        if (position == 0 or not text[position - 1].isalnum()) and (
            after >= len(text) or not text[after].isalnum()
        ):
            found = (position, after)
            if not last:
                break
        position = text.find(word, position + 1, end)
    return found or (start, end)


def _is_initial(token: Token) -> bool:
    return bool(_INITIAL.match(token.text)) and token.text not in ("I", "A")


def _line_start(before: str) -> bool:
    stripped = before.rstrip(" \t>")
    return not stripped or stripped.endswith("\n")
