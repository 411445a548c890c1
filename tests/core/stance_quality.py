"""How well the coach-stance rules label the hand-labelled utterances in tests/data/stance/labelled.tsv.

`python -m tests.core.stance_quality` prints accuracy and per-class precision and recall (an "unsure" answer
counts as a miss for its true class and is reported separately); the test asserts the figures stay above the
floors quoted in docs/performance.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from supervisor_app.core.stance import Stance, classify

LABELLED = Path(__file__).resolve().parents[1] / "data" / "stance" / "labelled.tsv"
CLASSES = ("open", "closed", "reflection", "advice", "other")


@dataclass(frozen=True)
class Quality:
    total: int
    correct: int
    unsure: int
    precision: dict[str, float]
    recall: dict[str, float]
    confusions: tuple[tuple[str, str, str], ...]  # (truth, answer, utterance)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total


def labelled(path: Path = LABELLED) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def measure(path: Path = LABELLED) -> Quality:
    rows = labelled(path)
    answers = [(truth, classify(text).stance.short, text) for truth, text in rows]
    said = Counter(answer for _t, answer, _x in answers)
    right = Counter(truth for truth, answer, _x in answers if truth == answer)
    actual = Counter(truth for truth, _a, _x in answers)
    return Quality(len(rows), sum(right.values()), said[Stance.UNSURE.short],
                   {c: right[c] / said[c] if said[c] else 0.0 for c in CLASSES},
                   {c: right[c] / actual[c] if actual[c] else 0.0 for c in CLASSES},
                   tuple((t, a, x) for t, a, x in answers if t != a))


def main() -> None:
    for path in (LABELLED, LABELLED.with_name("held_out.tsv")):
        quality = measure(path)
        print(f"{path.name}: {quality.total} utterances, accuracy {quality.accuracy:.3f}, unsure {quality.unsure}")
        print("| class | n | precision | recall |\n|---|---|---|---|")
        counts = Counter(truth for truth, _ in labelled(path))
        for name in CLASSES:
            print(f"| {name} | {counts[name]} | {quality.precision[name]:.2f} | {quality.recall[name]:.2f} |")
        for truth, answer, text in quality.confusions:
            print(f"  {truth:>10} → {answer:<10} {text}")


if __name__ == "__main__":
    main()
