"""A coach's stance over their latest transcribed sessions: the indicators per session, the advice and the
reflection-to-question charts with MITI's reference lines, and the flag when advising rises. Indicators from a
rule set, not verdicts."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from supervisor_app.core.stance import RQ_FAIR, RQ_GOOD
from supervisor_app.services.stance import CoachStance, SessionPoint
from supervisor_app.ui.widgets.charts import LineChart, Series
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel

RISING, STEADY = "#d93025", "#1a73e8"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _when(point: SessionPoint) -> str:
    return f"{point.session_date:%Y-%m-%d}" if point.session_date else f"recording {point.recording_id}"


class StanceDialog(QDialog):
    def __init__(self, trend: CoachStance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Stance over time — {trend.coach}")
        self.resize(960, 720)
        flag = ("⚠ Advice per 10 minutes rose across consecutive sessions: worth a look in supervision."
                if trend.advice_rising else "No rise in advising across consecutive sessions.")
        self.flag_label = QLabel(f"<b>{flag}</b> Indicators from the transcript by a rule set (Reviews → Suggested "
                                 "evidence shows the turns), not verdicts on the coach.")
        self.flag_label.setWordWrap(True)
        self.model: RowTableModel[SessionPoint] = RowTableModel([
            Column("Session", _when),
            Column("Coach talk", lambda p: _share(p.indicators.coach_talk_share), align_right=True),
            Column("Questions / 10 min", lambda p: _number(p.indicators.questions_per_10_min), align_right=True),
            Column("Open", lambda p: _share(p.indicators.open_share), align_right=True),
            Column("Reflections per question", lambda p: "—" if p.indicators.reflection_to_question is None
                   else f"{p.indicators.reflection_to_question:.2f}", align_right=True),
            Column("Advice / 10 min", lambda p: _number(p.indicators.advice_per_10_min), align_right=True),
        ], row_id=lambda p: p.recording_id)
        self.table = FilteredTable(self.model)
        self.table.setSortingEnabled(False)
        self.model.set_rows(list(trend.sessions))
        self.table.proxy.sort(-1)
        self.table.fit_columns()
        self.table.setMinimumHeight(130)
        sessions = [_when(p) for p in trend.sessions]
        self.advice_chart = LineChart("Advice per 10 minutes (without permission)",
                                      "session (oldest first)", "advice turns / 10 min",
                                      empty_text="No transcribed sessions of this coach yet.")
        self.advice_chart.value_format = "{:.1f}"
        self.advice_chart.set_lines(sessions, [Series("Advice / 10 min", tuple(
            p.indicators.advice_per_10_min for p in trend.sessions), RISING if trend.advice_rising else STEADY)],
            y_range=(0.0, 1.0))
        self.ratio_chart = LineChart("Reflections per question (MITI 4.2.1)",
                                     "session (oldest first)", "reflections / question",
                                     empty_text="No transcribed sessions of this coach yet.")
        self.ratio_chart.set_lines(sessions, [Series("Reflections per question", tuple(
            p.indicators.reflection_to_question for p in trend.sessions), STEADY)],
            references=[(RQ_FAIR, "1:1 fair"), (RQ_GOOD, "2:1 good")], y_range=(0.0, RQ_GOOD * 1.1))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.flag_label)
        layout.addWidget(self.table, 1)
        charts = QHBoxLayout()
        charts.addWidget(self.advice_chart)
        charts.addWidget(self.ratio_chart)
        layout.addLayout(charts)
        layout.addWidget(buttons)
