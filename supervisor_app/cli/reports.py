"""Figures and files for the program: agreement statistics for a rating file, drift, and the HR workbook."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from supervisor_app.cli.args import add, bounded_int, date, finite_float, id_list, record_id
from supervisor_app.cli.context import Context
from supervisor_app.cli.output import print_json, print_table, say, visible
from supervisor_app.core import agreement
from supervisor_app.services import agreement_files, drift, export, program_settings, stance


def _agreement_json(result: agreement.Agreement) -> dict[str, Any]:
    payload = {key: getattr(result, key) for key in (
        "n_units", "n_raters", "icc2_1", "icc2_1_ci", "icc2_k", "icc2_k_ci", "icc3_1", "icc3_1_ci", "alpha_ordinal",
        "alpha_interval", "alpha_nominal", "alpha_ordinal_ci", "kappa_quadratic_mean", "kappa_quadratic_mean_ci",
        "fleiss_kappa", "ac1", "ac1_se", "ac1_ci", "ac2_linear", "ac2_linear_se", "ac2_linear_ci", "ac2_quadratic",
        "ac2_quadratic_se", "ac2_quadratic_ci", "bootstrap_draws", "exact_agreement", "adjacent_agreement", "bias",
        "central_tendency", "warnings")}
    payload["bands"] = {name: {"label": band.label, "source": band.source} for name, band in result.bands().items()}
    return payload


def _figure(value: float | None, ci: tuple[float, float] | None = None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def cmd_agreement(ctx: Context) -> int:
    ratings, problems = agreement_files.read_ratings(Path(ctx.args.file))
    for problem in problems:
        print(f"warning: {visible(str(problem))} (row skipped)", file=sys.stderr)
    results = agreement.by_competency(ratings)
    rule = agreement.CalibrationRule(ctx.args.within_one_share, not ctx.args.ignore_gates)
    scores_by_competency: dict[str, set[float]] = {}
    for rating in ratings:
        scores_by_competency.setdefault(rating.competency, set()).add(rating.score)
    gates = {c: scores <= {0.0, 1.0} for c, scores in scores_by_competency.items()}
    masters = {r.rater for r in ratings if r.master}
    status = agreement.calibration_status(ratings, gates, rule, sorted({r.rater for r in ratings} - masters))
    if ctx.args.json:
        payload = {name: _agreement_json(result) for name, result in results.items()}
        payload[agreement.OVERALL]["calibrated"] = status
        print_json(payload)
        return 1 if problems else 0
    for name, result in results.items():
        bands = result.bands()
        say(f"\n{name}: {result.n_units} units, {result.n_raters} raters")
        rows = [("ICC(2,1)", _figure(result.icc2_1, result.icc2_1_ci), bands.get("icc2_1")),
                ("ICC(2,k)", _figure(result.icc2_k, result.icc2_k_ci), bands.get("icc2_k")),
                ("ICC(3,1)", _figure(result.icc3_1, result.icc3_1_ci), bands.get("icc3_1")),
                ("Krippendorff alpha, ordinal", _figure(result.alpha_ordinal, result.alpha_ordinal_ci),
                 bands.get("alpha_ordinal")),
                ("Krippendorff alpha, interval", _figure(result.alpha_interval), bands.get("alpha_interval")),
                ("Krippendorff alpha, nominal", _figure(result.alpha_nominal), bands.get("alpha_nominal")),
                ("Cohen's kappa (quadratic), mean of pairs",
                 _figure(result.kappa_quadratic_mean, result.kappa_quadratic_mean_ci),
                 bands.get("kappa_quadratic_mean")),
                ("Fleiss' kappa", _figure(result.fleiss_kappa), bands.get("fleiss_kappa")),
                ("Gwet's AC1 (nominal)", _figure(result.ac1, result.ac1_ci), bands.get("ac1")),
                ("Gwet's AC2, linear weights", _figure(result.ac2_linear, result.ac2_linear_ci),
                 bands.get("ac2_linear")),
                ("Gwet's AC2, quadratic weights", _figure(result.ac2_quadratic, result.ac2_quadratic_ci),
                 bands.get("ac2_quadratic")),
                ("exact agreement", _figure(result.exact_agreement), None),
                ("within ±1", _figure(result.adjacent_agreement), None)]
        print_table(["figure", "value [95% CI]", "band", "source"],
                    [(figure, value, band.label if band else "", band.source if band else "")
                     for figure, value, band in rows])
        middle = result.central_tendency
        print_table(["rater", "bias vs master", "bias vs panel", "share of 3s vs panel"],
                    [(rater, _figure(b["vs_master"]), _figure(b["vs_panel"]),
                      _figure(middle.get(rater, {}).get("vs_panel"))) for rater, b in result.bias.items()])
        for warning in result.warnings:
            say(f"note: {warning}")
        if result.bootstrap_draws:
            say(f"note: the intervals of alpha and the mean kappa are bootstrap percentiles over "
                f"{result.bootstrap_draws:,} redraws of the units (fixed seed); ICC's are F-based, AC's Gwet's.")
    if any(value is not None for value in status.values()):
        print(f"\nCalibrated (≥ {rule.within_one_share:.0%} within ±1 of the master"
              + (", same gate decisions" if rule.same_gate_decisions else "") + "; 0/1-only competencies are gates):")
        for rater, value in status.items():
            say(f"  {rater}: {'yes' if value else 'no'}")
    return 1 if problems else 0


def cmd_drift(ctx: Context) -> int:
    actor = ctx.actor()
    db = ctx.database()
    rater_rows = drift.raters(db, actor, ctx.args.threshold)
    per_competency = drift.raters_by_competency(db, actor, ctx.args.threshold)
    coach_rows = drift.coaches(db, actor)
    heard = stance.coach_trends(db, actor)
    if ctx.args.json:
        print_json({"raters": [dataclasses.asdict(r) for r in rater_rows],
                    "raters_by_competency": {c: [dataclasses.asdict(r) for r in rows]
                                             for c, rows in per_competency.items()},
                    "coaches": [{**dataclasses.asdict(c), "advising_share": [p.advising_share for p in c.stance]}
                                for c in coach_rows],
                    "coach_stance": [{"coach": c.coach, "advice_rising": c.advice_rising,
                                      "sessions": [{"recording_id": p.recording_id, "session_date": p.session_date,
                                                    "advice_per_10_min": p.indicators.advice_per_10_min,
                                                    "questions_per_10_min": p.indicators.questions_per_10_min,
                                                    "reflection_to_question": p.indicators.reflection_to_question,
                                                    "coach_talk_share": p.indicators.coach_talk_share}
                                                   for p in c.sessions]} for c in heard]})
        return 0
    print_table(["rater", "bias per round (oldest first)", "smoothed", "flag"],
                [(r.rater, " ".join(f"{b:+.2f}" for b in r.biases), f"{r.ewma[-1]:+.2f}" if r.ewma else "",
                  r.reason) for r in rater_rows])
    flagged = [(c, r) for c, rows in per_competency.items() for r in rows if r.flagged]
    if flagged:
        print_table(["competency", "rater", "bias per round", "flag"],
                    [(c, r.rater, " ".join(f"{b:+.2f}" for b in r.biases), r.reason) for c, r in flagged])
    print_table(["coach", "score trend per review", "advising share per review", "flag"],
                [(c.coach, ", ".join(f"{k} {v:+.2f}" for k, v in sorted(c.score_trend.items())),
                  " ".join("—" if p.advising_share is None else f"{p.advising_share:.0%}" for p in c.stance),
                  "advising rising" if c.advising_rising else "") for c in coach_rows])
    if heard:
        print_table(["coach", "advice per 10 min per transcribed session (oldest first)", "flag"],
                    [(c.coach, " ".join("—" if p.indicators.advice_per_10_min is None
                                        else f"{p.indicators.advice_per_10_min:.1f}" for p in c.sessions),
                      "advice rising" if c.advice_rising else "") for c in heard])
    return 0


def cmd_export(ctx: Context) -> int:
    args = ctx.args
    actor = ctx.actor()
    scope = export.ExportScope(args.round, args.reviews or (), args.date_from, args.date_to, args.cycle)
    db = ctx.database()
    options = export.ExportOptions(pseudonyms=args.pseudonyms, aggregates_only=args.aggregates_only,
                                   pseudonym_key=program_settings.pseudonym_key(db, actor),
                                   rule=program_settings.calibration_rule(db))
    started = time.monotonic()
    result = export.export_audit(ctx.database(), actor, scope, Path(args.out), options)
    say(f"Written {result.path} in {time.monotonic() - started:.1f} s: {result.reviews} reviews, "
        f"{result.score_rows} score rows, {result.evidence_rows} evidence items"
        + (" (aggregates only: no rationale, quotes or notes)" if result.aggregates_only else "")
        + f". SHA-256 {result.sha256}; audit trail fingerprint {result.fingerprint[:16]}.")
    return 0


def cmd_exports(ctx: Context) -> int:
    rows = export.recent_exports(ctx.database(), ctx.actor(), limit=ctx.args.limit)
    print_table(["when", "by", "file", "scope", "aggregates only", "SHA-256"],
                [(r.at, r.by, r.file_name, r.scope, r.aggregates_only, r.sha256[:16]) for r in rows])
    return 0


def register(sub: Any) -> None:
    agreement_parser = add(sub, "agreement", cmd_agreement,
                           "agreement statistics for a rating file (CSV or XLSX: unit, rater, score "
                           "[, competency] [, master])")
    agreement_parser.add_argument("file")
    agreement_parser.add_argument("--json", action="store_true")
    agreement_parser.add_argument("--within-one-share", type=finite_float(0.0, 1.0), default=0.8,
                                  help="calibration rule: share of scores within ±1 of the master (default 0.8)")
    agreement_parser.add_argument("--ignore-gates", action="store_true",
                                  help="calibration rule: do not require the same decision on every gate")

    drift_parser = add(sub, "drift", cmd_drift, "rater drift over calibration rounds and coach drift over reviews")
    drift_parser.add_argument("--threshold", type=finite_float(0.0, 4.0), default=0.5,
                              help="bias that flags a rater (points)")
    drift_parser.add_argument("--json", action="store_true")

    export_parser = add(sub, "export", cmd_export,
                        "write the audit workbook for HR (.xlsx): a revealed round, chosen reviews, a date range or "
                        "an audit cycle")
    chosen = export_parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--round", type=record_id, metavar="ID", help="a revealed or closed calibration round")
    chosen.add_argument("--reviews", type=id_list("review"), metavar="ID,ID,...", help="submitted reviews by id")
    chosen.add_argument("--from", dest="date_from", type=date, metavar="DATE",
                        help="reviews submitted from this date (YYYY-MM-DD, UTC; needs --to)")
    chosen.add_argument("--cycle", metavar="QUARTER",
                        help="a quarter's audit cycle, e.g. 2026-Q4: its submitted reviews and an Audit cycle sheet")
    export_parser.add_argument("--to", dest="date_to", type=date, metavar="DATE",
                               help="last submission date included (YYYY-MM-DD)")
    export_parser.add_argument("--out", required=True, metavar="FILE.xlsx", help="where to write the workbook")
    export_parser.add_argument("--pseudonyms", action="store_true",
                               help="coaches as stable pseudonyms instead of names")
    export_parser.add_argument("--aggregates-only", action="store_true",
                               help="no rationale, quotes or notes (always so for the HR viewer role)")
    exports = add(sub, "exports", cmd_exports, "the audit workbooks exported before (yours; admins: everyone's)")
    exports.add_argument("--limit", type=bounded_int(1, 10_000), default=20)
