"""The Presidio recognizers the gate runs, and the ones it adds.

Presidio's stock set covers e-mail, phone, card, IBAN, IP and government IDs, but has no street
address recognizer and no notion of health information about a person, and its e-mail
recognizer asks tldextract to download the public suffix list. The additions here fill those
gaps with general patterns (street-type words, house-number layouts, postal boxes, diagnosis
phrasing), never with strings taken from evaluation data.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

# -- e-mail without the network -----------------------------------------------------------------


@lru_cache(maxsize=1)
def offline_tld_extractor():
    """A TLDExtract that reads only the suffix list bundled in the package: no download, no cache."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def _offline_email_recognizer() -> EntityRecognizer:
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recognizer with its domain check on the bundled suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld_extractor()(pattern_text).fqdn != ""

    return OfflineEmailRecognizer()


# An address written to slip past a parser: spaces or dashes around "@" ("ola @ poczta.pl"),
# or the signs spelled ("ola (at) poczta (dot) pl", "ola at poczta dot pl"). A bare " at " counts
# only with a spelled " dot " ("I work at acme.com" is no address). The reassembled address
# must end in a real public suffix.
_AT = r"(?:[ \t\-]*@[ \t\-]*|[ \t]*[(\[{<][ \t]*at[ \t]*[)\]}>][ \t]*)"
_DOT = r"(?:[ \t]*\.[ \t]*|[ \t]*[(\[{<][ \t]*dot[ \t]*[)\]}>][ \t]*)"
_LOCAL_PART = r"(?<![\w.+\-])[A-Za-z0-9._%+\-]*[A-Za-z0-9]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_SPACED_EMAIL = re.compile(
    rf"{_LOCAL_PART}(?:{_AT}{_LABEL}(?:{_DOT}{_LABEL})+"
    rf"|[ \t]+at[ \t]+{_LABEL}(?:(?:{_DOT}|[ \t]+dot[ \t]+){_LABEL})*[ \t]+dot[ \t]+{_LABEL})"
    r"(?![\w@])",
    re.IGNORECASE,
)


def _spaced_email_recognizer() -> EntityRecognizer:
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class SpacedEmailRecognizer(LocalRecognizer):
        """E-mail addresses with spaced or spelled-out "@" and "." (see _SPACED_EMAIL)."""

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            if "@" not in text and " at " not in text.lower() and "at)" not in text.lower():
                return []
            results = []
            for match in _SPACED_EMAIL.finditer(text):
                address = _reassembled_address(match.group(0))
                if "@" in address and offline_tld_extractor()(address.split("@", 1)[1]).suffix:
                    results.append(
                        RecognizerResult(
                            "EMAIL_ADDRESS",
                            match.start(),
                            match.end(),
                            0.75,
                            recognition_metadata={
                                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            },
                        )
                    )
            return results

    return SpacedEmailRecognizer(supported_entities=["EMAIL_ADDRESS"], name="SpacedEmailRecognizer")


def _reassembled_address(written: str) -> str:
    """'ola (at) poczta dot pl' -> 'ola@poczta.pl'."""
    address = re.sub(r"[ \t\-]*@[ \t\-]*|\s*[(\[{<]\s*at\s*[)\]}>]\s*", "@", written, flags=re.I)
    if "@" not in address:
        address = re.sub(r"[ \t]+at[ \t]+", "@", address, count=1, flags=re.I)
    address = re.sub(
        r"\s*[(\[{<]\s*dot\s*[)\]}>]\s*|[ \t]+dot[ \t]+|[ \t]*\.[ \t]*", ".", address, flags=re.I
    )
    return address.lower()


# -- street addresses ---------------------------------------------------------------------------

# Street-type words: USPS Publication 28 suffixes and their usual abbreviations, plus the
# common British and Commonwealth ones.
_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    "square|sq|terrace|ter|way|close|crescent|cres|parkway|pkwy|highway|hwy|circle|cir|"
    "alley|aly|row|walk|gardens|gdns|grove|gr|mews|rise|hill|hills|heights|hts|park|"
    "plaza|plz|trail|trl|path|pike|loop|run|pass|point|pt|ridge|rdg|view|vw|vista|"
    "crossing|xing|junction|jct|expressway|expy|freeway|fwy|turnpike|tpke|causeway|"
    "bypass|byp|green|grn|greens|common|commons|meadow|meadows|mdws|glen|dale|vale|"
    "valley|vly|brook|brk|creek|crk|river|riv|lake|lk|lakes|harbor|hbr|haven|port|"
    "island|isle|key|cove|cv|bend|fork|ford|forge|mill|mills|orchard|oval|ramp|"
    "ranch|shore|shores|spring|springs|spur|station|sta|summit|track|trace|trafficway|"
    "union|villa|villas|village|vlg|ville|wharf|wells|flat|flats|lodge|manor|mount|mt|"
    "mountain|estate|estates|field|fields|forest|gateway|gate|landing|lndg|light|"
    "lights|motorway|neck|overpass|plains|prairie|radial|rapids|rest|route|rte|"
    "skyway|square|stream|throughway|tunnel|underpass|viaduct|wall|wynd|quay|embankment|"
    "parade|promenade|esplanade|chase|drove|approach|croft|fold|garth|hollow|knoll|"
    "courts|ways|roads|streets|circles|loops|canyon|cliffs|burg|bluff|bluffs|branch|"
    "bridge|brg|camp|cape|center|ctr|corner|corners|cors|crest|curve|divide|dam|"
    "extension|ext|falls|ferry|fry|garden|harbour|inlet|lane|locks|mall|mission|"
    "pines|pine|ports|shoal|shoals|stravenue|ville"
)
# The street types that are never a surname (Hill, Lane, Court, Ford and Green are), for the
# name finder: "Baker Street" is a street whatever "Baker" is.
STREET_TYPE_WORDS = frozenset(
    [
        "street",
        "st",
        "road",
        "rd",
        "avenue",
        "ave",
        "boulevard",
        "blvd",
        "terrace",
        "parkway",
        "pkwy",
        "highway",
        "hwy",
        "plaza",
        "square",
        "sq",
        "crescent",
        "cres",
        "mews",
        "gardens",
        "alley",
        "expressway",
        "expy",
        "freeway",
        "fwy",
        "motorway",
        "straße",
        "strasse",
        "ulica",
        "calle",
        "rua",
        "via",
    ]
)

# Street words of other languages, as a suffix of one word (Pohlstrasse, Vesterskovvej) or a
# word of their own before the name (Rua ..., Via ..., ul. ...). The distinctive ones count in
# any letter case; the ones that end English words too ("string", "committee", "timeout")
# count only after a capitalised street name.
_STREET_SUFFIXES = (
    "straat|strasse|straße|gasse|vej|vägen|vagen|väg|gatan|gata|gaten|laan|plein|gade|katu|"
    "kuja|polku|ulica|utca|allee|steeg|gracht|veien|gränd|platz|plass|torget|dreef|singel|"
    "vegur|gatve|iela|út|körút|sokak|caddesi|bulvar|ulice|náměstí|třída|odos|οδός|λεωφόρος|"
    "πλατεία"
)
_AMBIGUOUS_STREET_SUFFIXES = (
    "str|weg|hove|tie|ring|damm|markt|kade|vei|stig|torg|wal|berg|tee|u\\.|tér|cad\\.|nám\\.|trida"
)
_STREET_PREFIXES = (
    "rua|via|viale|vicolo|calle|carrer|avenida|av\\.|avda\\.|rue|boulevard|bd|piazza|piazzale|"
    "plaza|praça|praca|largo|travessa|strada|ul\\.|ulica|al\\.|aleja|plac|odos|"
    "οδός|λεωφόρος|πλατεία|leoforos|rambla|paseo|camino|carretera|chemin|impasse|allée|quai|"
    "cours|place|platz|korso|bulevar|trg|ulitsa|prospekt|utca"
)
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽΑ-ΩА-ЯЁ"
_WORD = r"[^\W\d_][^\W\d_'’\-]*"
_CAPITALISED_WORD = rf"(?-i:[{_UPPER}])[^\W\d_'’\-]*"
_WORD_OR_INITIAL = rf"(?:{_WORD}\.?)"
_WORD_WHOLE = r"[^\W\d_][^\W\d_'’\-]*+"
_CAPITALISED_WORD_WHOLE = rf"(?-i:[{_UPPER}])[^\W\d_'’\-]*+"
_HOUSE_NUMBER = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?"

_ADDRESS_PATTERNS: tuple[tuple[str, str, float], ...] = (
    # 221B Baker Street, 31 Seneca Place, 1600 Pennsylvania Ave NW
    (
        "number + street name + street type",
        rf"\b{_HOUSE_NUMBER}\s+(?:{_WORD_OR_INITIAL}\s+){{0,3}}(?:{_STREET_TYPES})\b\.?",
        0.7,
    ),
    # Pohlstrasse 9, Vesterskovvej 79, Hammarvägen 15, hegyalja út 98
    # The word is taken whole (possessive) and its ending checked by a look-behind, so a
    # word is read once rather than retried at every letter for every suffix.
    (
        "street word with a street suffix + number",
        rf"\b(?:{_CAPITALISED_WORD}\s+)?{_WORD_WHOLE}(?<=(?:{_STREET_SUFFIXES}))\s+{_HOUSE_NUMBER}\b",
        0.7,
    ),
    (
        "capitalised street word with an ambiguous suffix + number",
        rf"\b(?:{_CAPITALISED_WORD}\s+)?{_CAPITALISED_WORD_WHOLE}(?<=(?:{_AMBIGUOUS_STREET_SUFFIXES}))"
        rf"\s+{_HOUSE_NUMBER}\b",
        0.7,
    ),
    (
        "separate street word + number",
        rf"(?:^|(?<=\s))(?:{_WORD_WHOLE}\.?\s+){{1,3}}(?:{_STREET_SUFFIXES})\s+{_HOUSE_NUMBER}\b",
        0.65,
    ),
    (
        "capitalised name + separate ambiguous street word + number",
        rf"(?:^|(?<=\s)){_CAPITALISED_WORD_WHOLE}\s+(?:{_WORD_WHOLE}\.?\s+){{0,2}}"
        rf"(?:{_AMBIGUOUS_STREET_SUFFIXES})\s+{_HOUSE_NUMBER}\b",
        0.65,
    ),
    # Rua Mina 50, Via Roma 131, ul. Miła 53
    (
        "street prefix + name + number",
        rf"\b(?:{_STREET_PREFIXES})\s+(?:{_WORD_WHOLE}\.?\s+){{0,4}}{_HOUSE_NUMBER}\b",
        0.7,
    ),
    # PO Box 123; PSC 1234, Box 5678; APO AE 12345
    (
        "post office box",
        r"\b(?:P\.?\s?O\.?\s*Box|Post\s+Office\s+Box|PSC\s+\d{3,5},?\s+Box)\s*\d{1,6}\b",
        0.8,
    ),
    ("military post office", r"\b(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}\b", 0.8),
    # Apt. 237, Suite 829, Unit 5B, Flat 3: a dwelling inside a building
    (
        "unit designator",
        r"\b(?:Apt\.?|Apartment|Suite|Ste\.|Unit|Flat)\s*#?\d{1,5}[A-Za-z]?\b",
        0.6,
    ),
    # "the corner of X and Y"
    (
        "street corner",
        rf"\bcorner\s+of\s+(?:{_WORD_OR_INITIAL}\s+){{1,4}}(?:{_HOUSE_NUMBER}\s+)?and\s+{_WORD}",
        0.6,
    ),
)
# Words that say a number-bearing phrase is an address, for the contextual pattern below.
ADDRESS_CONTEXT = [
    "address",
    "addresses",
    "live",
    "lives",
    "lived",
    "living",
    "located",
    "location",
    "street",
    "deliver",
    "delivery",
    "ship",
    "shipping",
    "mail",
    "post",
    "send",
    "sent",
    "move",
    "moved",
    "moving",
    "stay",
    "staying",
    "meet",
    "taxi",
    "billing",
    "residence",
    "home",
    "office",
    "offices",
    "visit",
    "corner",
]
# Nouns that take a number and are no street ("room 4B", "at 10:30", "page 12", "level 3"),
# and prepositions that would start the run itself ("at 10:30").
_NUMBERED_NOUNS = (
    "room|rooms|page|pages|step|steps|level|floor|gate|platform|chapter|line|row|version|table|"
    "figure|fig|item|section|grade|class|exit|terminal|seat|zone|phase|round|stage|part|day|"
    "week|year|number|no|size|type|slide|question|task|issue|ticket|episode|season|verse|"
    "lesson|unit|module|week|track|bus|route|flight|train|car|bay|lane|port|pin|channel|"
    "at|on|to|in|of|is|from|by|for|about|around|after|before|until|till|since|between"
)
# A capitalised name (one to three words) followed by a house number and then the end of the
# phrase: "on Edeby 55", "at Magrethevej 298\n". Weak alone; address context words raise it.
_NAME_THEN_NUMBER = (
    "name + house number",
    r"(?<=\b(?:at|on|to|in|of|is|address:?|from)\s)"
    rf"(?!(?:{_NUMBERED_NOUNS})\b)(?:[^\W\d_][^\W\d_'’\-]+\s+){{1,3}}"
    r"\d{1,5}[A-Za-z]?(?=\s*(?:$|[,.;!?\n]|:(?!\d)|Apt|Suite|Unit))",
    0.35,
)


# "50541 Mlýnská 1540", "641 Dašická 688": building number, capitalised street name, house number
_NUMBER_NAME_NUMBER = (
    "building number + street name + house number",
    rf"(?-i:\b\d{{1,6}}\s+(?:[{_UPPER}][^\W\d_]*\.?\s+){{1,3}}\d{{1,5}}[a-z]?\b)",
    0.5,
)

# An address written over lines, in any case: a house number and a street name at the start
# of a line (or after "at", "to", ...), then within three lines a postcode ("389 167 king
# alexander\nlady frere\n, ec\n 76634").
_ADDRESS_BLOCK = (
    "house number line + postcode within three lines",
    r"(?:^[ \t>]*|(?<=\b(?:at|to|on|in|is|from|address:?)[ \t]))"
    r"\d{1,6}[ \t]+(?:\d{1,5}[a-z]?[ \t]+)?[^\W\d_][^\W\d_'’\-]*+"
    r"(?:[ \t]+[^\W\d_][^\W\d_'’\-]*+){0,4}[ \t]*,?[ \t]*\n(?:[^\n]*\n){0,3}?[^\n]*?"
    r"(?<!\d|\d[.,:/-])\d{4,6}(?!\d|[.,:/-]\d)",
    0.35,  # a list of quantities can look the same: an address word must be near
)


def _street_address_recognizer() -> EntityRecognizer:
    from presidio_analyzer import Pattern, PatternRecognizer

    patterns = [Pattern(name, regex, score) for name, regex, score in _ADDRESS_PATTERNS]
    patterns.append(Pattern(*_NAME_THEN_NUMBER))
    patterns.append(Pattern(*_NUMBER_NAME_NUMBER))
    patterns.append(Pattern(*_ADDRESS_BLOCK))
    return PatternRecognizer(
        supported_entity="STREET_ADDRESS",
        name="StreetAddressRecognizer",
        patterns=patterns,
        context=ADDRESS_CONTEXT,
        global_regex_flags=re.IGNORECASE | re.MULTILINE | re.UNICODE,
    )


# -- phone numbers -------------------------------------------------------------------------------

PHONE_CONTEXT = [
    "phone",
    "telephone",
    "tel",
    "call",
    "mobile",
    "cell",
    "fax",
    "number",
    "contact",
    "reach",
    "text",
    "sms",
    "whatsapp",
    "office",
    "home",
    "landline",
    "dial",
    "ring",
    "answer",
    "message",
    "registered",
    "hotline",
    "extension",
]
# Digit groups with the separators phone numbers use; never glued to a word, a decimal point,
# a path, a currency sign or an operator, so versions, prices and sums start no candidate.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+#$€£¥%/\\.,:=@*^-])"
    r"(?:\+\s?|00)?"
    r"(?:\(\d{1,5}\)|\d{1,15})"
    r"(?:(?:[ .\-]|\s?\(0?\d{0,4}\)\s?|(?<=\))\s?)\d{1,8}){0,6}"
    r"(?![\w@]|[.,:/\-]\d)"
)
_NANP = re.compile(r"^(?:\+?1[ .\-]?|001[ .\-]?)?(?:\(\d{3}\)\s?|\d{3}[ .\-])\d{3}[ .\-]\d{4}$")
_PAIRS = re.compile(r"^\d{2}(?P<sep>[ .\-])\d{2}(?:(?P=sep)\d{2}){2,4}$")
_TRUNK_GROUPED = re.compile(r"^0\d{1,4}(?:[ .\-]\d{2,8}){1,4}$")
_DATE_LIKE = re.compile(
    r"^(?:\d{4}(?P<a>[.\-/ ])\d{1,2}(?P=a)\d{1,2}|\d{1,2}(?P<b>[.\-/ ])\d{1,2}(?P=b)\d{2,4})$"
)
_YEAR_RANGE = re.compile(r"^(1\d{3}|20\d{2})\s?[\-–]\s?(1\d{3}|20\d{2})$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:(?P<sep>[ .])\d{3})(?:(?P=sep)\d{3})*$")
_QUANTITY_AFTER = re.compile(
    r"^\s*(?:%|percent|[kKmMgGtT]?[bB]\b|bytes|km|kg|mg|ml|mm|cm|m\b|mi\b|miles|meters|metres|"
    r"feet|ft|lbs?|tons?|tonnes|people|persons|users|customers|visitors|residents|inhabitants|"
    r"dollars|euros|pounds|yen|usd|eur|gbp|chf|sek|nok|dkk|pln|czk|huf|rub|inr|jpy|cny|\$|€|£|"
    r"times|years|months|days|hours|minutes|seconds|items|units|points|votes|copies|views|"
    r"downloads|stars|rows|records|lines|words|characters|steps|x)(?!\w)|^\s*[*×+=/^<>%$€£]",
    re.IGNORECASE,
)
_NOT_PHONE_BEFORE = re.compile(
    r"(?:[*×+=/^<>]|\b(?:usd|eur|gbp|chf|rs|inr|cad|aud|population|total|sum|about|approximately|"
    r"nearly|around|over|under|than|order|invoice|ticket|tracking|reference|ref|isbn|issn|"
    r"serial|sku|part|model|policy|case|claim|booking|confirmation|transaction|receipt|"
    r"version|v|build|release|id|code|zip|postcode|postal code|po box|box|"
    r"page|pages|chapter|verse|row|col|column|port|timeout|size|length|width|height|"
    r"seed|step|steps|epoch|epochs|batch)\b(?:\s+(?:number|no|nr|id|code|is|was|of|:))*)"
    r"\s*[:#.]?\s*$",
    re.IGNORECASE,
)
_NUMBER_LIST_CUE = re.compile(
    r"\b(?:numbers|integers|digits|array|list|sequence|values|data|dataset|matrix|vector|"
    r"sort|sorted|sum|multiply|add|divide|calculate|compute|average|mean|median|coordinates|"
    r"scores|prices|measurements|readings|grid|table)\b",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(r"(?:^|[.!?\n])[^.!?\n]*$")


def _ipv4(candidate: str) -> bool:
    parts = candidate.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


def phone_score(text: str, start: int, end: int) -> float:
    """How much a digit-group candidate looks like a phone number: 0 (not one) to 0.75.

    0.75: international prefix, North-American layout, a trunk-prefixed grouped number, pairs
    (01.84.17.61.18); 0.5: other grouped digits of phone length; 0.25: a plain run of digits
    (a context word such as "call" or "phone" lifts it over the threshold). Dates, year ranges,
    IP addresses, decimals, quantities, sums, numbered lists and IDs after "order #" are 0.
    """
    candidate = text[start:end]
    digits = sum(c.isdigit() for c in candidate)
    if not 7 <= digits <= 15:
        return 0.0
    before = text[max(0, start - 40) : start]
    after = text[end : end + 30]
    if re.search(r"\d[ .,]$", before):
        return 0.0  # the tail of a longer number: $1 299 000 000
    international = candidate.startswith("+") or (candidate.startswith("00") and " " in candidate)
    if international:
        return 0.75
    groups = re.split(r"[ .\-()]+", candidate.strip("()"))
    groups = [g for g in groups if g]
    if (
        _DATE_LIKE.match(candidate)
        or _YEAR_RANGE.match(candidate)
        or _ipv4(candidate)
        or (len(groups) == 2 and "." in candidate and "(" not in candidate)
        or _QUANTITY_AFTER.match(after)
        or _NOT_PHONE_BEFORE.search(before)
    ):
        return 0.0
    if _NANP.match(candidate) or _PAIRS.match(candidate) or "(" in candidate:
        return 0.75
    if _TRUNK_GROUPED.match(candidate) and digits >= 9:
        return 0.75
    sentence = _SENTENCE_START.search(before)
    listed = bool(sentence and _NUMBER_LIST_CUE.search(sentence.group(0)))
    if len(groups) >= 2 and digits <= 12 and max(len(g) for g in groups) <= 8:
        if listed or (_THOUSANDS.match(candidate) and re.search(r"[$€£¥]\s*$", before)):
            return 0.0
        return 0.5
    return 0.0 if listed else 0.25


def _phone_recognizer() -> EntityRecognizer:
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class PhoneNumberRecognizer(LocalRecognizer):
        """Phone numbers in international and local layouts, judged by shape and surroundings.

        Replaces Presidio's libphonenumber scan (which needs a country per number and costs
        milliseconds per prompt); context words are applied by the analyzer's enhancer.
        """

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            results = []
            for match in _PHONE_CANDIDATE.finditer(text):
                start, end = match.span()
                score = phone_score(text, start, end)
                if score:
                    results.append(
                        RecognizerResult(
                            "PHONE_NUMBER",
                            start,
                            end,
                            score,
                            analysis_explanation=self.build_explanation(score, "phone layout"),
                            recognition_metadata={
                                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            },
                        )
                    )
            return results

        def build_explanation(self, score: float, text: str):
            from presidio_analyzer import AnalysisExplanation

            return AnalysisExplanation(
                recognizer=self.name, original_score=score, textual_explanation=text
            )

    return PhoneNumberRecognizer(
        supported_entities=["PHONE_NUMBER"], name="PhoneNumberRecognizer", context=PHONE_CONTEXT
    )


# -- IBANs in any letter case -------------------------------------------------------------------


def iban_checksum_ok(candidate: str) -> bool:
    """ISO 13616 check digits and the country's BBAN layout, by python-stdnum."""
    from stdnum import iban

    value = re.sub(r"[\s\-]", "", candidate).upper()
    return value.isalnum() and bool(iban.is_valid(value))


_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?=[ \-]?[A-Za-z0-9])")
_IBAN_BODY = re.compile(r"(?:[ \-]?[A-Za-z0-9]){11,32}")


def iban_spans(text: str) -> list[tuple[int, int]]:
    """IBANs in any letter case, grouped in fours or not, spaced or dashed anywhere: from each
    country-code start, the longest run of characters that stdnum accepts as an IBAN."""
    found: list[tuple[int, int]] = []
    for start in _IBAN_START.finditer(text):
        body = _IBAN_BODY.match(text, start.end())
        if body is None:
            continue
        candidate = text[start.start() : body.end()]
        # trailing characters may belong to the next word: try the longest valid prefix
        cuts = [i + 1 for i, c in enumerate(candidate) if c.isalnum()]
        for cut in reversed(cuts):
            if cut < 15:
                break
            if (cut == len(candidate) or not candidate[cut].isalnum()) and iban_checksum_ok(
                candidate[:cut]
            ):
                found.append((start.start(), start.start() + cut))
                break
    return found


def _any_case_iban_recognizer() -> EntityRecognizer:
    """Presidio's IBAN recognizer wants capitals and groups of four; "my iban is gb42nawi0445..."
    and "GB37LTXZ842 15830989318" are IBANs too. The check digits decide (stdnum)."""
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class AnyCaseIbanRecognizer(LocalRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [
                RecognizerResult(
                    "IBAN_CODE",
                    start,
                    end,
                    1.0,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
                for start, end in iban_spans(text)
            ]

    return AnyCaseIbanRecognizer(supported_entities=["IBAN_CODE"], name="AnyCaseIbanRecognizer")


# -- card numbers that fail the Luhn check or the usual layouts --------------------------------

CARD_CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "cc"]


def _contextual_card_recognizer() -> EntityRecognizer:
    """A 12-19 digit number next to "card": a card number even when Presidio's checks reject it."""
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(
        supported_entity="CREDIT_CARD",
        name="ContextualCardRecognizer",
        patterns=[
            Pattern("card digits", r"(?<![\w.,/-])\d{12,19}(?![\w.,/-])", 0.2),
            Pattern(
                "grouped card digits",
                r"(?<![\w.,/-])\d{4}(?:[\s\-]\d{4}){2,3}(?:[\s\-]\d{1,3})?(?![\w.,/-])",
                0.3,
            ),
            # grouped any other way, as copied text and typed numbers often are: 473511 0554588
            Pattern(
                "card digits in any grouping",
                r"(?<![\w.,/-])\d(?:[ \-]?\d){11,18}(?![\w.,/-]|[ \-]\d)",
                0.2,
            ),
        ],
        context=CARD_CONTEXT,
    )


# -- health information about a person ----------------------------------------------------------

_CONDITIONS = (
    "cancer|tumou?r|leukemia|lymphoma|diabetes|hiv|aids|hepatitis|tuberculosis|epilepsy|"
    "asthma|copd|dementia|alzheimer'?s|parkinson'?s|multiple sclerosis|\\bms\\b|schizophrenia|"
    "bipolar(?: disorder)?|depression|anxiety(?: disorder)?|ptsd|ocd|adhd|autism|anorexia|"
    "bulimia|eating disorder|addiction|alcoholism|substance abuse|overdose|stroke|"
    "heart (?:attack|disease|failure|condition)|hypertension|high blood pressure|"
    "kidney (?:disease|failure)|liver (?:disease|failure)|cirrhosis|lupus|arthritis|"
    "crohn'?s|colitis|celiac|covid(?:-19)?|chlamydia|gonorrh(?:o)?ea|syphilis|herpes|hpv|std|sti|"
    "infertility|miscarriage|abortion|pregnan(?:t|cy)|chemotherapy|chemo|dialysis|"
    "insulin|antidepressants?|ssris?|sertraline|fluoxetine|prozac|zoloft|xanax|lithium|"
    "methadone|suboxone|metformin|chemotherapy|radiation therapy|rehab|psychiatric|"
    "mental illness|mental health condition|disability|seizures?|migraines?|"
    "(?:a|an|the)?\\s?(?:positive|negative) (?:hiv|covid|pregnancy|std) test"
)
_PERSONAL_HEALTH_PATTERNS = (
    (
        "diagnosis verb",
        rf"\b(?:diagnosed with|suffer(?:s|ed|ing)? from|tested positive for|being treated for|"
        rf"treated for|recovering from|living with|battling|prescribed|was admitted for|"
        rf"is on|am on|i'?m on)\s+(?:\w+\s+){{0,3}}?(?:{_CONDITIONS})\b",
        0.7,
    ),
    (
        "first or third person + condition",
        rf"\b(?:i|i'?ve|i'?m|my|me|he|she|his|her|my (?:son|daughter|wife|husband|"
        rf"mother|father|mom|dad|partner|brother|sister|child|friend|colleague|patient|boss))\s+"
        rf"(?:have|has|had|got|take|takes|took|am taking|is taking|was|is|am|'?s|been)\s+"
        rf"(?:\w+\s+){{0,3}}?(?:{_CONDITIONS})\b",
        0.65,
    ),
    (
        "my + condition or record",
        rf"\bmy\s+(?:{_CONDITIONS}|diagnosis|prognosis|medical (?:record|history|condition)s?|"
        rf"lab results?|blood test results?|biopsy|prescriptions?|medications?|therapist|"
        rf"psychiatrist|oncologist)\b",
        0.6,
    ),
)


def _personal_health_recognizer() -> EntityRecognizer:
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(
        supported_entity="HEALTH_INFO",
        name="PersonalHealthRecognizer",
        patterns=[Pattern(*p) for p in _PERSONAL_HEALTH_PATTERNS],
        global_regex_flags=re.IGNORECASE | re.UNICODE,
    )


# -- the registry -------------------------------------------------------------------------------

# Presidio's predefined recognizers the policy needs; the other countries' IDs stay off to
# save time and false alarms on numbers (they can be enabled later per locale).
_PREDEFINED = (
    "CreditCardRecognizer",
    "IbanRecognizer",
    "IpRecognizer",
    "UsSsnRecognizer",
    "UsItinRecognizer",
    "UsPassportRecognizer",
    "UsLicenseRecognizer",
    "UsBankRecognizer",
    "NhsRecognizer",
    "UkNinoRecognizer",
    "MedicalLicenseRecognizer",
)


def gate_recognizers() -> list[EntityRecognizer]:
    """Pattern recognizers for the gate's analyzer (the spaCy NER recognizer is added apart)."""
    from presidio_analyzer import predefined_recognizers

    recognizers: list[EntityRecognizer] = [
        getattr(predefined_recognizers, name)() for name in _PREDEFINED
    ]
    recognizers += [
        _offline_email_recognizer(),
        _spaced_email_recognizer(),
        _street_address_recognizer(),
        _phone_recognizer(),
        _any_case_iban_recognizer(),
        _contextual_card_recognizer(),
        _personal_health_recognizer(),
    ]
    return recognizers
