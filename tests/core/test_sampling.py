"""The audit draw: size, reproducibility, strata, priority — for any frame the property tests can think of."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervisor_app.core.sampling import (
    FrameMember,
    Quarter,
    allocate,
    draw,
    frame_sha256,
    parse_quarter,
    parse_share,
    pick_recording,
    sample_size,
    stratum_of,
)

Q4 = Quarter(2026, 4)
LEVELS = ["Coach in Training", "Certified Internal Coach", "Senior Coach"]
UNITS = ["Sales", "Finance", "HR", "Legal", "Ops"]
AUDITED = [None, "2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4"]


@st.composite
def frames(draw_: st.DrawFn) -> list[FrameMember]:
    ids = draw_(st.lists(st.integers(1, 10**6), min_size=1, max_size=120, unique=True))
    return [FrameMember(i, draw_(st.sampled_from(LEVELS)), draw_(st.sampled_from(UNITS)),
                        draw_(st.sampled_from(AUDITED))) for i in ids]


shares = st.fractions(min_value=Fraction(1, 5), max_value=1, max_denominator=100)
seeds = st.integers(0, 2**63 - 1)
stratifications = st.sampled_from([(), ("level",), ("unit",), ("level", "unit")])


@settings(max_examples=300, deadline=None)
@given(frame=frames(), share=shares, seed=seeds, stratify=stratifications, prioritise=st.booleans())
def test_any_draw_covers_the_share_is_reproducible_and_proportional(frame: list[FrameMember], share: Fraction,
                                                                    seed: int, stratify: tuple[str, ...],
                                                                    prioritise: bool) -> None:
    sample = draw(frame, share, seed, Q4, stratify=stratify, prioritise_unaudited=prioritise)
    assert len(sample) == len(set(sample)) == math.ceil(share * len(frame))
    assert len(sample) >= 0.2 * len(frame)
    assert set(sample) <= {m.coach_id for m in frame}
    assert draw(list(reversed(frame)), share, seed, Q4, stratify=stratify,
                prioritise_unaudited=prioritise) == sample  # the frame's order does not matter
    counts: dict[tuple[str, ...], int] = {}
    sizes: dict[tuple[str, ...], int] = {}
    by_id = {m.coach_id: m for m in frame}
    for member in frame:
        sizes[stratum_of(member, stratify)] = sizes.get(stratum_of(member, stratify), 0) + 1
    for coach_id in sample:
        key = stratum_of(by_id[coach_id], stratify)
        counts[key] = counts.get(key, 0) + 1
    raised = len(sample) >= len(sizes) and any(len(sample) * n / len(frame) < 1 for n in sizes.values())
    for key, size in sizes.items():
        quota = len(sample) * size / len(frame)
        if len(sample) >= len(sizes):
            assert counts.get(key, 0) >= 1  # every non-empty stratum when the size allows
        if not raised:
            assert abs(counts.get(key, 0) - quota) < 1 + 1e-9


@settings(max_examples=200, deadline=None)
@given(frame=frames(), seed=seeds)
def test_the_priority_rule_draws_the_unaudited_first(frame: list[FrameMember], seed: int) -> None:
    sample = set(draw(frame, Fraction(1, 5), seed, Q4, prioritise_unaudited=True))
    recent = {"2026-Q3", "2026-Q2"}
    due = {m.coach_id for m in frame if m.last_audited not in recent}
    if len(due) >= len(sample):
        assert sample <= due
    else:
        assert due <= sample


@settings(max_examples=200, deadline=None)
@given(sizes=st.dictionaries(st.tuples(st.sampled_from(UNITS)), st.integers(0, 50), min_size=1),
       total=st.integers(0, 300))
def test_allocation_never_exceeds_a_stratum_and_adds_up(sizes: dict[tuple[str, ...], int], total: int) -> None:
    given_ = allocate(sizes, total)
    assert sum(given_.values()) == min(total, sum(sizes.values()))
    assert all(0 <= given_[k] <= sizes[k] for k in sizes)


def test_a_different_seed_or_frame_gives_another_sample() -> None:
    frame = [FrameMember(i, LEVELS[i % 3], UNITS[i % 5]) for i in range(1, 101)]
    first = draw(frame, Fraction(1, 5), 7, Q4)
    assert draw(frame, Fraction(1, 5), 8, Q4) != first
    assert frame_sha256(frame) != frame_sha256(frame[:-1])
    assert frame_sha256(frame) == frame_sha256(list(reversed(frame)))


def test_worked_example_from_the_documentation() -> None:
    """docs/audit-sampling.md derives this sample by hand: keep the two in step."""
    frame = [FrameMember(i, "Senior Coach" if i <= 3 else "Certified Internal Coach", "Sales") for i in range(1, 11)]
    assert sample_size(10, Fraction(1, 4)) == 3
    assert allocate({("Senior Coach",): 3, ("Certified Internal Coach",): 7}, 3) == {
        ("Senior Coach",): 1, ("Certified Internal Coach",): 2}
    assert draw(frame, Fraction(1, 4), 20261001, Q4, stratify=("level",)) == WORKED_EXAMPLE


WORKED_EXAMPLE = [10, 5, 3]


@pytest.mark.parametrize(("text", "expected"), [("2026-Q4", Quarter(2026, 4)), (" 2027-q1 ", Quarter(2027, 1))])
def test_quarters(text: str, expected: Quarter) -> None:
    assert parse_quarter(text) == expected
    assert Quarter(2026, 4).start.isoformat() == "2026-10-01"
    assert Quarter(2026, 4).end.isoformat() == "2026-12-31"
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)


@pytest.mark.parametrize("text", ["2026-Q5", "2026Q4", "Q4-2026", "26-Q4", "9999-Q1", ""])
def test_bad_quarters(text: str) -> None:
    with pytest.raises(ValueError, match="YEAR-QN"):
        parse_quarter(text)


@pytest.mark.parametrize(("text", "message"), [("0.19", "below the program's minimum of 20 %"),
                                               ("1.5", "more than the whole frame"), ("abc", "not a share"),
                                               ("nan", "not a share")])
def test_bad_shares(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_share(text)


def test_a_recording_is_picked_by_the_same_key() -> None:
    assert pick_recording(5, 1, []) is None
    picked = pick_recording(5, 1, [10, 11, 12])
    assert picked in (10, 11, 12)
    assert pick_recording(5, 1, [12, 11, 10]) == picked
