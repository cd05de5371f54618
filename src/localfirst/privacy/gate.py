"""The privacy gate: decides whether a payload may leave the machine.

It judges everything that would be sent (system prompt, every earlier turn, the new prompt)
with one Presidio analyzer over a spaCy pipeline, plus a credential detector, and applies a
policy on top: direct identifiers, credentials and health information make a payload
sensitive; quasi-identifiers (dates, places, organisations, nationalities, public figures) are
reported but do not. Findings carry types and spans, never the matched text.

Building the gate is the slow part (spaCy and Presidio load once, about a second); each check
then costs a few milliseconds, and unchanged earlier turns are served from a bounded cache.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localfirst.config import PrivacyConfig
from localfirst.core.messages import ChatMessage, Role
from localfirst.privacy import names
from localfirst.privacy.credentials import find_secrets
from localfirst.privacy.verdict import Finding, GateVerdict

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult
    from spacy.tokens import Doc

    from localfirst.privacy.spacy_pipeline import LoadedPipeline

log = logging.getLogger(__name__)

# Entity types that identify a person, hold a secret, or say something about a person's health.
DIRECT_IDENTIFIERS = frozenset(
    {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "STREET_ADDRESS",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_BANK_NUMBER",
        "IP_ADDRESS",
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "UK_NHS",
        "UK_NINO",
        "MEDICAL_LICENSE",
        "HEALTH_INFO",
        "DENY_TERM",
    }
)
# Reported so the user sees them, but never enough to keep a prompt local on their own.
QUASI_IDENTIFIERS = frozenset(
    {
        "LOCATION",
        "ORGANIZATION",
        "DATE_TIME",
        "NRP",
        "FACILITY",
        "PUBLIC_FIGURE",
        "PLACEHOLDER_NAME",
    }
)
# Minimum scores per type (config `privacy.thresholds` overrides). Presidio adds 0.35 when a
# context word ("phone", "address", "card") is near a weak pattern match.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "PHONE_NUMBER": 0.4,
    "STREET_ADDRESS": 0.5,
    "CREDIT_CARD": 0.5,
    "US_DRIVER_LICENSE": 0.3,
    "US_BANK_NUMBER": 0.4,
    "US_PASSPORT": 0.4,
    "UK_NHS": 0.5,
    "MEDICAL_LICENSE": 0.5,
}
FALLBACK_THRESHOLD = 0.5

# spaCy labels and what Presidio should call them; numeric and topical labels are dropped.
SPACY_LABELS = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "FACILITY",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
    "NORP": "NRP",
}
SPACY_IGNORED = (
    "CARDINAL",
    "ORDINAL",
    "QUANTITY",
    "MONEY",
    "PERCENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "EVENT",
    "PRODUCT",
)

CACHE_SIZE = 512
_CODE_SPAN = re.compile(r"```.*?(?:```|$)|`[^`\n]+`", re.DOTALL)
# Phrases after which the next capitalised words are a name whatever they are: "my name is",
# "maiden name is", "last name? ...", "call me ...".
_NAME_CUE = re.compile(
    r"\b(?:(?:sur|first |last |middle |full |maiden |user|nick)?name(?:\s+(?:is|was))?\s*[:?=,]?|"
    r"call(?:s|ed)? me|known as|I am|I'm|this is)\s+"
    r"(?P<name>[^\W\d_][^\W\d_'’\-]*(?:\s+[^\W\d_]\.?)?(?:\s+[^\W\d_][^\W\d_'’\-]*)?)",
    re.IGNORECASE,
)
_DECIMAL = re.compile(r"^\d{1,6}[.,]\d{1,3}$")
_SENTENCE_BREAK = {".", "!", "?", ":", ";", "\n", '"', "“", "(", ">", "-", "*"}


@dataclass(frozen=True)
class _Analysis:
    """One message's findings with source "prompt"; reused as-is for unchanged turns."""

    findings: tuple[Finding, ...]


class PrivacyGate:
    """Judges payloads; build once with `PrivacyGate.build`, then call from any thread."""

    def __init__(
        self,
        analyzer: AnalyzerEngine,
        pipeline: LoadedPipeline,
        knowledge: names.NameKnowledge,
        config: PrivacyConfig,
    ) -> None:
        self._analyzer = analyzer
        self._pipeline = pipeline
        self._knowledge = knowledge
        self._thresholds = {
            **DEFAULT_THRESHOLDS,
            **{k.upper(): float(v) for k, v in config.thresholds.items()},
        }
        self._deny = _term_pattern(config.deny_terms)
        self._allow = {t.strip().lower() for t in config.allow_terms if t.strip()}
        self._cache: OrderedDict[str, _Analysis] = OrderedDict()
        self._lock = threading.Lock()

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls, config: PrivacyConfig, *, offline: bool = False, cache_dir: Path | None = None
    ) -> PrivacyGate:
        """Load spaCy and Presidio (the slow part); a UserError says how to fix a missing pipeline."""
        from localfirst.privacy.spacy_pipeline import load_pipeline

        if cache_dir is None:
            from localfirst.config import AppPaths

            cache_dir = AppPaths.from_platform().cache_dir
        pipeline = load_pipeline(config.spacy_model, cache_dir=cache_dir, offline=offline)
        analyzer = build_analyzer(pipeline.nlp)
        knowledge = names.load_name_knowledge(pipeline.nlp)
        return cls(analyzer, pipeline, knowledge, config)

    @property
    def pipeline_description(self) -> str:
        return self._pipeline.description

    # -- checks ---------------------------------------------------------------------------------

    def check_text(self, text: str) -> GateVerdict:
        return self.check_payload([ChatMessage(Role.USER, text)])

    def check_payload(self, messages: Sequence[ChatMessage]) -> GateVerdict:
        """Judge every message that would be sent; the last one is the prompt."""
        try:
            findings: list[Finding] = []
            turn = 0
            for index, message in enumerate(messages):
                if message.role is Role.SYSTEM:
                    source = "system"
                else:
                    source = "prompt" if index == len(messages) - 1 else f"turn {turn}"
                    turn += 1
                findings.extend(
                    replace(f, source=source) for f in self._analyze(message.content).findings
                )
        except Exception as exc:  # fail closed: the caller keeps the payload local
            log.exception("privacy gate failed")
            return GateVerdict.failed(f"privacy gate failed: {type(exc).__name__}: {exc}")
        return GateVerdict(tuple(findings), None, _reasons(findings))

    # -- analysis of one message ----------------------------------------------------------------

    def _analyze(self, text: str) -> _Analysis:
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        analysis = _Analysis(tuple(self._find(text))) if text.strip() else _Analysis(())
        with self._lock:
            self._cache[text] = analysis
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return analysis

    def _find(self, text: str) -> list[Finding]:
        artifacts = self._analyzer.nlp_engine.process_text(text, "en")
        results = self._analyzer.analyze(text, language="en", nlp_artifacts=artifacts)
        doc: Doc = artifacts.tokens
        text_lower = text.lower()
        code_spans = [m.span() for m in _CODE_SPAN.finditer(text)]
        findings: list[Finding] = []
        person_spans: list[tuple[int, int]] = []
        for result in results:
            if result.score < self._thresholds.get(result.entity_type, FALLBACK_THRESHOLD):
                continue
            if result.entity_type == "PHONE_NUMBER" and _DECIMAL.match(
                text[result.start : result.end]
            ):
                continue  # 164.25 is a price, not a phone number
            if result.entity_type == "PERSON":
                person_spans.append((result.start, result.end))
                judged = self._judge_person(text, text_lower, result.start, result.end, code_spans)
                if judged:
                    findings.append(
                        Finding(
                            judged[0], result.start, result.end, result.score, sensitive=judged[1]
                        )
                    )
                continue
            findings.append(_finding(result))
        for start, end in self._names_after_cues(text, person_spans) + self._names_spacy_missed(
            doc, person_spans
        ):
            judged = self._judge_person(text, text_lower, start, end, code_spans)
            if judged:
                findings.append(Finding(judged[0], start, end, 0.6, sensitive=judged[1]))
        # a name once shown to be a public figure or a role is one in every mention
        public = {text[f.start : f.end].lower() for f in findings if f.type == "PUBLIC_FIGURE"}
        public_parts = {part for name in public for part in name.split()}
        findings = [
            replace(f, type="PUBLIC_FIGURE", sensitive=False)
            if f.type == "PERSON" and text[f.start : f.end].lower() in public | public_parts
            else f
            for f in findings
        ]
        findings.extend(
            Finding(s.type, s.start, s.end, s.score, sensitive=True) for s in find_secrets(text)
        )
        findings = [f for f in findings if not self._allowed(text[f.start : f.end])]
        if self._deny is not None:
            findings.extend(
                Finding("DENY_TERM", m.start(), m.end(), 1.0) for m in self._deny.finditer(text)
            )
        return _dedupe(findings)

    def _judge_person(
        self, text: str, text_lower: str, start: int, end: int, code_spans: list[tuple[int, int]]
    ) -> tuple[str, bool] | None:
        """("PERSON", True) for a private person, a quasi type for others, None for not a name."""
        span = text[start:end].strip()
        if not span or names.looks_like_code(span) or _inside(start, end, code_spans):
            return None
        words = [w for w in re.findall(r"[^\W\d_]+", span) if len(w) > 1 or w.isupper()]
        if not words:
            return None
        knowledge = self._knowledge
        if len(words) == 1 and names.is_all_caps_acronym(words[0]):
            return None
        if all(
            knowledge.is_english_word(w) and not knowledge.is_known_name(w.capitalize())
            for w in words
        ):
            return None  # capitalised common words: "Discipline", "Embark"
        if names.is_public_figure(span, text_lower) or names.is_role_play(text, start):
            return "PUBLIC_FIGURE", False
        if len(words) > 1 and any(
            knowledge.is_english_word(w) and not knowledge.is_known_name(w)
            for w in words
            if len(w) > 2
        ):
            return None  # "Samsung Galaxy", "Anavilhanas Archipelago": names hold no common nouns
        single = len(words) == 1
        if single and words[0].lower() in names.PLACEHOLDER_NAMES and names.placeholder_cast(text):
            return "PLACEHOLDER_NAME", False
        if single and names.is_puzzle(text) and words[0] in knowledge.given_names:
            return "PLACEHOLDER_NAME", False
        return "PERSON", True

    def _names_after_cues(
        self, text: str, person_spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Words introduced as a name ("my name is ...", "call me ..."), known names or not."""
        lowercase_text = text == text.lower()
        found: list[tuple[int, int]] = []
        for match in _NAME_CUE.finditer(text):
            start = match.start("name")
            words = list(re.finditer(r"[^\W\d_][^\W\d_'’\-]*\.?", match.group("name")))
            kept = []
            for word in words:
                value = word.group(0)
                if not (
                    value[0].isupper()
                    or (lowercase_text and not self._knowledge.is_english_word(value))
                ):
                    break
                kept.append(word)
            if not kept:
                continue
            span = (start + kept[0].start(), start + kept[-1].end())
            if not _inside(*span, person_spans):
                found.append(span)
                person_spans.append(span)
        return found

    def _names_spacy_missed(
        self, doc: Doc, person_spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Tokens that are names by the gazetteer, in places spaCy's NER did not mark."""
        knowledge = self._knowledge
        if not knowledge.given_names:
            return []
        lowercase_text = doc.text == doc.text.lower()
        found: list[tuple[int, int]] = []
        for token in doc:
            start, end = token.idx, token.idx + len(token.text)
            if (
                token.is_stop
                or not token.is_alpha
                or len(token.text) < 2
                or _inside(start, end, person_spans)
            ):
                continue
            entity = token.ent_type_
            if entity and entity not in ("PERSON", "FAC", "ORG", "NORP", "GPE"):
                continue
            word = token.text
            if lowercase_text:
                name = word.capitalize()
                if name in knowledge.given_names and not knowledge.is_english_word(word):
                    found.append((start, end))
                continue
            if not word[0].isupper() or word.isupper() or not knowledge.is_known_name(word):
                continue
            english = knowledge.is_english_word(word) or knowledge.is_english_word(token.lemma_)
            if entity == "GPE" and (english or word not in knowledge.given_names):
                continue  # "Paris", "Victoria": places first; "Rebecca" was mislabelled
            if entity in ("ORG", "FAC") and self._entity_is_organisation(doc, token):
                continue  # "Microbilt Corporation" stays an organisation
            if english and (word not in knowledge.given_names or token.tag_ != "NNP"):
                continue  # "White House", "Company X": only spaCy or a name cue makes these names
            if token.tag_ not in (
                "NNP",
                "NNPS",
                "NN",
                "UH",
                "JJ",
                "VB",
                "VBZ",
                "VBP",
                "NNS",
                "FW",
                "XX",
            ):
                continue
            found.append((start, end))
        return found

    @staticmethod
    def _entity_is_organisation(doc: Doc, token) -> bool:
        entity = next((e for e in doc.ents if e.start <= token.i < e.end), None)
        return entity is not None and entity[-1].text.lower().strip(".") in names.ORGANISATION_WORDS

    def _allowed(self, matched: str) -> bool:
        if not self._allow:
            return False
        value = " ".join(matched.split()).strip(".,;:!?'\"").lower()
        if value in self._allow:
            return True
        words = re.findall(r"\w+", value)
        return bool(words) and all(w in self._allow for w in words)


# -- helpers ------------------------------------------------------------------------------------


def build_analyzer(nlp: Any) -> AnalyzerEngine:
    """Presidio's AnalyzerEngine over an already loaded pipeline, with the gate's recognizers.

    The spaCy engine is handed the loaded pipeline so Presidio never tries to download one.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from localfirst.privacy.recognizers import gate_recognizers

    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping=SPACY_LABELS, labels_to_ignore=list(SPACY_IGNORED)
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": "preloaded"}], ner_model_configuration=ner_config
    )
    engine.nlp = {"en": nlp}
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in gate_recognizers():
        registry.add_recognizer(recognizer)
    registry.add_recognizer(
        SpacyRecognizer(
            supported_entities=[
                "PERSON",
                "LOCATION",
                "ORGANIZATION",
                "DATE_TIME",
                "NRP",
                "FACILITY",
            ]
        )
    )
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def _finding(result: RecognizerResult) -> Finding:
    sensitive = result.entity_type not in QUASI_IDENTIFIERS
    return Finding(result.entity_type, result.start, result.end, result.score, sensitive=sensitive)


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(t) for t in cleaned) + r")(?!\w)", re.IGNORECASE
    )


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (type, span), the highest score kept, in text order."""
    best: dict[tuple[str, int, int], Finding] = {}
    for f in findings:
        key = (f.type, f.start, f.end)
        if key not in best or f.score > best[key].score:
            best[key] = f
    return sorted(best.values(), key=lambda f: (f.start, f.end, f.type))


def _reasons(findings: Sequence[Finding]) -> tuple[str, ...]:
    """One line per sensitive type and place, e.g. "PHONE_NUMBER in turn 0"; never the values."""
    places: dict[str, list[str]] = {}
    for f in findings:
        if f.sensitive:
            where = places.setdefault(f.type, [])
            if f.source not in where:
                where.append(f.source)
    return tuple(f"{kind} in {', '.join(where)}" for kind, where in sorted(places.items()))
