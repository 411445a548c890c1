"""Redaction of identifiers in transcript text: detectors that suggest spans, and their replacement by labels.

Pure rules, no storage. A suggestion is a character span of one segment's text with a kind; a person accepts or
rejects it (services.redaction). Accepted spans are replaced by their label (`[NAME]`, `[ORG]`, …) wherever text
leaves the roles allowed to read it raw; segment times stay as they are, and a redacted segment's words keep
their times with the label as the first covered word's text.

Detectors, in the order they win an overlap: e-mail addresses (written and spoken: "anna dot lee at acme dot
com"), URLs, phone numbers (digit groups, and spoken digit runs: "oh seven seven double one …"), employee-id-like
numbers, then names and terms the program knows, then (with the optional `redaction` extra) the person,
organisation and place names a language model finds.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from supervisor_app.core.transcripts import Segment


class Kind(StrEnum):
    NAME = "name"
    ORG = "org"
    PLACE = "place"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    NUMBER = "number"

    @property
    def label(self) -> str:
        return f"[{self.value.upper()}]"


class Source(StrEnum):
    PATTERN = "pattern"
    NAME = "known name"
    TERM = "program term"
    MANUAL = "marked by hand"
    NER = "language model"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: Kind
    source: Source

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]


NerEngine = Callable[[str], Sequence["Span"]]


@dataclass(frozen=True)
class Term:
    """A word or phrase the program redacts: a person's name, or a company, client or project name."""

    text: str
    kind: Kind



_DIGIT_WORDS = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_DIGIT = rf"(?:(?:double|triple)[ -]{_DIGIT_WORDS}|{_DIGIT_WORDS})"
_WORD = r"[A-Za-z0-9][\w.+-]*"
_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.EMAIL, re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (Kind.EMAIL, re.compile(rf"\b{_WORD}(?: dot {_WORD})* at {_WORD}(?: dot (?:com|org|net|io|co|uk|de|fr|nl|"
                            r"eu|gov|edu|biz|info))+\b", re.IGNORECASE)),
    (Kind.URL, re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]", re.IGNORECASE)),
    (Kind.URL, re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co\.uk|de|fr|nl|eu)(?:/[^\s]*)?\b",
                          re.IGNORECASE)),
    (Kind.PHONE, re.compile(r"(?<![\w.])\+?\(?\d[\d()\- .]{5,}\d(?!\w|\.\d)")),
    (Kind.PHONE, re.compile(rf"\b{_SPOKEN_DIGIT}(?:[ ,-]+{_SPOKEN_DIGIT}){{4,}}(?: (?:hundred|thousand))?\b",
                            re.IGNORECASE)),
    (Kind.NUMBER, re.compile(r"\b(?:[A-Z]{1,4}[- ]?\d{4,}|\d{5,})\b")),
    (Kind.NUMBER, re.compile(r"\b(?:employee|staff|badge|payroll|personnel|id)(?: (?:number|no\.?|id))?"
                             r"(?: is)? (\d{3,})\b", re.IGNORECASE)),
)
_PRIORITY = {Kind.EMAIL: 0, Kind.URL: 1, Kind.PHONE: 2, Kind.NUMBER: 3, Kind.NAME: 4, Kind.ORG: 4, Kind.PLACE: 4}
_SOURCE_PRIORITY = {Source.MANUAL: 0, Source.PATTERN: 1, Source.NAME: 2, Source.TERM: 2, Source.NER: 3}
NAME_PART_MIN = 3


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def pattern_spans(text: str) -> list[Span]:
    spans = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = match.span(group)
            written = not match.group(0)[0].isalpha()
            if kind is Kind.PHONE and written and not 7 <= _digits(match.group(0)) <= 15:
                continue
            spans.append(Span(start, end, kind, Source.PATTERN))
    return spans


def name_terms(full_names: Iterable[str]) -> list[Term]:
    """Each known person's full name, and each part of it (first or family name) long enough to mean them."""
    terms: dict[str, Term] = {}
    for name in full_names:
        clean = " ".join(name.split())
        if not clean:
            continue
        terms.setdefault(clean.casefold(), Term(clean, Kind.NAME))
        for part in clean.replace("-", " ").split():
            if len(part) >= NAME_PART_MIN and part[0].isupper():
                terms.setdefault(part.casefold(), Term(part, Kind.NAME))
    return list(terms.values())


@lru_cache(maxsize=64)
def _term_patterns(terms: tuple[Term, ...], source: Source) -> tuple[tuple[re.Pattern[str], dict[str, Kind]], ...]:
    """One alternation per case rule, longest term first (so at any position the longest term wins), compiled
    once per term list rather than once per segment."""
    exact = [t for t in terms if not (source is Source.TERM or " " in t.text)]
    folded = [t for t in terms if source is Source.TERM or " " in t.text]
    patterns = []
    for group, flags in ((exact, 0), (folded, re.IGNORECASE)):
        if group:
            ordered = sorted({t.text for t in group}, key=lambda text: (-len(text), text))
            alternation = "|".join(re.escape(text) for text in ordered)
            kinds = {t.text.casefold(): t.kind for t in group}
            patterns.append((re.compile(rf"(?<!\w)(?:{alternation})(?:'s)?(?!\w)", flags), kinds))
    return tuple(patterns)


def term_spans(text: str, terms: Sequence[Term], source: Source) -> list[Span]:
    """Whole-word matches; a name part matches only capitalised (so "grace" the word is left alone), program
    terms in any case."""
    spans = []
    for pattern, kinds in _term_patterns(tuple(terms), source):
        for match in pattern.finditer(text):
            end = match.end() - (2 if match.group(0).endswith("'s") else 0)
            kind = kinds.get(text[match.start():end].casefold())
            if kind is not None:
                spans.append(Span(match.start(), end, kind, source))
    return spans


def resolve(spans: Iterable[Span]) -> list[Span]:
    """Overlaps settled: the stronger kind (e-mail over URL over phone over number over names), then the earlier
    and longer span; the result is sorted and disjoint."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.source is not Source.MANUAL, _PRIORITY[s.kind],
                                             _SOURCE_PRIORITY[s.source], s.start, s.start - s.end)):
        if span.end > span.start and all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def suggest(text: str, names: Sequence[Term], terms: Sequence[Term], ner: NerEngine | None = None) -> list[Span]:
    """Every suggestion for one piece of text, overlaps resolved; `ner` (the optional language-model detector)
    adds names the program does not know, and loses every overlap to the rules above."""
    found = pattern_spans(text) + term_spans(text, names, Source.NAME) + term_spans(text, terms, Source.TERM)
    return resolve(found + list(ner(text)) if ner is not None else found)


def apply(text: str, spans: Iterable[Span]) -> str:
    """The text with each span replaced by its label."""
    result, last = [], 0
    for span in resolve(spans):
        result.append(text[last:span.start])
        result.append(span.kind.label)
        last = span.end
    result.append(text[last:])
    return "".join(result)


def _word_offsets(text: str, words: Sequence[tuple[float, float, str, float]]) -> list[tuple[int, int]] | None:
    """Where each timed word sits in the segment's text, or None when the text was edited away from its words."""
    offsets, position = [], 0
    for word in words:
        token = word[2].strip()
        found = text.find(token, position) if token else position
        if found < 0:
            return None
        offsets.append((found, found + len(token)))
        position = found + len(token)
    return offsets


def redact_segment(segment: Segment, spans: Sequence[Span]) -> Segment:
    """The segment with its spans replaced; times unchanged. A word inside a span loses its text (the first word
    of a span carries the label); words that no longer match the text are dropped rather than leak."""
    if not spans:
        return segment
    words: tuple[tuple[float, float, str, float], ...] = ()
    offsets = _word_offsets(segment.text, segment.words)
    if offsets is not None:
        kept = []
        labelled: set[Span] = set()
        for word, (start, end) in zip(segment.words, offsets, strict=True):
            covering = next((s for s in spans if start < s.end and end > s.start), None)
            if covering is None:
                kept.append(word)
            elif covering not in labelled:
                labelled.add(covering)
                kept.append((word[0], word[1], " " + covering.kind.label, word[3]))
            else:
                kept.append((word[0], word[1], "", word[3]))
        words = tuple(kept)
    return dataclasses.replace(segment, text=apply(segment.text, spans), words=words)


def redact_quote(quote: str, raw_strings: Iterable[str], names: Sequence[Term], terms: Sequence[Term],
                 keep: Iterable[str] = ()) -> str:
    """A quote copied from a transcript, redacted: every string a person accepted (or has not yet rejected) in
    that transcript, and whatever the detectors find — except the strings a person rejected (`keep`)."""
    kept = {k.casefold() for k in keep}
    spans = [s for s in suggest(quote, names, terms) if s.text_in(quote).casefold() not in kept]
    for raw in {r for r in raw_strings if r.strip()}:
        for match in re.finditer(rf"(?<!\w){re.escape(raw)}(?!\w)", quote, re.IGNORECASE):
            kind = next((s.kind for s in spans if s.start <= match.start() < s.end), Kind.NAME)
            spans.append(Span(match.start(), match.end(), kind, Source.MANUAL))
    return apply(quote, spans)


def locate(old_text: str, new_text: str, span: Span) -> Span | None:
    """Where a span's words went after the segment's text was corrected: the occurrence nearest its old place,
    or None when the words are no longer there."""
    raw = span.text_in(old_text)
    starts = [m.start() for m in re.finditer(re.escape(raw), new_text)] if raw else []
    if not starts:
        return None
    start = min(starts, key=lambda s: abs(s - span.start))
    return Span(start, start + len(raw), span.kind, span.source)
