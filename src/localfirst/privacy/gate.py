"""The privacy gate: decides whether a payload may leave the machine.

It judges everything that would be sent (system prompt, every earlier turn, the new prompt)
with one Presidio analyzer over a spaCy pipeline, plus a credential detector, and applies a
policy on top: direct identifiers, credentials and health information make a payload
sensitive; quasi-identifiers (dates, places, organisations, nationalities, public figures) are
reported but do not. Findings carry types and spans, never the matched text.

Building the gate is the slow part (spaCy, Presidio and the name lexicons load once, a second
or two); each check then runs one spaCy pass (NER only) and the rules, and unchanged earlier
turns are served from a bounded cache, and from the history file after a restart (each
message's findings filed under the gate's fingerprint: its rules, data files and settings).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from localfirst.config import PrivacyConfig
from localfirst.privacy.cjk import find_cjk
from localfirst.privacy.credentials import find_secrets
from localfirst.privacy.identifiers import find_identifiers
from localfirst.privacy.placeholders import clearance
from localfirst.text.normalize import canonicalize
from localfirst.types.messages import ChatMessage, Role
from localfirst.types.verdict import (
    Category,
    Finding,
    FindingsStore,
    GateVerdict,
    text_digest,
)

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult

    from localfirst.privacy.names import NameKnowledge
    from localfirst.privacy.ner_model import NerModel
    from localfirst.privacy.spacy_pipeline import LoadedPipeline

log = logging.getLogger(__name__)

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

CACHE_SIZE = 512
# Texts longer than this are analysed in windows that overlap by WINDOW_OVERLAP characters
# (more than the longest identifier or credential line the detectors match).
WINDOW_CHARS = 20_000
WINDOW_OVERLAP = 1_000
_CODE_SPAN = re.compile(r"```.*?(?:```|$)|`[^`\n]+`", re.DOTALL)


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
        knowledge: NameKnowledge,
        config: PrivacyConfig,
        ner_model: NerModel | None = None,
        store: FindingsStore | None = None,
    ) -> None:
        self._analyzer = analyzer
        self._ner_model = ner_model
        self._pipeline = pipeline
        # imported here: its cue patterns compile on import, which belongs to building a gate
        from localfirst.privacy.person_names import PersonFinder

        self._persons = PersonFinder(knowledge)
        self._thresholds = {
            **DEFAULT_THRESHOLDS,
            **{k.upper(): float(v) for k, v in config.thresholds.items()},
        }
        self._deny = _term_pattern(config.deny_terms)
        self._allow = {t.strip().lower() for t in config.allow_terms if t.strip()}
        self._cache: OrderedDict[str, _Analysis] = OrderedDict()
        self._lock = threading.Lock()
        self._store = store
        self.fingerprint = gate_fingerprint(config, self.pipeline_description)

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        config: PrivacyConfig,
        *,
        offline: bool = False,
        cache_dir: Path | None = None,
        store: FindingsStore | None = None,
    ) -> PrivacyGate:
        """Load spaCy and Presidio (the slow part); a UserError says how to fix a missing pipeline."""
        from localfirst.privacy.analyzer import build_analyzer, import_presidio
        from localfirst.privacy.spacy_pipeline import load_pipeline

        # first: spaCy's load imports Presidio anyway (Presidio registers a spaCy factory)
        import_presidio()

        if cache_dir is None:
            from localfirst.config import AppPaths

            cache_dir = AppPaths.from_platform().cache_dir
        pipeline = load_pipeline(config.spacy_model, cache_dir=cache_dir, offline=offline)
        analyzer = build_analyzer(pipeline.nlp)
        from localfirst.privacy.names import load_name_knowledge

        knowledge = load_name_knowledge(pipeline.nlp)
        ner_model = None
        if config.ner_model:
            from localfirst.privacy.ner_model import load_ner_model

            ner_model = load_ner_model(config.ner_model)
        return cls(analyzer, pipeline, knowledge, config, ner_model, store)

    @property
    def pipeline_description(self) -> str:
        description = self._pipeline.description
        if self._ner_model is not None:
            description += f" + NER model {self._ner_model.name}"
        return description

    # -- checks ---------------------------------------------------------------------------------

    def check_text(self, text: str) -> GateVerdict:
        return self.check_payload([ChatMessage(Role.USER, text)])

    def check_payload(self, messages: Sequence[ChatMessage]) -> GateVerdict:
        """Judge every message that would be sent; the last one is the prompt."""
        try:
            analyses = self._analyses([message.content for message in messages])
            findings: list[Finding] = []
            turn = 0
            for index, (message, analysis) in enumerate(zip(messages, analyses, strict=True)):
                if message.role is Role.SYSTEM:
                    source = "system"
                else:
                    source = "prompt" if index == len(messages) - 1 else f"turn {turn}"
                    turn += 1
                findings.extend(f.from_source(source) for f in analysis.findings)
        except Exception as exc:  # fail closed: the caller keeps the payload local
            log.exception("privacy gate failed")
            return GateVerdict.failed(f"privacy gate failed: {type(exc).__name__}: {exc}")
        return GateVerdict(tuple(findings), None, _reasons(findings))

    # -- analysis of one message ----------------------------------------------------------------

    def _analyses(self, texts: list[str]) -> list[_Analysis]:
        """Each text's analysis: from memory, else from the store, else analysed now (and then
        kept in both). Only texts seen under no current fingerprint cost a spaCy pass."""
        known: dict[str, _Analysis] = {}
        with self._lock:
            for text in texts:
                cached = self._cache.get(text)
                if cached is not None:
                    self._cache.move_to_end(text)
                    known[text] = cached
        missing = list(dict.fromkeys(t for t in texts if t not in known and t.strip()))
        for text, findings in self._load_stored(missing).items():
            known[text] = _Analysis(findings)
        fresh: dict[str, _Analysis] = {}
        for text in dict.fromkeys(texts):
            if text not in known:
                analysis = _Analysis(tuple(self._find_windowed(text))) if text.strip() else _NONE
                known[text] = fresh[text] = analysis
        self._save_stored({t: a for t, a in fresh.items() if t.strip()})
        with self._lock:
            for text in dict.fromkeys(texts):
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return [known[text] for text in texts]

    def _load_stored(self, texts: list[str]) -> dict[str, tuple[Finding, ...]]:
        """The store's findings for `texts`; a store that fails only costs time (the texts
        are then analysed), never a verdict."""
        if self._store is None or not texts:
            return {}
        digests = {text_digest(text): text for text in texts}
        try:
            stored = self._store.load_findings(self.fingerprint, list(digests))
        except Exception:
            log.warning("stored findings could not be read; analysing again", exc_info=True)
            return {}
        return {digests[d]: findings for d, findings in stored.items() if d in digests}

    def _save_stored(self, fresh: dict[str, _Analysis]) -> None:
        if self._store is None or not fresh:
            return
        entries = {text_digest(text): analysis.findings for text, analysis in fresh.items()}
        try:
            self._store.save_findings(self.fingerprint, entries)
        except Exception:
            log.warning("findings could not be stored; they stay in memory", exc_info=True)

    def _find_windowed(self, text: str) -> list[Finding]:
        """Long text is read in overlapping windows, so time grows linearly and memory stays
        bounded (spaCy's cost and footprint grow with the text it is handed at once). An
        identifier that straddles a cut lies whole in the overlap of the two windows."""
        if len(text) <= WINDOW_CHARS:
            return self._find(text)
        findings: list[Finding] = []
        for start, end in _windows(text):
            findings.extend(
                replace(f, start=f.start + start, end=f.end + start)
                for f in self._find(text[start:end])
            )
        return _dedupe(findings)

    def _find(self, original: str) -> list[Finding]:
        """Stage one collects candidates from every detector over the canonical text; stage two
        (the allow list, here, and each detector's own "not private" evidence) drops some; the
        spans are then mapped back onto what the user wrote."""
        canonical = canonicalize(original)
        text = canonical.text
        artifacts = self._analyzer.nlp_engine.process_text(text, "en")
        results = self._analyzer.analyze(
            text, language="en", nlp_artifacts=artifacts, return_decision_process=True
        )
        code_spans = [m.span() for m in _CODE_SPAN.finditer(text)]
        findings = [
            _finding(result)
            for result in results
            if result.score >= self._thresholds.get(result.entity_type, FALLBACK_THRESHOLD)
        ]
        person_threshold = self._thresholds.get("PERSON", FALLBACK_THRESHOLD)
        findings.extend(
            Finding(
                name.type,
                name.start,
                name.end,
                name.score,
                sensitive=name.type == "PERSON",
                rule=f"names: {name.rule}" if name.rule else "names",
            )
            for name in self._persons.find(artifacts.tokens, code_spans)
            if name.type != "PERSON" or name.score >= person_threshold
        )
        findings.extend(
            Finding(
                s.type,
                s.start,
                s.end,
                s.score,
                sensitive=True,
                rule=f"credentials: {s.rule}",
                category=Category.CREDENTIAL,
            )
            for s in find_secrets(text)
        )
        findings.extend(
            Finding(i.type, i.start, i.end, i.score, sensitive=True, rule=f"identifiers: {i.rule}")
            for i in find_identifiers(text)
        )
        findings.extend(
            Finding(c.type, c.start, c.end, c.score, sensitive=True, rule=c.rule)
            for c in find_cjk(text)
        )
        if self._ner_model is not None:
            findings.extend(
                Finding(
                    m.type,
                    m.start,
                    m.end,
                    m.score,
                    sensitive=m.type not in QUASI_IDENTIFIERS,
                    rule=f"ner_model: {self._ner_model.name} {m.label}",
                )
                for m in self._ner_model.find(text)
            )
        # stage two: drop only on positive evidence, and say which rule dropped it
        findings = [f for f in findings if not self._allowed(text[f.start : f.end])]
        findings = [_cleared(f, text) for f in findings]
        if self._deny is not None:
            findings.extend(
                Finding(
                    "DENY_TERM",
                    m.start(),
                    m.end(),
                    1.0,
                    rule="privacy.deny_terms",
                    category=Category.DENY_TERM,
                )
                for m in self._deny.finditer(text)
            )
        findings = _dedupe(findings)
        if canonical.changed:
            findings = [
                replace(f, start=start, end=end)
                for f in findings
                for start, end in (canonical.original_span(f.start, f.end),)
            ]
        return findings

    def _allowed(self, matched: str) -> bool:
        if not self._allow:
            return False
        value = " ".join(matched.split()).strip(".,;:!?'\"").lower()
        if value in self._allow:
            return True
        words = re.findall(r"\w+", value)
        return bool(words) and all(w in self._allow for w in words)


# -- helpers ------------------------------------------------------------------------------------


_NONE = _Analysis(())


def gate_fingerprint(config: PrivacyConfig, pipeline: str) -> str:
    """What a stored finding depends on: this package's rules and data files, the text
    normaliser, the detectors' versions, the pipeline, and the privacy settings. Hashing the
    files themselves (about 1 ms) means an edited rule can never be answered by an old finding,
    without anyone having to remember to bump a version."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    text_package = here.parent / "text"
    files = sorted(
        [*here.glob("*.py"), *(here / "data").glob("*"), *text_package.rglob("*.py")],
        key=lambda p: str(p.relative_to(here.parent)),
    )
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(here.parent)).encode())
            digest.update(path.read_bytes())
    settings = {
        "pipeline": pipeline,
        "packages": {n: version(n) for n in ("presidio-analyzer", "spacy", "detect-secrets")},
        "deny": sorted(config.deny_terms),
        "allow": sorted(config.allow_terms),
        "thresholds": sorted((k.upper(), float(v)) for k, v in config.thresholds.items()),
        "ner_model": config.ner_model,
    }
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def _finding(result: RecognizerResult) -> Finding:
    sensitive = result.entity_type not in QUASI_IDENTIFIERS
    return Finding(
        result.entity_type,
        result.start,
        result.end,
        result.score,
        sensitive=sensitive,
        rule=_rule_of(result),
    )


def _rule_of(result: RecognizerResult) -> str:
    """'EmailRecognizer', or 'StreetAddressRecognizer: post office box' (the pattern's name)."""
    metadata = result.recognition_metadata or {}
    recognizer = str(metadata.get("recognizer_name") or "presidio")
    explanation = result.analysis_explanation
    pattern = getattr(explanation, "pattern_name", None) if explanation else None
    rule = f"{recognizer}: {pattern}" if pattern else recognizer
    context = getattr(explanation, "supportive_context_word", "") if explanation else ""
    return f"{rule} (context word '{context}')" if context else rule


def _windows(text: str) -> list[tuple[int, int]]:
    """(start, end) of windows of at most WINDOW_CHARS, cut at a line break or space when one
    is near, each starting WINDOW_OVERLAP characters before the previous one ends."""
    windows, start = [], 0
    while start < len(text):
        end = min(len(text), start + WINDOW_CHARS)
        if end < len(text):
            cut = max(text.rfind("\n", end - 2_000, end), text.rfind(" ", end - 500, end))
            end = cut + 1 if cut > start + WINDOW_OVERLAP else end
        windows.append((start, end))
        if end == len(text):
            break
        start = end - WINDOW_OVERLAP
    return windows


def _cleared(finding: Finding, text: str) -> Finding:
    """The finding, marked not sensitive when its value is a documented example or public."""
    if not finding.sensitive:
        return finding
    why = clearance(
        finding.type,
        text[finding.start : finding.end],
        credential=finding.rule.startswith("credentials"),
    )
    if why is None:
        return finding
    return replace(finding, sensitive=False, rule=f"{finding.rule}; cleared, {why}")


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(t) for t in cleaned) + r")(?!\w)", re.IGNORECASE
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per span, in text order: a value two detectors name is reported once.

    An ID word is the strongest evidence of what a number is ("social security number 536-..."
    is not a phone number): a finding from the named-identifier rules picks its family, and a
    recognizer's more specific name in that family (US_SSN for NATIONAL_ID) is kept. Otherwise
    sensitive beats not, a specific type beats a generic one, then the higher score."""
    groups: dict[tuple[int, int], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.start, f.end), []).append(f)
    chosen = []
    for group in groups.values():
        named = [f for f in group if f.sensitive and f.type in _ID_FAMILIES]
        if named:
            family = _ID_FAMILIES[max(named, key=_rank).type]
            specific = [f for f in group if f.sensitive and f.type in family]
            chosen.append(max(specific, key=_rank) if specific else max(named, key=_rank))
        else:
            chosen.append(max(group, key=_rank))
    return sorted(chosen, key=lambda f: (f.start, f.end, f.type))


# The named-identifier types and the recognizers' more specific names within each.
_ID_FAMILIES = {
    "NATIONAL_ID": frozenset({"US_SSN", "UK_NHS", "UK_NINO"}),
    "TAX_ID": frozenset({"US_ITIN"}),
    "PASSPORT": frozenset({"US_PASSPORT"}),
    "DRIVER_LICENSE": frozenset({"US_DRIVER_LICENSE"}),
    "ACCOUNT_NUMBER": frozenset({"US_BANK_NUMBER", "IBAN_CODE", "CREDIT_CARD"}),
    "PIN_CODE": frozenset(),
}
# Types that say only what kind of value it is: a recognizer's own name for it wins.
_GENERIC_TYPES = frozenset({*_ID_FAMILIES, "SECRET", "PASSWORD"})


def _rank(finding: Finding) -> tuple[bool, bool, float]:
    return (finding.sensitive, finding.type not in _GENERIC_TYPES, finding.score)


def _reasons(findings: Sequence[Finding]) -> tuple[str, ...]:
    """One line per sensitive type and place, e.g. "PHONE_NUMBER in turn 0"; never the values."""
    places: dict[str, list[str]] = {}
    for f in findings:
        if f.sensitive:
            where = places.setdefault(f.type, [])
            if f.source not in where:
                where.append(f.source)
    return tuple(f"{kind} in {', '.join(where)}" for kind, where in sorted(places.items()))
