"""Proposing who reviews which sampled session: the rules a program lead must be able to show were kept.

- never a coach reviewing their own session;
- in an independent cycle, never the coach's own supervisor;
- load balanced: each session goes to the eligible reviewer with the least work so far (ties broken by a keyed
  hash of the seed, so a proposal can be re-derived), which keeps every reviewer within one of the others
  unless the rules leave no other choice;
- never someone scoring the same session blind in a calibration round that hides who is coaching (the review
  would name the coach);
- optionally a blind double-scored subsample: a share of the sessions gets a second, different reviewer.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Item:
    """A sampled session to review."""

    coach_id: int
    recording_id: int
    coach_user_id: int | None = None  # the coach's own account, if any
    supervisor_id: int | None = None
    excluded: frozenset[int] = frozenset()  # reviewers kept away for another reason (e.g. scoring it blind)


@dataclass(frozen=True)
class Proposed:
    coach_id: int
    recording_id: int
    reviewer_id: int
    double_scored: bool = False  # the second of two blind reviews of this session


@dataclass(frozen=True)
class Proposal:
    assignments: tuple[Proposed, ...]
    unassigned: tuple[int, ...]  # coach ids nobody may review under the rules
    loads: dict[int, int]


def may_review(item: Item, reviewer_id: int, *, independent: bool) -> bool:
    if reviewer_id == item.coach_user_id or reviewer_id in item.excluded:
        return False
    return not (independent and reviewer_id == item.supervisor_id)


def _key(seed: int, text: str) -> bytes:
    return hmac.new(str(seed).encode("ascii"), text.encode("utf-8"), hashlib.sha256).digest()


def propose(items: Sequence[Item], reviewers: Sequence[int], *, seed: int, independent: bool = False,
            double_share: Fraction = Fraction(0)) -> Proposal:
    """One reviewer per item (and a second for the double-scored share), least-loaded eligible first."""
    order = {r: _key(seed, f"reviewer:{r}") for r in reviewers}
    heap = [(0, order[r], r) for r in dict.fromkeys(reviewers)]
    heapq.heapify(heap)
    loads = dict.fromkeys(order, 0)
    chosen: list[Proposed] = []
    unassigned: list[int] = []

    def take(item: Item, excluded: set[int]) -> int | None:
        skipped = []
        found = None
        while heap:
            entry = heapq.heappop(heap)
            if entry[2] not in excluded and may_review(item, entry[2], independent=independent):
                found = entry
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        if found is None:
            return None
        loads[found[2]] += 1
        heapq.heappush(heap, (found[0] + 1, found[1], found[2]))
        return found[2]

    pool = set(order)

    def options(item: Item) -> int:
        kept_out = {item.coach_user_id, *item.excluded, *([item.supervisor_id] if independent else [])}
        return len(pool - kept_out)

    # the sessions with the fewest possible reviewers first, while every load is still low
    ordered = sorted(items, key=lambda i: (options(i), _key(seed, f"item:{i.coach_id}:{i.recording_id}")))
    first: dict[tuple[int, int], int] = {}
    for item in ordered:
        reviewer = take(item, set())
        if reviewer is None:
            unassigned.append(item.coach_id)
            continue
        first[(item.coach_id, item.recording_id)] = reviewer
        chosen.append(Proposed(item.coach_id, item.recording_id, reviewer))
    _rebalance(chosen, {(i.coach_id, i.recording_id): i for i in items}, loads, independent)
    first = {(p.coach_id, p.recording_id): p.reviewer_id for p in chosen}
    heap[:] = [(loads[r], order[r], r) for r in order]
    heapq.heapify(heap)
    doubles = [i for i in ordered if (i.coach_id, i.recording_id) in first][:math.ceil(double_share * len(first))]
    for item in doubles:
        second = take(item, {first[(item.coach_id, item.recording_id)]})
        if second is not None:
            chosen.append(Proposed(item.coach_id, item.recording_id, second, double_scored=True))
    return Proposal(tuple(chosen), tuple(unassigned), loads)


def _rebalance(chosen: list[Proposed], items: dict[tuple[int, int], Item], loads: dict[int, int],
               independent: bool) -> None:
    """Move sessions off a reviewer more than one above the mean to an eligible one at least two below them,
    until no such move is left (the rules can leave no other choice: then the load stays where it must)."""
    if not loads:
        return
    mean = sum(loads.values()) / len(loads)
    moved = True
    while moved:
        moved = False
        for heavy in sorted(loads, key=lambda r: -loads[r]):
            if loads[heavy] <= mean + 1:
                break
            for index, proposed in enumerate(chosen):
                if proposed.reviewer_id != heavy:
                    continue
                item = items[(proposed.coach_id, proposed.recording_id)]
                lighter = [r for r in loads if loads[r] <= loads[heavy] - 2
                           and may_review(item, r, independent=independent)]
                if lighter:
                    target = min(lighter, key=lambda r: (loads[r], r))
                    chosen[index] = Proposed(proposed.coach_id, proposed.recording_id, target)
                    loads[heavy] -= 1
                    loads[target] += 1
                    moved = True
                    break
            if moved:
                break
