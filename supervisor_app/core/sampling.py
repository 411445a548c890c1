"""The quarterly audit draw: which coaches are reviewed, reproducibly, from a recorded frame and seed.

The algorithm is written out in docs/audit-sampling.md so that anyone can re-derive a sample by hand or in another
language. In short: the sample size is ceil(share × N); strata get proportional shares by the largest-remainder
method (every non-empty stratum at least one when the size allows); inside a stratum coaches are ordered by
(priority, HMAC-SHA256(seed, "coach:<id>")) and the first ones are taken. No pseudo-random generator is involved,
so the draw does not depend on a library's version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction

POLICY_MIN_SHARE = Fraction(1, 5)  # the program's rule: at least 20 % of active coaches each quarter
STRATIFY_FIELDS = ("level", "unit")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        following = self.next()
        return dt.date(following.year, following.start.month, 1) - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)


def parse_quarter(text: str) -> Quarter:
    """`2026-Q4` as a Quarter; ValueError says what the form is."""
    found = _QUARTER.match(text.strip().upper())
    if not found or not 1900 <= int(found.group(1)) <= 2999:
        raise ValueError(f"{text[:20]!r} is not a quarter; write it as YEAR-QN, e.g. 2026-Q4")
    return Quarter(int(found.group(1)), int(found.group(2)))


def parse_share(value: str | float | Fraction) -> Fraction:
    """The share of the frame to sample, exactly (0.25 is 1/4, not 0.2500000001); ValueError below the policy."""
    try:
        share = Fraction(str(value)) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{str(value)[:20]!r} is not a share; give a number such as 0.25") from None
    if share < POLICY_MIN_SHARE:
        raise ValueError(f"A share of {float(share):.0%} is below the program's minimum of 20 % of active coaches "
                         "per quarter; choose 0.20 or more.")
    if share > 1:
        raise ValueError(f"A share of {float(share):.0%} is more than the whole frame; choose at most 1.")
    return share


@dataclass(frozen=True)
class FrameMember:
    """One active coach as the frame records them when the cycle opens."""

    coach_id: int
    level: str
    unit: str
    last_audited: str | None = None  # the label of the latest quarter with a submitted audit review, if any


def sample_size(frame_size: int, share: Fraction) -> int:
    return math.ceil(share * frame_size)


def frame_sha256(frame: Sequence[FrameMember]) -> str:
    """A fingerprint of the frame: canonical JSON of the members sorted by coach id."""
    canonical = json.dumps([asdict(m) for m in sorted(frame, key=lambda m: m.coach_id)], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _key(seed: int, text: str) -> bytes:
    return hmac.new(str(seed).encode("ascii"), text.encode("utf-8"), hashlib.sha256).digest()


def stratum_of(member: FrameMember, stratify: Sequence[str]) -> tuple[str, ...]:
    return tuple(member.level if name == "level" else member.unit for name in stratify)


def allocate(sizes: Mapping[tuple[str, ...], int], total: int) -> dict[tuple[str, ...], int]:
    """Split `total` over strata in proportion to their sizes (largest remainder, ties by stratum key); every
    non-empty stratum gets at least one when `total` allows, and none more than it holds."""
    strata = sorted(k for k, n in sizes.items() if n > 0)
    population = sum(sizes[k] for k in strata)
    total = min(total, population)
    if not strata or total == 0:
        return dict.fromkeys(sizes, 0)
    quotas = {k: Fraction(total * sizes[k], population) for k in strata}
    given = {k: math.floor(quotas[k]) for k in strata}
    by_remainder = sorted(strata, key=lambda k: (-(quotas[k] - given[k]), k))
    for k in by_remainder[:total - sum(given.values())]:
        given[k] += 1
    if total >= len(strata):
        for k in [k for k in strata if given[k] == 0]:
            donor = max((d for d in strata if given[d] > 1), key=lambda d: (given[d] - quotas[d], d))
            given[donor] -= 1
            given[k] = 1
    return {k: given.get(k, 0) for k in sizes}


def _priority(member: FrameMember, quarter: Quarter, prioritise: bool) -> int:
    """0 first: never audited, or not in the last two quarters; 1 the others (only when the rule is on)."""
    if not prioritise:
        return 0
    recent = {quarter.previous().label, quarter.previous().previous().label}
    return 0 if member.last_audited is None or member.last_audited not in recent else 1


def draw(frame: Sequence[FrameMember], share: Fraction, seed: int, quarter: Quarter, *,
         stratify: Sequence[str] = (), prioritise_unaudited: bool = False) -> list[int]:
    """The coach ids sampled, in the order drawn (stratum by stratum, then priority and key)."""
    unknown = [name for name in stratify if name not in STRATIFY_FIELDS]
    if unknown:
        raise ValueError(f"Cannot stratify by {', '.join(unknown)}; use level and/or unit.")
    members = sorted(frame, key=lambda m: m.coach_id)
    strata: dict[tuple[str, ...], list[FrameMember]] = {}
    for member in members:
        strata.setdefault(stratum_of(member, stratify), []).append(member)
    counts = allocate({k: len(v) for k, v in strata.items()}, sample_size(len(members), share))
    chosen: list[int] = []
    for key in sorted(strata):
        ordered = sorted(strata[key], key=lambda m: (_priority(m, quarter, prioritise_unaudited),
                                                     _key(seed, f"coach:{m.coach_id}")))
        chosen.extend(m.coach_id for m in ordered[:counts[key]])
    return chosen


def pick_recording(seed: int, coach_id: int, recording_ids: Sequence[int]) -> int | None:
    """One of the coach's eligible recordings of the quarter, by the same keyed order; None without any."""
    if not recording_ids:
        return None
    return min(recording_ids, key=lambda r: _key(seed, f"recording:{coach_id}:{r}"))
