"""One laptop of the load benchmark (run as a child process): a rater autosaving a draft every 1.5 s, submitting
and amending it every 20 saves, and reading their round's progress and reviews between saves. Prints one JSON
line: autosave round-trips, what it saved last, and every error by kind."""

from __future__ import annotations

import json
import sys
import time

from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import SupervisorError
from supervisor_app.services import accounts, reviews
from supervisor_app.store.db import Database

AUTOSAVE_S = 1.5
SUBMIT_EVERY = 20


def main() -> None:
    url, seconds, review_id = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    db = Database(url)
    actor = accounts.server_sign_in(db)
    assert actor is not None
    detail = reviews.get_review(db, actor, review_id)
    competencies = [c.id for c in detail.rubric.competencies]
    latencies: list[float] = []
    ours: dict[str, int] = {}
    raw: dict[str, int] = {}
    last: dict[int, int] = {}
    submitted = 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        score = 1 + n % 5
        scores = {c: CompetencyScore(c, score=score) if c == "active_listening" else CompetencyScore(
            c, not_observed=True) for c in competencies}
        content = ReviewContent(scores, (Evidence("active_listening", 1.0, 3.0, f"save {n}"),))
        started = time.perf_counter()
        try:
            detail = reviews.save_draft(db, actor, detail.id, content, base_revision=detail.revision)
            latencies.append(time.perf_counter() - started)
            last[detail.id] = score
            reviews.list_reviews(db, actor)
            reviews.get_review(db, actor, detail.id)
            if n % SUBMIT_EVERY == 0:
                reviews.submit(db, actor, detail.id)
                submitted += 1
                detail = reviews.amend(db, actor, detail.id, f"Load benchmark round {n}: keep scoring")
        except SupervisorError as exc:
            ours[type(exc).__name__] = ours.get(type(exc).__name__, 0) + 1
        except Exception as exc:  # noqa: BLE001 - counted: the benchmark reports raw errors, it does not hide them
            raw[type(exc).__name__] = raw.get(type(exc).__name__, 0) + 1
        time.sleep(max(0.0, AUTOSAVE_S - (time.perf_counter() - started)))
    db.dispose()
    print(json.dumps({"latencies": latencies, "ours": ours, "raw": raw, "last": last, "submitted": submitted}))


if __name__ == "__main__":
    main()
