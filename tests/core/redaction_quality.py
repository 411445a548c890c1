"""Precision and recall of the redaction suggestions per kind, on the labelled utterances in
tests/data/redaction/labelled.txt. A suggestion counts only when its span and kind match a labelled one exactly.

    .venv/bin/python -m tests.core.redaction_quality           # rules only: the table in docs/performance.md
    .venv/bin/python -m tests.core.redaction_quality --ner     # with the optional language model (the extra)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from supervisor_app.core import redaction
from supervisor_app.core.redaction import Kind, NerEngine, Term

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "redaction" / "labelled.txt"
_MARK = re.compile(r"\[\[(\w+):(.+?)\]\]")


@dataclass(frozen=True)
class Scores:
    true_positive: Counter[Kind]
    false_positive: Counter[Kind]
    false_negative: Counter[Kind]

    def precision(self, kind: Kind) -> float | None:
        found = self.true_positive[kind] + self.false_positive[kind]
        return self.true_positive[kind] / found if found else None

    def recall(self, kind: Kind) -> float | None:
        labelled = self.true_positive[kind] + self.false_negative[kind]
        return self.true_positive[kind] / labelled if labelled else None


def _parse(line: str) -> tuple[str, set[tuple[int, int, Kind]]]:
    text, spans, last = [], set(), 0
    length = 0
    for match in _MARK.finditer(line):
        plain = line[last:match.start()]
        text.append(plain)
        length += len(plain)
        words = match.group(2)
        spans.add((length, length + len(words), Kind(match.group(1))))
        text.append(words)
        length += len(words)
        last = match.end()
    text.append(line[last:])
    return "".join(text), spans


def _context(lines: list[str]) -> tuple[list[Term], list[Term]]:
    names: list[str] = []
    terms: list[Term] = []
    for line in lines:
        if line.startswith("# known names:"):
            names = [n.strip() for n in line.split(":", 1)[1].split(";")]
        elif line.startswith("# program terms:"):
            for entry in line.split(":", 1)[1].split(";"):
                kind, _, term = entry.strip().partition("=")
                terms.append(Term(term, Kind(kind)))
    return redaction.name_terms(names), terms


def measure(fixture: Path = FIXTURE, ner: NerEngine | None = None) -> Scores:
    lines = fixture.read_text(encoding="utf-8").splitlines()
    names, terms = _context(lines)
    tp: Counter[Kind] = Counter()
    fp: Counter[Kind] = Counter()
    fn: Counter[Kind] = Counter()
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        text, gold = _parse(line)
        found = {(s.start, s.end, s.kind) for s in redaction.suggest(text, names, terms, ner)}
        for span in found & gold:
            tp[span[2]] += 1
        for span in found - gold:
            fp[span[2]] += 1
        for span in gold - found:
            fn[span[2]] += 1
    return Scores(tp, fp, fn)


def table(scores: Scores) -> str:
    def figure(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    rows = ["| kind | labelled | suggested | correct | precision | recall |", "|---|---|---|---|---|---|"]
    for kind in Kind:
        labelled = scores.true_positive[kind] + scores.false_negative[kind]
        suggested = scores.true_positive[kind] + scores.false_positive[kind]
        rows.append(f"| {kind.value} | {labelled} | {suggested} | {scores.true_positive[kind]} | "
                    f"{figure(scores.precision(kind))} | {figure(scores.recall(kind))} |")
    tp, fp, fn = (sum(c.values()) for c in (scores.true_positive, scores.false_positive, scores.false_negative))
    rows.append(f"| all | {tp + fn} | {tp + fp} | {tp} | {tp / (tp + fp):.2f} | {tp / (tp + fn):.2f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import sys

    from supervisor_app.services import ner as ner_module

    print(table(measure(ner=ner_module.engine() if "--ner" in sys.argv else None)))
