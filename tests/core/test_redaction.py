"""The redaction detectors and their replacement, as pure rules."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from supervisor_app.core import redaction
from supervisor_app.core.redaction import Kind, Source, Span, Term
from supervisor_app.core.transcripts import Segment
from tests.core.redaction_quality import measure

NAMES = redaction.name_terms(["Grace Kim", "Daniel Okoro-Smith"])


def found(text: str, terms: tuple[Term, ...] = ()) -> list[tuple[str, str]]:
    return [(s.kind.value, s.text_in(text)) for s in redaction.suggest(text, NAMES, list(terms))]


def test_suggestions_on_the_labelled_utterances_stay_at_their_measured_level() -> None:
    scores = measure()
    for kind in (Kind.EMAIL, Kind.PHONE, Kind.URL, Kind.NUMBER):
        assert scores.recall(kind) == 1.0, kind
        assert scores.precision(kind) == 1.0, kind
    for kind in (Kind.NAME, Kind.ORG, Kind.PLACE):  # only what the program knows: unknown names need a person
        assert scores.precision(kind) == 1.0, kind
    assert (scores.recall(Kind.NAME) or 0) >= 0.8


def test_names_match_whole_capitalised_words_and_the_possessive() -> None:
    assert found("Grace said I grace meetings; Grace's team and Kim agreed.") == [
        ("name", "Grace"), ("name", "Grace"), ("name", "Kim")]
    assert found("Daniel Okoro-Smith met Okoro and Smith, not Danielle.") == [
        ("name", "Daniel Okoro-Smith"), ("name", "Okoro"), ("name", "Smith")]
    assert found("My manager at acme corp", (Term("Acme Corp", Kind.ORG),)) == [("org", "acme corp")]


def test_ordinary_numbers_are_left_alone() -> None:
    for text in ("In 2019 we spent 45 minutes, 3.5 hours, on 12 slides.", "Ten out of ten, one or two ideas.",
                 "It cost 1,200 pounds on the 14th.", "Score it 4 out of 5."):
        assert found(text) == [], text


def test_written_and_spoken_contact_details_are_found() -> None:
    assert found("Mail j.doe+x@example.co.uk or j dot doe at example dot com.") == [
        ("email", "j.doe+x@example.co.uk"), ("email", "j dot doe at example dot com")]
    assert found("Ring (020) 7946-0958, or oh seven seven double one two three.") == [
        ("phone", "(020) 7946-0958"), ("phone", "oh seven seven double one two three")]
    assert found("See https://example.com/a?b=1, then www.example.org.") == [
        ("url", "https://example.com/a?b=1"), ("url", "www.example.org")]
    assert found("Badge AB-12345, payroll number 8812.") == [("number", "AB-12345"), ("number", "8812")]


def test_an_e_mail_address_wins_over_the_name_and_url_inside_it() -> None:
    assert found("grace.kim@kim.com") == [("email", "grace.kim@kim.com")]


def test_a_redacted_segment_keeps_its_times_and_drops_words_it_cannot_place() -> None:
    words = ((0.0, 0.5, " Hello", 0.9), (0.5, 1.0, " Grace", 0.8), (1.0, 1.5, " Kim,", 0.9), (1.5, 2.0, " hi.", 0.9))
    segment = Segment(1, 0, 0.0, 2.0, "Hello Grace Kim, hi.", "Coach", words)
    spans = redaction.suggest(segment.text, NAMES, [])
    result = redaction.redact_segment(segment, spans)
    assert result.text == "Hello [NAME], hi."
    assert [w[:2] for w in result.words] == [w[:2] for w in words]
    assert [w[2] for w in result.words] == [" Hello", " [NAME]", "", " hi."]
    edited = Segment(1, 0, 0.0, 2.0, "Hello Grace, how are you.", "Coach", words, edited=True)
    assert redaction.redact_segment(edited, redaction.suggest(edited.text, NAMES, [])).words == ()


def test_a_span_follows_its_words_through_a_correction() -> None:
    span = Span(6, 11, Kind.NAME, Source.NAME)
    assert redaction.locate("Hello Grace.", "Oh, hello there Grace.", span) == Span(16, 21, Kind.NAME, Source.NAME)
    assert redaction.locate("Hello Grace.", "Hello there.", span) is None


def test_quotes_are_redacted_by_what_a_person_decided_in_the_transcript() -> None:
    quote = "Ask Priya at Globex, or grace.kim@example.com"
    assert redaction.redact_quote(quote, ["Priya"], NAMES, [Term("Globex", Kind.ORG)], keep=["Globex"]) == \
        "Ask [NAME] at Globex, or [EMAIL]"


@given(st.text(alphabet="ab @.0123456789GraceKim", max_size=60),
       st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.sampled_from(list(Kind))), max_size=6))
def test_resolved_spans_are_disjoint_and_apply_keeps_the_text_between_them(
        text: str, raw: list[tuple[int, int, Kind]]) -> None:
    spans = [Span(min(a, b, len(text)), min(max(a, b), len(text)), kind, Source.MANUAL) for a, b, kind in raw]
    chosen = redaction.resolve(spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(chosen))
    result = redaction.apply(text, chosen)
    kept = "".join(text[a.end:b.start] for a, b in zip([Span(0, 0, Kind.NAME, Source.MANUAL), *chosen],
                                                       [*chosen, Span(len(text), len(text), Kind.NAME,
                                                                      Source.MANUAL)], strict=True))
    for kind in Kind:
        result = result.replace(kind.label, "")
    assert result == kept
