"""The review workspace: listen, read, score, and pin every score to the moment that justifies it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.reviews import (
    CompetencyScore,
    Evidence,
    ReviewContent,
    quote_for_range,
    submission_problems,
)
from supervisor_app.core.roles import Permission
from supervisor_app.core.stance import SUGGESTED_TAGS, Turn, as_evidence, suggestions
from supervisor_app.core.transcript_quality import Flag
from supervisor_app.core.transcripts import Segment, clock
from supervisor_app.errors import ConcurrentChangeError, NotFoundError, ServerUnreachableError, SupervisorError
from supervisor_app.media.decoded import Decoded, decode_to_cache
from supervisor_app.media.player import PlaybackUnavailableError, Player
from supervisor_app.services import library, reviews, stance, transcript_quality, transcripts
from supervisor_app.services.journal import CONFLICT, PENDING, Journal
from supervisor_app.services.reviews import ReviewDetail
from supervisor_app.ui import workers
from supervisor_app.ui.review.evidence_dialog import EvidenceDialog
from supervisor_app.ui.review.feedback_dialog import FeedbackDialog
from supervisor_app.ui.review.practice_dialogs import PracticeResultDialog
from supervisor_app.ui.review.rubric_panel import RubricPanel
from supervisor_app.ui.review.transcript_delegate import SEGMENT_ROLE, TranscriptDelegate
from supervisor_app.ui.review.waveform_view import Marker, WaveformView, competency_colour
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.labels import page_layout
from supervisor_app.ui.widgets.messages import confirm, show_error, show_info
from supervisor_app.ui.widgets.shortcuts import add_shortcuts

AUTOSAVE_DELAY_MS = 1500
JOURNAL_RETRY_MS = 5000  # while the server is away: how often kept drafts are tried again
FETCH_SHARE = 0.5  # of the audio progress bar: fetching a recording this laptop has not got (team server)
POSITION_INTERVAL_MS = 50
SKIP_S = 5.0
MOMENT_S = 5.0
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class ReviewWorkspace(QWidget):
    saved = Signal(object)          # ReviewDetail after an autosave
    review_replaced = Signal(int)   # an amendment opened a new version
    closed = Signal()

    def __init__(self, context: AppContext, review_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.detail: ReviewDetail = reviews.get_review(context.database, context.actor, review_id)
        self.content: ReviewContent = self.detail.content
        self.player: Player | None = None
        self.decoded: Decoded | None = None
        self.active_dialog: QWidget | None = None
        self._decode_task: workers.Task | None = None
        self._flags_task: workers.Task | None = None
        self.flags: list[Flag] = []
        self._dirty = False
        summary = self.detail.summary
        try:
            view = transcripts.get_transcript(context.database, context.actor, summary.recording_id)
            self.segments: list[Segment] = list(view.segments)
        except NotFoundError:
            view, self.segments = None, []
        try:
            self.consent_text = library.consent_state(context.database, context.actor, summary.recording_id)
        except SupervisorError as exc:
            self.consent_text = str(exc)
        self.transcript_state = QLabel()
        self.transcript_state.setObjectName("transcriptState")
        self.transcript_state.setWordWrap(True)
        self.confirm_transcript_button = QPushButton("Confirm transcript")
        self.confirm_transcript_button.setToolTip("You have checked the words and speaker labels against the "
                                                  "recording: the transcript stops being marked machine-made.")
        self.confirm_transcript_button.clicked.connect(self.confirm_transcript)
        self._show_transcript_state(view)

        title = QLabel(f"{summary.recording_name} — {summary.coach_name}")
        title.setObjectName("pageTitle")
        self.status_label = QLabel()
        self.status_label.setObjectName("pageSubtitle")
        self.save_label = QLabel()
        self.save_label.setObjectName("pageSubtitle")
        self.save_label.setMinimumWidth(self.save_label.fontMetrics().horizontalAdvance("Unsaved changes…") + 12)
        self.feedback_button = QPushButton("Feedback…")
        self.amend_button = QPushButton("Amend…")
        self.gold_button = QPushButton("Compare with gold…")
        self.gold_button.setToolTip("Your scores beside the gold standard's, with its evidence and rationale")
        self.submit_button = QPushButton("Submit review")
        self.submit_button.setObjectName("primaryButton")
        self.close_button = QPushButton("Close")
        header = QHBoxLayout()
        header.addWidget(title, 1)
        for widget in (self.save_label, self.feedback_button, self.amend_button, self.gold_button,
                       self.submit_button, self.close_button):
            header.addWidget(widget)

        self.banner = QLabel()
        self.banner.setObjectName("warningBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.decode_progress = QProgressBar()
        self.decode_progress.setRange(0, 1000)
        self.decode_progress.setFormat("Preparing audio… %p%")
        self.waveform = WaveformView()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play / pause (Space)")
        self.time_label = QLabel("0:00:00 / 0:00:00")
        self.rate_combo = QComboBox()
        for rate in RATES:
            self.rate_combo.addItem(f"{rate:g}×", rate)
        self.rate_combo.setCurrentIndex(RATES.index(1.0))
        self.rate_combo.setToolTip("Playback rate (pitch preserved)")
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setMaximumWidth(120)
        self.loop_button = QPushButton("Loop selection")
        self.loop_button.setCheckable(True)
        transport = QHBoxLayout()
        for widget in (self.play_button, self.time_label):
            transport.addWidget(widget)
        transport.addStretch(1)
        for widget in (QLabel("Rate"), self.rate_combo, QLabel("Volume"), self.volume_slider, self.loop_button):
            transport.addWidget(widget)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Find in transcript…")
        self.search_edit.setClearButtonEnabled(True)
        self.transcript_list = QListWidget()
        self.transcript_list.setObjectName("transcriptList")
        self.transcript_list.setWordWrap(True)
        self.transcript_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.transcript_list.setResizeMode(QListWidget.ResizeMode.Adjust)  # lines re-wrap with the width
        self.transcript_delegate = TranscriptDelegate(self.segments, self.transcript_list)
        self.transcript_list.setItemDelegate(self.transcript_delegate)
        self.transcript_list.viewport().installEventFilter(self)
        self._click_at: QPointF | None = None
        for row, segment in enumerate(self.segments):
            item = QListWidgetItem(f"{clock(segment.start_s)}  {segment.speaker or '—'}: {segment.text}")
            item.setData(Qt.ItemDataRole.UserRole, segment.start_s)
            item.setData(SEGMENT_ROLE, row)
            self.transcript_list.addItem(item)
        if not self.segments:
            self.transcript_list.addItem("No transcript yet: transcribe the recording in the Library to quote it.")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.banner, self.decode_progress, self.waveform):
            left_layout.addWidget(widget)
        left_layout.addLayout(transport)
        left_layout.addWidget(self.search_edit)
        state_row = QHBoxLayout()
        state_row.addWidget(self.transcript_state, 1)
        state_row.addWidget(self.confirm_transcript_button)
        left_layout.addLayout(state_row)
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.transcript_list, "Transcript")
        self.left_tabs.addTab(self._build_suggestions(), "Suggested evidence")
        self.flag_list = QListWidget()
        self.flag_list.setObjectName("flagList")
        self.flag_list.setWordWrap(True)
        self.flag_list.addItem("Checking the transcript against the recording…")
        self.flag_list.itemClicked.connect(lambda item: item.data(Qt.ItemDataRole.UserRole) is not None
                                           and self.seek(float(item.data(Qt.ItemDataRole.UserRole))))
        self.left_tabs.addTab(self.flag_list, "Check first")
        self._load_suggestions()
        left_layout.addWidget(self.left_tabs, 1)
        self.rubric_panel = RubricPanel(self.detail.rubric)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.rubric_panel)
        splitter.setSizes([700, 520])
        layout = page_layout(self)
        layout.addLayout(header)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.save_now)
        self.journal_timer = QTimer(self)
        self.journal_timer.setInterval(JOURNAL_RETRY_MS)
        self.journal_timer.timeout.connect(self.retry_journal)
        self.position_timer = QTimer(self)
        self.position_timer.setInterval(POSITION_INTERVAL_MS)
        self.position_timer.timeout.connect(self.on_position_timer_timeout)

        self.rubric_panel.score_changed.connect(self.on_rubric_panel_score_changed)
        self.rubric_panel.competency_list.currentRowChanged.connect(lambda _row: self._draw_ranges())
        self.rubric_panel.evidence_activated.connect(self.play_evidence)
        self.rubric_panel.evidence_edit_requested.connect(self.edit_evidence)
        self.rubric_panel.evidence_remove_requested.connect(self.remove_evidence)
        self.waveform.seek_requested.connect(self.seek)
        self.waveform.range_selected.connect(self.on_waveform_range_selected)
        self.transcript_list.itemClicked.connect(self.on_transcript_list_item_clicked)
        self.search_edit.returnPressed.connect(self.find_in_transcript)
        self.play_button.clicked.connect(self.toggle_playback)
        self.rate_combo.currentIndexChanged.connect(self.on_rate_combo_changed)
        self.volume_slider.valueChanged.connect(lambda v: self.player and self.player.set_volume(v / 100))
        self.loop_button.toggled.connect(self.on_loop_button_toggled)
        self.submit_button.clicked.connect(self.submit)
        self.amend_button.clicked.connect(self.amend)
        self.feedback_button.clicked.connect(self.open_feedback)
        self.gold_button.clicked.connect(self.compare_with_gold)
        self.close_button.clicked.connect(self.close_workspace)
        self._add_shortcuts()
        self._apply_detail()
        self._start_decode()

    # ------------------------------------------------------------------ set-up

    def _build_suggestions(self) -> QWidget:
        """The coach's open questions, reflections and advice found by the stance rules, for the rater to accept
        as tagged evidence for the focused competency (A) or dismiss (D); nothing counts until accepted."""
        self.suggestion_turns: list[Turn] = []
        self.dismissed: set[float] = set()
        self.stance_label = QLabel()
        self.stance_label.setObjectName("stanceIndicators")
        self.stance_label.setWordWrap(True)
        self.suggestion_list = QListWidget()
        self.suggestion_list.setObjectName("suggestionList")
        self.suggestion_list.setWordWrap(True)
        self.accept_suggestion_button = QPushButton("Accept as evidence (A)")
        self.accept_suggestion_button.setToolTip("Pin the selected turn to the focused competency, tagged by its move")
        self.dismiss_suggestion_button = QPushButton("Dismiss (D)")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_suggestion_button)
        buttons.addWidget(self.accept_suggestion_button)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.stance_label)
        column.addWidget(self.suggestion_list, 1)
        column.addLayout(buttons)
        self.suggestion_list.itemClicked.connect(lambda item: self.seek(float(item.data(Qt.ItemDataRole.UserRole))))
        self.accept_suggestion_button.clicked.connect(self.accept_suggestion)
        self.dismiss_suggestion_button.clicked.connect(self.dismiss_suggestion)
        add_shortcuts(holder, [("A", self.accept_suggestion), ("D", self.dismiss_suggestion)])
        return holder

    def _load_suggestions(self) -> None:
        try:
            found = stance.stance_of(self._context.database, self._context.actor, self.detail.summary.recording_id,
                                     self.segments)
        except SupervisorError as exc:
            self.stance_label.setText(f"No suggestions: {exc}")
            return
        figures = found.indicators

        def share(value: float | None) -> str:
            return "—" if value is None else f"{value:.0%}"

        rate = "—" if figures.questions_per_10_min is None else f"{figures.questions_per_10_min:.1f}"
        advice = "—" if figures.advice_per_10_min is None else f"{figures.advice_per_10_min:.1f}"
        ratio = "—" if figures.reflection_to_question is None else f"{figures.reflection_to_question:.2f}"
        self.stance_label.setText(
            f"<b>Indicators, not verdicts.</b> Coach talk time {share(figures.coach_talk_share)} · questions per "
            f"10 min {rate} · open {share(figures.open_share)} · reflections per question {ratio} "
            f"({figures.rq_band}) · advice per 10 min {advice}. Below: the coach's turns as the rules read them "
            "— accept what you agree with.")
        self.suggestion_turns = suggestions(found.turns)
        self._fill_suggestions()

    def _fill_suggestions(self) -> None:
        pinned = {(e.start_s, e.tag) for e in self.content.evidence}
        self.suggestion_list.clear()
        shown = 0
        for turn in self.suggestion_turns:
            tag = SUGGESTED_TAGS[turn.stance].value  # suggestions are only the turns that have a tag
            if turn.start_s in self.dismissed or (round(turn.start_s, 2), tag) in pinned:
                continue
            item = QListWidgetItem(f"{clock(turn.start_s)}  {turn.stance.value if turn.stance else ''}: {turn.text}")
            item.setData(Qt.ItemDataRole.UserRole, turn.start_s)
            item.setToolTip(turn.rule)
            self.suggestion_list.addItem(item)
            shown += 1
        if shown and self.suggestion_list.currentRow() < 0:
            self.suggestion_list.setCurrentRow(0)
        self.left_tabs.setTabText(1, f"Suggested evidence ({shown})")
        editable = self.detail.editable and shown > 0
        self.accept_suggestion_button.setEnabled(editable)
        self.dismiss_suggestion_button.setEnabled(shown > 0)

    def _selected_turn(self) -> Turn | None:
        item = self.suggestion_list.currentItem()
        if item is None:
            return None
        start = float(item.data(Qt.ItemDataRole.UserRole))
        return next((t for t in self.suggestion_turns if t.start_s == start), None)

    def accept_suggestion(self) -> Evidence | None:
        turn = self._selected_turn()
        if turn is None or not self.detail.editable:
            return None
        row = self.suggestion_list.currentRow()
        item = as_evidence(turn, self.rubric_panel.current_competency().id,
                           self.detail.rubric.evidence.max_clip_seconds)
        self._changed(ReviewContent(self.content.scores, (*self.content.evidence, item)))
        self.suggestion_list.setCurrentRow(min(row, self.suggestion_list.count() - 1))
        return item

    def dismiss_suggestion(self) -> None:
        turn = self._selected_turn()
        if turn is None:
            return
        row = self.suggestion_list.currentRow()
        self.dismissed.add(turn.start_s)
        self._fill_suggestions()
        self.suggestion_list.setCurrentRow(min(row, self.suggestion_list.count() - 1))

    def _add_shortcuts(self) -> None:
        keys = [
            ("Space", self.toggle_playback), ("Left", lambda: self.skip(-SKIP_S)), ("Right", lambda: self.skip(SKIP_S)),
            ("E", self.capture_evidence), ("Ctrl+Right", lambda: self.jump_evidence(1)),
            ("Ctrl+Left", lambda: self.jump_evidence(-1)), ("Ctrl+S", self.save_now), ("L", self.loop_button.toggle),
            ("P", lambda: self.rubric_panel.choose(True)), ("F", lambda: self.rubric_panel.choose(False)),
            ("Alt+Down", lambda: self.rubric_panel.step(1)), ("Alt+Up", lambda: self.rubric_panel.step(-1)),
            ("Ctrl+Return", self.submit_if_draft), ("Ctrl+Shift+D", self.feedback_if_submitted),
        ] + [(str(n), lambda n=n: self.rubric_panel.choose(n)) for n in range(1, 6)]
        add_shortcuts(self, keys)

    def _apply_detail(self) -> None:
        summary = self.detail.summary
        editable = self.detail.editable
        state = {"draft": "Draft", "submitted": "Submitted", "superseded": "Superseded by a newer version"}
        text = (f"{'Practice · ' if summary.is_practice else ''}{state.get(summary.status, summary.status)} · "
                f"version {summary.version} · {summary.rubric_label} · rater {summary.rater}")
        if self.detail.amendment_reason:
            text += f" · amendment: {self.detail.amendment_reason}"
        if summary.feedback_due_at is not None:
            text += f" · feedback due {summary.feedback_due_at.astimezone():%Y-%m-%d %H:%M}"
        self.status_label.setText(text + f" · consent: {self.consent_text}")
        self.submit_button.setVisible(editable)
        # practice trains the rater: no feedback to the coach, no amendment (practise again instead)
        self.amend_button.setVisible(summary.status == "submitted" and not summary.is_practice)
        self.feedback_button.setVisible(not summary.is_practice)
        self.gold_button.setVisible(summary.is_practice and not editable)
        self.rubric_panel.set_content(self.content, editable)
        self._draw_ranges()
        if editable:
            self._show_completeness()

    def _show_transcript_state(self, view: transcripts.TranscriptView | None) -> None:
        machine_made = view is not None and view.confirmed_by is None
        self.transcript_state.setVisible(view is not None)
        if view is not None:
            self.transcript_state.setText(("⚠ Transcript and speaker labels: " if machine_made else "Transcript ")
                                          + view.review_state + ".")
        self.confirm_transcript_button.setVisible(
            machine_made and view is not None and view.status == "complete"
            and self._context.actor.can(Permission.EDIT_TRANSCRIPTS))

    def confirm_transcript(self) -> None:
        context = self._context
        try:
            view = transcripts.confirm(context.database, context.actor, self.detail.summary.recording_id)
        except SupervisorError as exc:
            show_error(self, "Transcript not confirmed", str(exc))
            return
        self._show_transcript_state(view)

    def _start_decode(self) -> None:
        """Fetch the recording if this laptop has not got it yet (team server), then decode it; both off the GUI
        thread, on one progress bar."""
        db, actor, paths = self._context.database, self._context.actor, self._context.paths
        recording_id = self.detail.summary.recording_id
        cache_dir = paths.audio_cache_dir
        share = 0.0 if db.is_sqlite else FETCH_SHARE

        def fetch_and_decode(progress: Callable[[float], None], cancelled: Callable[[], bool]) -> Decoded:
            source = library.playback_source(db, actor, paths, recording_id, lambda f: progress(f * share),
                                             cancelled)
            return decode_to_cache(source.path, cache_dir, source.cache_key, source.duration_s,
                                   lambda f: progress(share + f * (1 - share)), cancelled)

        task = workers.Task(fetch_and_decode)
        task.signals.progressed.connect(lambda f: self.decode_progress.setValue(int(f * 1000)))
        task.signals.finished.connect(self.on_decoded)
        task.signals.failed.connect(lambda exc: self._show_banner(f"The audio cannot be played: {exc}"))
        self._decode_task = workers.start(task)

    def on_decoded(self, decoded: Decoded) -> None:
        self._decode_task = None
        self.decoded = decoded
        self.decode_progress.hide()
        self.waveform.set_peaks(decoded.peaks, decoded.rate, decoded.duration_s)
        self.player = Player(decoded.samples, decoded.rate)
        try:
            self.player.open()
        except PlaybackUnavailableError as exc:
            self._show_banner(str(exc))
        self._draw_ranges()
        self.on_position_timer_timeout()
        self._start_flags()

    def _start_flags(self) -> None:
        """Where the transcript should not be trusted without listening (voice-activity detection runs once per
        recording, off the GUI thread); listed before scoring and marked on the transcript lines."""
        db, actor, paths = self._context.database, self._context.actor, self._context.paths
        recording_id = self.detail.summary.recording_id

        def check(_progress: Callable[[float], None], cancelled: Callable[[], bool]) -> list[Flag]:
            return transcript_quality.transcript_flags(db, actor, paths, recording_id, is_cancelled=cancelled)

        task = workers.Task(check)
        task.signals.finished.connect(self.show_flags)
        task.signals.failed.connect(lambda exc: self._flag_failure(str(exc)))
        self._flags_task = workers.start(task)

    def _flag_failure(self, text: str) -> None:
        self._flags_task = None
        self.flag_list.clear()
        self.flag_list.addItem(f"The transcript could not be checked: {text}")

    def show_flags(self, found: list[Flag]) -> None:
        self._flags_task = None
        self.flags = found
        self.flag_list.clear()
        if not found:
            self.flag_list.addItem("Nothing to check first: no loops, no likely hallucination, no speech without "
                                   "words, no low-confidence words.")
        for flag in found:
            item = QListWidgetItem(flag.label)
            item.setData(Qt.ItemDataRole.UserRole, flag.start_s)
            self.flag_list.addItem(item)
        self.left_tabs.setTabText(2, f"Check first ({len(found)})" if found else "Check first")
        by_segment: dict[int, list[Flag]] = {}
        for flag in found:
            if flag.segment_index is not None:
                by_segment.setdefault(flag.segment_index, []).append(flag)
        for row, segment in enumerate(self.segments):
            item = self.transcript_list.item(row)
            if item is not None and segment.index in by_segment:
                item.setText(f"⚠ {item.text()}")
                self.transcript_delegate.prefixes[row] = "⚠ "
                item.setToolTip("\n".join(f.label for f in by_segment[segment.index]))
        if found:
            self.transcript_state.setText(self.transcript_state.text() + f"  {len(found)} place"
                                          f"{'s' if len(found) != 1 else ''} to listen to before scoring: see "
                                          "Check first.")

    def _show_banner(self, text: str) -> None:
        self.decode_progress.hide()
        self.banner.setText(f"⚠ {text}")
        self.banner.show()

    # ------------------------------------------------------------------ playback

    def position_s(self) -> float:
        return self.player.position_s if self.player else self.waveform.playhead_s

    def toggle_playback(self) -> None:
        if self.player is None:
            return
        try:
            self.player.toggle()
        except PlaybackUnavailableError as exc:
            self._show_banner(str(exc))
            return
        self.play_button.setText("⏸ Pause" if self.player.playing else "▶ Play")
        if self.player.playing:
            self.position_timer.start()

    def seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek(seconds)
        self.waveform.set_playhead(seconds)
        self.on_position_timer_timeout()

    def skip(self, delta: float) -> None:
        self.seek(self.position_s() + delta)

    def on_rate_combo_changed(self, _index: int) -> None:
        if self.player is not None:
            self.player.set_speed(float(self.rate_combo.currentData()))

    def on_loop_button_toggled(self, checked: bool) -> None:
        if self.player is None:
            return
        if checked and self.waveform.selection is not None:
            self.player.set_loop(*self.waveform.selection)
        else:
            self.player.clear_loop()
            self.loop_button.setChecked(False)

    def on_position_timer_timeout(self) -> None:
        position = self.position_s()
        duration = self.decoded.duration_s if self.decoded else self.detail.duration_s
        self.time_label.setText(f"{clock(position)} / {clock(duration)}")
        self.waveform.set_playhead(position)
        current = next((i for i, s in enumerate(self.segments) if s.start_s <= position < s.end_s + 0.3), None)
        if current is not None and self.transcript_list.currentRow() != current:
            self.transcript_list.setCurrentRow(current)
        word = None
        if current is not None:
            word = next((n for n, (start, end, _w, _p) in enumerate(self.segments[current].words)
                         if start <= position < end), None)
        heard = (current, word) if current is not None and word is not None else None
        if heard != self.transcript_delegate.current:  # the word being spoken, highlighted
            self.transcript_delegate.current = heard
            self.transcript_list.viewport().update()
        if self.player is not None and not self.player.playing:
            self.position_timer.stop()
            self.play_button.setText("▶ Play")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.transcript_list.viewport() and event.type() == QEvent.Type.MouseButtonRelease:
            self._click_at = event.position()  # type: ignore[attr-defined]  # which word itemClicked was on
        return super().eventFilter(watched, event)

    def on_transcript_list_item_clicked(self, item: QListWidgetItem) -> None:
        """A click seeks to the word under the mouse (to the line's start off the words)."""
        start = item.data(Qt.ItemDataRole.UserRole)
        if start is None:
            return
        row = item.data(SEGMENT_ROLE)
        if row is not None and self._click_at is not None:
            rect = self.transcript_list.visualItemRect(item)
            word = self.transcript_delegate.word_at(int(row), rect.width(), self._click_at - QPointF(rect.topLeft()))
            if word is not None:
                start = self.segments[int(row)].words[word][0]
        self._click_at = None
        self.seek(float(start))

    def play_evidence(self, item: Evidence) -> None:
        self.waveform.selection = (item.start_s, item.end_s)
        self.seek(item.start_s)
        if self.player is not None:
            self.player.set_loop(item.start_s, item.end_s)
            self.loop_button.setChecked(True)
            if not self.player.playing:
                self.toggle_playback()

    def jump_evidence(self, direction: int) -> None:
        position = self.position_s()
        starts = sorted(e.start_s for e in self.content.evidence)
        following = [s for s in starts if s > position + 0.05] if direction > 0 else \
            [s for s in starts if s < position - 0.05]
        if following:
            self.seek(following[0] if direction > 0 else following[-1])

    def find_in_transcript(self) -> None:
        words = self.search_edit.text().strip().lower()
        if not words:
            return
        start = self.transcript_list.currentRow() + 1
        for offset in range(len(self.segments)):
            row = (start + offset) % len(self.segments)
            if words in self.segments[row].text.lower():
                self.transcript_list.setCurrentRow(row)
                self.seek(self.segments[row].start_s)
                return
        self.search_edit.setStyleSheet("color: #b3261e")

    # ------------------------------------------------------------------ scoring

    def _changed(self, content: ReviewContent) -> None:
        evidence_changed = content.evidence != self.content.evidence
        self.content = content
        self._dirty = True
        self.save_label.setText("Unsaved changes…")
        self.rubric_panel.set_content(content, self.detail.editable)
        self._draw_ranges()
        self._show_completeness()
        if evidence_changed:  # not on every keystroke of a rationale: only evidence moves the suggestions
            self._fill_suggestions()  # a removed piece of evidence is suggested again
        self.autosave_timer.start()

    def _show_completeness(self) -> None:
        """The submit button says how far the review is, and its tooltip what is still missing."""
        rubric = self.detail.rubric
        decided = sum(1 for c in rubric.competencies
                      if (score := self.content.scores.get(c.id)) is not None and score.decided)
        problems = submission_problems(rubric, self.content)
        total = len(rubric.competencies)
        self.submit_button.setText(f"Submit review ({decided}/{total} decided)" if problems else "Submit review ✓")
        self.submit_button.setToolTip("Still needed:\n" + "\n".join(f"• {p}" for p in problems) if problems
                                      else "Everything the rubric asks for is there.")

    def on_rubric_panel_score_changed(self, score: CompetencyScore) -> None:
        scores = dict(self.content.scores)
        scores[score.competency_id] = score
        self._changed(ReviewContent(scores, self.content.evidence))

    def on_waveform_range_selected(self, start: float, end: float) -> None:
        self.seek(start)

    def capture_range(self) -> tuple[float, float]:
        """The selected waveform range; while playing, the moment being heard (a transcript selection made before
        would pin words heard earlier); else the selected transcript lines, else the moment around the playhead."""
        if self.waveform.selection is not None:
            return self.waveform.selection
        playing = self.player is not None and self.player.playing
        rows = sorted(i.row() for i in self.transcript_list.selectedIndexes()) if self.segments and not playing \
            else []
        if rows:
            return self.segments[rows[0]].start_s, self.segments[rows[-1]].end_s
        position = self.position_s()
        around = next((s for s in self.segments if s.start_s <= position < s.end_s), None)
        if around is not None:
            return around.start_s, around.end_s
        duration = self.detail.duration_s
        return max(position - MOMENT_S, 0.0), min(position + MOMENT_S, duration)

    def capture_evidence(self) -> Evidence | None:
        """Pin the current moment, selection or transcript lines to the focused competency."""
        if not self.detail.editable:
            return None
        start, end = self.capture_range()
        if end <= start:
            return None
        item = Evidence(self.rubric_panel.current_competency().id, round(start, 2), round(end, 2),
                        quote_for_range(self.segments, start, end))
        self._changed(ReviewContent(self.content.scores, (*self.content.evidence, item)))
        self.waveform.selection = None
        return item

    def edit_evidence(self, index: int) -> None:
        dialog = EvidenceDialog(self.content.evidence[index], self.detail.duration_s, self)
        dialog.accepted.connect(lambda: self._replace_evidence(index, dialog.value()))
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def _replace_evidence(self, index: int, item: Evidence) -> None:
        evidence = list(self.content.evidence)
        evidence[index] = item
        self._changed(ReviewContent(self.content.scores, tuple(evidence)))

    def remove_evidence(self, index: int) -> None:
        evidence = list(self.content.evidence)
        del evidence[index]
        self._changed(ReviewContent(self.content.scores, tuple(evidence)))

    def _draw_ranges(self) -> None:
        focused = self.rubric_panel.current_competency().id
        ranges = self.rubric_panel.evidence_ranges()
        lanes = {index: lane for lane, index in enumerate(sorted({i for _e, i in ranges}))}
        titles = {c.id: c.title for c in self.detail.rubric.competencies}
        self.waveform.set_markers([Marker(e.start_s, e.end_s, competency_colour(i), titles.get(e.competency_id, ""),
                                          lanes[i], e.competency_id == focused) for e, i in ranges])

    def save_now(self, base_revision: int | None = None) -> bool:
        """Write the draft (autosave calls this 1.5 s after the last change). A draft saved meanwhile elsewhere is
        a conflict (this version kept in the journal, the rater chooses); a server that does not answer gets the
        draft kept in the journal, saved by `retry_journal` once it answers."""
        self.autosave_timer.stop()
        if not self._dirty or not self.detail.editable:
            return True
        context = self._context
        if self.journal_timer.isActive():  # an earlier draft still waits in the journal: it goes first
            self.retry_journal()
        base = self.detail.revision if base_revision is None else base_revision
        try:
            try:
                self.detail = reviews.save_draft(context.database, context.actor, self.detail.id, self.content,
                                                 base_revision=base)
            except ConcurrentChangeError:  # a clash inside the server: the same save again is safe (revisioned)
                self.detail = reviews.save_draft(context.database, context.actor, self.detail.id, self.content,
                                                 base_revision=base)
        except reviews.DraftConflictError as exc:
            return self._on_conflict(exc)
        except ServerUnreachableError as exc:
            Journal(context.paths).keep(PENDING, context.actor, self.detail.id, self.content, None, base, str(exc))
            self.save_label.setText("Kept on this laptop")
            self._show_banner("The team server cannot be reached. Your draft is kept on this laptop and saved as "
                              "soon as the server answers again; keep working.")
            self.journal_timer.start()
            self._dirty = False
            return True
        except SupervisorError as exc:
            self.save_label.setText("Not saved")
            show_error(self, "Draft not saved", str(exc))
            return False
        self._after_save()
        return True

    def _after_save(self) -> None:
        self._dirty = False
        self.content = self.detail.content
        self.save_label.setText(f"Saved {self.detail.summary.updated_at.astimezone():%H:%M:%S}")
        self.saved.emit(self.detail)

    def _on_conflict(self, exc: reviews.DraftConflictError) -> bool:
        context = self._context
        entry = Journal(context.paths).keep(CONFLICT, context.actor, self.detail.id, self.content, None,
                                            self.detail.revision, str(exc))
        self.save_label.setText("Not saved: conflict")
        keep_mine = confirm(self, "Draft changed elsewhere",
                            f"{exc}\n\nYour version is kept in {entry.path}.\n\nKeep your version (it replaces the "
                            "stored one), or cancel to load the stored draft?", "Keep mine")
        if keep_mine:
            return self.save_now(base_revision=exc.stored.revision)
        self.detail = exc.stored
        self.content = exc.stored.content
        self._dirty = False
        self._apply_detail()
        self.save_label.setText("Loaded the stored draft")
        return False

    def retry_journal(self) -> None:
        """Every few seconds while a draft waits in the journal: save it once the server answers (the window may
        have saved it meanwhile). What was typed since stays in the editor and is saved next, on top."""
        context = self._context
        replay = Journal(context.paths).replay(context.database, context.actor)
        if replay.still_pending:
            return
        self.journal_timer.stop()
        self.banner.hide()
        self.detail = reviews.get_review(context.database, context.actor, self.detail.id)
        if not self._dirty:
            self.content = self.detail.content
            self.save_label.setText(f"Saved {self.detail.summary.updated_at.astimezone():%H:%M:%S} (from this "
                                    "laptop's journal)")
            self.saved.emit(self.detail)
        for entry in replay.conflicts:
            show_error(self, "Draft kept on this laptop",
                       f"{entry.reason}\n\nThe version typed while the server was away is kept in {entry.path}.")

    def submit(self) -> None:
        """Every missing piece at once, then a confirmation (a submitted review is final), then a message."""
        problems = submission_problems(self.detail.rubric, self.content)
        if problems:
            show_error(self, "Not submitted yet", "The review cannot be submitted yet:\n"
                       + "\n".join(f"• {p}" for p in problems))
            return
        if not self.save_now():
            return
        practising = self.detail.summary.is_practice
        if not confirm(self, "Submit the practice review?" if practising else "Submit the review?",
                       "A submitted practice review is final; you then see it beside the gold standard."
                       if practising else
                       "A submitted review is final: it can no longer be edited, only amended as a new version with "
                       "a reason. Feedback to the coach is then due within 48 hours.", "&Submit"):
            return
        try:
            self.detail = reviews.submit(self._context.database, self._context.actor, self.detail.id)
        except SupervisorError as exc:
            show_error(self, "Not submitted yet", str(exc))
            return
        self.content = self.detail.content
        self._apply_detail()
        self.saved.emit(self.detail)
        when = self.detail.summary.submitted_at
        self.save_label.setText(f"Submitted {when.astimezone():%H:%M}" if when else "Submitted")
        if practising:
            self.compare_with_gold()
            return
        show_info(self, "Review submitted",
                  "The review is submitted. Write the feedback for the coach with Feedback… (due within 48 hours).")

    def submit_if_draft(self) -> None:
        if self.detail.editable:
            self.submit()

    def feedback_if_submitted(self) -> None:
        if not self.detail.summary.is_practice:
            self.open_feedback()

    def compare_with_gold(self) -> None:
        try:
            dialog = PracticeResultDialog(self._context, self.detail.id, self)
        except SupervisorError as exc:
            show_error(self, "Gold standard not shown", str(exc))
            return
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def amend(self) -> None:
        reason, accepted = QInputDialog.getMultiLineText(self, "Amend review",
                                                         "Why is this review amended? (kept with both versions)")
        if accepted:
            self.amend_with_reason(reason)

    def amend_with_reason(self, reason: str) -> None:
        try:
            draft = reviews.amend(self._context.database, self._context.actor, self.detail.id, reason)
        except SupervisorError as exc:
            show_error(self, "Not amended", str(exc))
            return
        self.review_replaced.emit(draft.id)

    def open_feedback(self) -> None:
        if not self.save_now():
            return
        dialog = FeedbackDialog(self._context, self.detail, self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def close_workspace(self) -> None:
        self.save_now()
        self.shutdown()
        self.closed.emit()

    def shutdown(self) -> None:
        self.position_timer.stop()
        for task in (self._decode_task, self._flags_task):
            if task is not None:
                task.cancel()
        if self.player is not None:
            self.player.close()
            self.player = None
