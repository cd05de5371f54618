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
# Street words of other languages, as a suffix of one word (Pohlstrasse, Vesterskovvej) or a
# word of their own before the name (Rua ..., Via ..., ul. ...).
_STREET_SUFFIXES = (
    "straat|strasse|straße|str|gasse|weg|vej|vägen|vagen|väg|gatan|gata|gaten|laan|hove|plein|"
    "gade|katu|tie|kuja|polku|ulica|utca|allee|ring|damm|markt|steeg|kade|gracht|veien|vei|"
    "gränd|stig|platz|plass|torg|torget|dreef|singel|wal|berg|vegur|gatve|iela|iela|tee|"
    "ut|út|u\\.|körút|tér|sokak|caddesi|cad\\.|bulvar|ulice|náměstí|nám\\.|trida|třída|"
    "odos|οδός|λεωφόρος|πλατεία"
)
_STREET_PREFIXES = (
    "rua|via|viale|vicolo|calle|carrer|avenida|av\\.|avda\\.|rue|boulevard|bd|piazza|piazzale|"
    "plaza|praça|praca|largo|travessa|strada|ul\\.|ulica|al\\.|aleja|plac|odos|"
    "οδός|λεωφόρος|πλατεία|leoforos|rambla|paseo|camino|carretera|chemin|impasse|allée|quai|"
    "cours|place|platz|korso|bulevar|trg|ulitsa|prospekt|utca"
)
_WORD = r"[^\W\d_][^\W\d_'’\-]*"
_WORD_OR_INITIAL = rf"(?:{_WORD}\.?)"
_HOUSE_NUMBER = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?"

_ADDRESS_PATTERNS: tuple[tuple[str, str, float], ...] = (
    # 221B Baker Street, 31 Seneca Place, 1600 Pennsylvania Ave NW
    (
        "number + street name + street type",
        rf"\b{_HOUSE_NUMBER}\s+(?:{_WORD_OR_INITIAL}\s+){{0,3}}(?:{_STREET_TYPES})\b\.?",
        0.7,
    ),
    # Pohlstrasse 9, Vesterskovvej 79, Hammarvägen 15, hegyalja út 98
    (
        "street word with a street suffix + number",
        rf"\b(?:{_WORD_OR_INITIAL}\s+){{0,3}}{_WORD}(?:{_STREET_SUFFIXES})\s+{_HOUSE_NUMBER}\b",
        0.7,
    ),
    (
        "separate street word + number",
        rf"(?:^|(?<=\s))(?:{_WORD_OR_INITIAL}\s+){{0,3}}(?:{_STREET_SUFFIXES})\s+{_HOUSE_NUMBER}\b",
        0.65,
    ),
    # Rua Mina 50, Via Roma 131, ul. Miła 53
    (
        "street prefix + name + number",
        rf"\b(?:{_STREET_PREFIXES})\s+(?:{_WORD_OR_INITIAL}\s+){{0,4}}{_HOUSE_NUMBER}\b",
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
# A capitalised name (one to three words) followed by a house number and then the end of the
# phrase: "on Edeby 55", "at Magrethevej 298\n". Weak alone; address context words raise it.
_NAME_THEN_NUMBER = (
    "name + house number",
    r"(?<=\b(?:at|on|to|in|of|is|address:?|from)\s)(?:[^\W\d_][^\W\d_'’\-]+\s+){1,3}\d{1,5}[A-Za-z]?(?=\s*(?:$|[,.;:!?\n]|Apt|Suite|Unit))",
    0.35,
)


_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽΑ-ΩА-ЯЁ"
# "50541 Mlýnská 1540", "641 Dašická 688": building number, capitalised street name, house number
_NUMBER_NAME_NUMBER = (
    "building number + street name + house number",
    rf"(?-i:\b\d{{1,6}}\s+(?:[{_UPPER}][^\W\d_]*\.?\s+){{1,3}}\d{{1,5}}[a-z]?\b)",
    0.5,
)


def _street_address_recognizer() -> EntityRecognizer:
    from presidio_analyzer import Pattern, PatternRecognizer

    patterns = [Pattern(name, regex, score) for name, regex, score in _ADDRESS_PATTERNS]
    patterns.append(Pattern(*_NAME_THEN_NUMBER))
    patterns.append(Pattern(*_NUMBER_NAME_NUMBER))
    return PatternRecognizer(
        supported_entity="STREET_ADDRESS",
        name="StreetAddressRecognizer",
        patterns=patterns,
        context=ADDRESS_CONTEXT,
        global_regex_flags=re.IGNORECASE | re.MULTILINE | re.UNICODE,
    )


# -- phone numbers in local formats -------------------------------------------------------------

PHONE_REGIONS = ("US", "GB", "DE", "FR")
PHONE_CONTEXT = [
    "phone",
    "telephone",
    "tel",
    "call",
    "calling",
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
]


def _local_phone_recognizer() -> EntityRecognizer:
    """Digit groups in phone layouts that libphonenumber cannot place without a country."""
    from presidio_analyzer import Pattern, PatternRecognizer

    patterns = [
        Pattern(
            "international",
            r"(?<![\w+])\+\d{1,3}[\s.\-]?(?:\(0\)\s?)?(?:\(?\d{1,4}\)?[\s.\-]?){2,5}\d{2,4}\b",
            0.6,
        ),
        Pattern(
            "grouped digits",
            r"(?<![\w.,/-])\(?\d{2,5}\)?[\s.\-]\d{2,4}(?:[\s.\-]\d{2,4}){1,3}(?![\w.,/-])",
            0.3,
        ),
        Pattern("seven digits", r"(?<![\w.,/-])\d{3}[\s.\-]\d{4}(?![\w.,/-])", 0.2),
        Pattern("two groups", r"(?<![\w.,/-])\d{2,4}[\s.\-]\d{4,8}(?![\w.,/-])", 0.2),
    ]
    return PatternRecognizer(
        supported_entity="PHONE_NUMBER",
        name="LocalPhoneRecognizer",
        patterns=patterns,
        context=PHONE_CONTEXT,
    )


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
        rf"\b(?:i|i'?ve|i'?m|my|me|he|she|his|her|they|their|my (?:son|daughter|wife|husband|"
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
    "PhoneRecognizer",
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
        _street_address_recognizer(),
        _local_phone_recognizer(),
        _contextual_card_recognizer(),
        _personal_health_recognizer(),
    ]
    return recognizers
