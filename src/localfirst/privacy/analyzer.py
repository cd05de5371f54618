"""Presidio's AnalyzerEngine, set up to cost as little per prompt as the gate allows.

Two of Presidio's defaults cost more than they give here:
- its NLP artifacts carry lemmas, which need spaCy's tagger, attribute ruler and lemmatizer
  (and, in the en_core_web pipelines, the shared tok2vec that feeds the tagger): about half
  of the pipeline's time. They are used only to match context words;
- its context enhancer deep-copies every result and walks the token list for each one.

Context words are matched here as word prefixes in a few words of lower-cased text around a
match ("call" matches "called" and "calling", as a lemma would), so the only spaCy component
the gate runs is the NER. Nothing here loads at import time.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

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
# Reported by the spaCy recognizer; PERSON is judged by person_names.PersonFinder instead.
REPORTED_SPACY_ENTITIES = ["LOCATION", "ORGANIZATION", "DATE_TIME", "NRP", "FACILITY"]
CONTEXT_WORDS_BEFORE = 6
CONTEXT_WORDS_AFTER = 2
CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4
_WORD = re.compile(r"[^\W\d_]+")


def import_presidio() -> None:
    """Import Presidio's analyzer without validating its built-in patterns one by one.

    Presidio's `Pattern` compiles its regex when it is created, only to check that it is valid,
    and importing the package creates one for each of its ~190 built-in patterns: about 0.2 s
    of a cold `route` here (the URL recognizer's alone is 0.16 s), spent mostly on recognizers
    the gate never runs. The check is skipped during that import only: patterns made
    afterwards are checked as before, and a recognizer still compiles its patterns (with its
    own flags) when it first analyses. No other library does this; should Presidio rename
    the check, the import simply runs as it always did."""
    if "presidio_analyzer" in sys.modules:
        return
    hook = _PatternsUncheckedOnImport()
    sys.meta_path.insert(0, hook)
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(hook)
        hook.restore()


class _PatternsUncheckedOnImport(importlib.abc.MetaPathFinder):
    """Finds `presidio_analyzer.pattern` with its usual loader, then, once the module has run,
    turns off `Pattern`'s regex check until `restore`."""

    MODULE = "presidio_analyzer.pattern"
    CHECK = "_Pattern__validate_regex"  # Python's name for Pattern.__validate_regex

    def __init__(self) -> None:
        self._pattern_class: type | None = None
        self._check: Any = None

    def find_spec(self, name, path, target=None):
        if name != self.MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module) -> None:
            run_module(module)
            pattern_class = getattr(module, "Pattern", None)
            check = vars(pattern_class).get(self.CHECK) if pattern_class else None
            if check is not None:
                self._pattern_class, self._check = pattern_class, check
                setattr(pattern_class, self.CHECK, staticmethod(lambda regex: None))

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def restore(self) -> None:
        if self._pattern_class is not None:
            setattr(self._pattern_class, self.CHECK, self._check)


def build_analyzer(nlp: Any) -> AnalyzerEngine:
    """An AnalyzerEngine over an already loaded pipeline, with the gate's recognizers.

    The spaCy engine is handed the loaded pipeline so Presidio never tries to download one.
    """
    import_presidio()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from localfirst.privacy.recognizers import gate_recognizers

    class NerOnlySpacyEngine(SpacyNlpEngine):
        """Artifacts from the NER alone: lower-cased token texts stand in for lemmas."""

        def _doc_to_nlp_artifact(self, doc, language: str) -> NlpArtifacts:
            entities, scores = self._get_updated_entities(
                doc.ents, self._get_scores_for_entities(doc)
            )
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.lower_ for t in doc],
                nlp_engine=None,  # no keyword list: the enhancer below reads the text itself
                language=language,
                scores=scores,
            )

    class WordPrefixContextEnhancer(ContextAwareEnhancer):
        """Presidio's context boost, from the words around a match in lower-cased text."""

        def enhance_using_context(
            self, text, raw_results, nlp_artifacts, recognizers, context=None
        ):
            by_id = {r.id: r for r in recognizers if r.context}
            if not by_id:
                return raw_results
            lowered = text.lower()
            for result in raw_results:
                metadata = result.recognition_metadata or {}
                recognizer = by_id.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
                if recognizer is None or metadata.get(
                    RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
                ):
                    continue
                words = (
                    _WORD.findall(lowered[max(0, result.start - 80) : result.start])[
                        -self.context_prefix_count :
                    ]
                    + _WORD.findall(lowered[result.end : result.end + 40])[
                        : self.context_suffix_count
                    ]
                    + [w.lower() for w in context or ()]
                )
                supportive = next(
                    (c for c in recognizer.context if any(w.startswith(c) for w in words)), None
                )
                if supportive is not None:
                    result.score = min(
                        ContextAwareEnhancer.MAX_SCORE,
                        max(
                            result.score + self.context_similarity_factor,
                            self.min_score_with_context_similarity,
                        ),
                    )
                    if result.analysis_explanation is not None:
                        result.analysis_explanation.set_supportive_context_word(supportive)
                        result.analysis_explanation.set_improved_score(result.score)
            return raw_results

    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping=SPACY_LABELS, labels_to_ignore=list(SPACY_IGNORED)
    )
    engine = NerOnlySpacyEngine(
        models=[{"lang_code": "en", "model_name": "preloaded"}], ner_model_configuration=ner_config
    )
    engine.nlp = {"en": nlp}
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in gate_recognizers():
        registry.add_recognizer(recognizer)
    registry.add_recognizer(SpacyRecognizer(supported_entities=REPORTED_SPACY_ENTITIES))
    enhancer = WordPrefixContextEnhancer(
        context_similarity_factor=CONTEXT_BOOST,
        min_score_with_context_similarity=MIN_SCORE_WITH_CONTEXT,
        context_prefix_count=CONTEXT_WORDS_BEFORE,
        context_suffix_count=CONTEXT_WORDS_AFTER,
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=["en"],
        context_aware_enhancer=enhancer,
    )
