"""What kind of move a coach's turn is, by a small transparent rule set (English): open question, closed
question, reflection, advice / telling, other — or unsure when the cues disagree. A suggestion for the rater,
never a score: every label says which rule gave it.

The rules, in the order they are tried on each sentence of a turn:

1. **Advice with permission** ("with your permission", "since you asked", "if it's useful, one option …") is
   *other*: the coach asked first.
2. **Advice / telling**: "you should / need to / have to / must / ought to / could try / 'd be better off",
   "I('d) suggest / recommend / would …", "my advice", "if I were you", "the best thing", "it would be better",
   "the answer is", suggestions in question form ("have you tried / thought about / considered", "why don't you",
   "why not", "what if you", "how about"), and imperatives (a sentence or a clause after a comma that starts with
   a verb such as *tell, try, send, stop, delegate, don't, just say, make sure, let them*).
3. **Open question**: a request for telling ("tell me", "describe", "say more", "walk / talk me through", "help
   me understand", "what else"), or a question that starts with *what, how, why, where, when, which, who, in
   what way* — not a sentence closed with a full stop that describes the coachee ("So when he interrupts, you go
   quiet." is a reflection).
4. **Closed question**: a question that starts with an auxiliary (*is, are, do, did, can, would, have, shall,
   may …*), or any other sentence ending in "?" that none of the rules above claimed (a declarative with a rising
   end, "You told him already?") — unless it starts like a reflection.
5. **Reflection**: "it sounds like", "sounds like", "it seems", "you seem", "so you …", "you're feeling / saying
   / wondering / not sure", "you feel", "you want / 'd like / 'd rather", "part of you", "on the one hand", "what
   I'm hearing", "I hear", "you sound", "you've …", "the word you keep …"; and a statement about the coachee
   ("you …", or "So …" with "you / your" in it) that none of the advice cues claimed.
6. Otherwise **other** (greetings, affirmations, structuring, fillers).

A turn of several sentences takes the strongest move in it: advice, then open question, closed question,
reflection, other. **Unsure** when a sentence carries the cues of two different moves that the order above cannot
settle (a reflection stem and an imperative, say).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from supervisor_app.core.reviews import Evidence, Tag


class Stance(StrEnum):
    OPEN = "open question"
    CLOSED = "closed question"
    REFLECTION = "reflection"
    ADVICE = "advice"
    OTHER = "other"
    UNSURE = "unsure"

    @property
    def short(self) -> str:
        """The label of `stance classify` and the labelled set: open, closed, reflection, advice, other, unsure."""
        return self.value.split()[0]


STRENGTH = (Stance.ADVICE, Stance.OPEN, Stance.CLOSED, Stance.REFLECTION, Stance.OTHER)


@dataclass(frozen=True)
class Classified:
    stance: Stance
    rule: str  # which rule decided, for the rater ("advice: 'you should'")


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


PERMISSION = _words(r"with your permission", r"since you asked", r"if it'?s (?:useful|helpful|ok(?:ay)?)",
                    r"you asked (?:me )?for (?:ideas|suggestions|advice)")
ADVICE_PHRASES = _words(
    r"you (?:really )?(?:should|need to|have to|must|ought to|could try)", r"you'?d be better off",
    r"i(?:'d| would)? (?:suggest|recommend)", r"i think you should", r"i would (?:prioriti[sz]e|start|go)",
    r"my advice", r"if i were you", r"the best thing(?: to do)? is", r"it would be better", r"the answer is",
    r"what you need to do", r"have you (?:tried|thought about|considered)", r"why don'?t you", r"why not",
    r"what if you", r"how about (?:you|trying)", r"you should set")
IMPERATIVE_VERBS = (
    "tell", "try", "send", "stop", "start", "delegate", "give", "write", "call", "speak", "talk to", "schedule",
    "put", "take", "book", "ask", "make sure", "focus", "be", "don't", "do not", "just", "let them", "let him",
    "let her", "go", "set", "block", "push", "hire", "move", "drop", "avoid", "remember to", "keep")
IMPERATIVE = re.compile(r"^(?:" + "|".join(re.escape(v) for v in IMPERATIVE_VERBS) + r")\b", re.IGNORECASE)
OPEN_START = re.compile(r"^(?:(?:and|so|okay|ok|right|well|then)[,.]?\s+)*(?:what|how|why|where|when|which|who|"
                        r"in what way|if nothing)\b", re.IGNORECASE)
OPEN_REQUEST = _words(r"tell me", r"describe", r"say more", r"walk me through", r"talk me through",
                      r"help me understand", r"what else")
AUXILIARY = re.compile(r"^(?:(?:and|so|okay|ok|right|well)[,.]?\s+)*(?:is|are|was|were|am|do|does|did|can|could|"
                       r"would|will|have|has|had|should|shall|may|might|isn't|aren't|don't|didn't|won't|"
                       r"wouldn't)\b", re.IGNORECASE)
REFLECTION_STEM = re.compile(
    r"^(?:(?:so|and|okay|ok|right|well|mm)[,.]?\s+)*(?:it (?:sounds|seems|feels)|sounds like|you seem|you sound|"
    r"so you|you(?:'re| are) (?:feeling|saying|wondering|not sure|hoping|clear|worried|caught)|you feel|"
    r"you (?:really )?want|you'd (?:like|rather)|part of you|on the one hand|what i'?m hearing|i hear|you've|"
    r"you have already|you don'?t want|the word you|that'?s a lot|it'?s been)\b", re.IGNORECASE)
YOU_START = re.compile(r"^(?:(?:so|and)[,.]?\s+)*(?:you|you're|you've|you'd|your)\b", re.IGNORECASE)
SO_START = re.compile(r"^so\b", re.IGNORECASE)  # "So …": the coach summing up what they heard
YOU_CLAUSE = re.compile(r"\b(?:you|your|you're|you've)\b", re.IGNORECASE)
SENTENCE = re.compile(r"[^.?!]+[.?!]*")
CLAUSE = re.compile(r"\s*[,;:]\s*|\s+-\s+")  # "It sounds like you're stuck, stop worrying": two clauses


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(" ".join(text.split())) if s.strip(" .?!,")]


def _sentence(sentence: str) -> Classified:
    bare = sentence.strip().rstrip(".!")
    question = sentence.rstrip().endswith("?")
    if PERMISSION.search(bare):
        return Classified(Stance.OTHER, "advice with permission")
    found = ADVICE_PHRASES.search(bare)
    reflection = REFLECTION_STEM.search(bare)
    if found:
        return Classified(Stance.ADVICE, f"advice: '{found.group(0).lower()}'")
    if OPEN_REQUEST.search(bare):
        return Classified(Stance.OPEN, "open question: 'tell me / describe / say more'")
    later = next((c for c in CLAUSE.split(bare)[1:] if IMPERATIVE.search(c)), None)
    if reflection and later:
        return Classified(Stance.UNSURE, "a reflection stem and an imperative")
    if IMPERATIVE.search(bare) or later:
        return Classified(Stance.ADVICE, f"imperative: '{(later or bare).split()[0].lower()}'")
    statement = sentence.rstrip().endswith(".")  # transcribed speech often has no final mark: a question then
    if OPEN_START.search(bare) and not (statement and reflection) and not (statement and YOU_CLAUSE.search(bare)):
        return Classified(Stance.OPEN, "open question: starts with a wh-word")
    if AUXILIARY.search(bare) and (question or not reflection):
        return Classified(Stance.CLOSED, "closed question: starts with an auxiliary")
    if reflection:
        return Classified(Stance.REFLECTION, f"reflection: '{reflection.group(0).lower()}'")
    if question:
        return Classified(Stance.CLOSED, "closed question: a statement asked as a question")
    if YOU_START.search(bare) or (SO_START.search(bare) and YOU_CLAUSE.search(bare)):
        return Classified(Stance.REFLECTION, "reflection: a statement about the coachee")
    return Classified(Stance.OTHER, "no question, reflection or advice cue")


def classify(utterance: str) -> Classified:
    """One coach turn (any number of sentences) → its strongest move and the rule behind it."""
    parts = [_sentence(s) for s in _sentences(utterance)]
    if not parts:
        return Classified(Stance.OTHER, "empty")
    if any(p.stance is Stance.UNSURE for p in parts) and not any(p.stance is Stance.ADVICE for p in parts):
        return next(p for p in parts if p.stance is Stance.UNSURE)
    return min(parts, key=lambda p: STRENGTH.index(p.stance))



# ---------------------------------------------------------------------------------------------- per session

# MITI 4.2.1 (Moyers et al. 2016) reference thresholds for the reflection-to-question ratio: 1:1 "fair",
# 2:1 "good". Shown as indicators, never as a verdict on the coach.
RQ_FAIR, RQ_GOOD = 1.0, 2.0


@dataclass(frozen=True)
class Turn:
    start_s: float
    end_s: float
    speaker: str
    text: str
    stance: Stance | None  # the coach's turns only
    rule: str
    sentences: tuple[Stance, ...]  # each sentence's move (what the indicators count)


@dataclass(frozen=True)
class Indicators:
    minutes: float
    coach_talk_share: float | None
    questions: int
    open_questions: int
    reflections: int
    advice: int

    @property
    def questions_per_10_min(self) -> float | None:
        return self.questions / self.minutes * 10 if self.minutes else None

    @property
    def advice_per_10_min(self) -> float | None:
        return self.advice / self.minutes * 10 if self.minutes else None

    @property
    def open_share(self) -> float | None:
        return self.open_questions / self.questions if self.questions else None

    @property
    def reflection_to_question(self) -> float | None:
        return self.reflections / self.questions if self.questions else None

    @property
    def rq_band(self) -> str:
        ratio = self.reflection_to_question
        if ratio is None:
            return "no questions asked"
        if ratio >= RQ_GOOD:
            return "at or above MITI's 2:1 'good' reference"
        if ratio >= RQ_FAIR:
            return "at or above MITI's 1:1 'fair' reference"
        return "below MITI's 1:1 'fair' reference"


def turns(segments: Iterable[tuple[float, float, str, str]], coach: str) -> list[Turn]:
    """Consecutive segments of one speaker as one turn; the coach's turns classified sentence by sentence."""
    merged: list[tuple[float, float, str, str]] = []
    for start, end, speaker, text in segments:
        if merged and merged[-1][2] == speaker:
            first, _end, _speaker, said = merged[-1]
            merged[-1] = (first, end, speaker, f"{said} {text}".strip())
        else:
            merged.append((start, end, speaker, text.strip()))
    result = []
    for start, end, speaker, text in merged:
        if speaker == coach:
            label = classify(text)
            result.append(Turn(start, end, speaker, text, label.stance, label.rule,
                               tuple(_sentence(s).stance for s in _sentences(text))))
        else:
            result.append(Turn(start, end, speaker, text, None, "", ()))
    return result


def indicators(session_turns: Iterable[Turn], duration_s: float) -> Indicators:
    listed = list(session_turns)
    coach = [t for t in listed if t.stance is not None]
    talk = sum(t.end_s - t.start_s for t in listed)
    moves = [s for t in coach for s in t.sentences]
    open_count = moves.count(Stance.OPEN)
    return Indicators(duration_s / 60, sum(t.end_s - t.start_s for t in coach) / talk if talk else None,
                      open_count + moves.count(Stance.CLOSED), open_count, moves.count(Stance.REFLECTION),
                      moves.count(Stance.ADVICE))


# ---------------------------------------------------------------------------------------------- suggested evidence

SUGGESTED_TAGS = {Stance.OPEN: Tag.ASKED_OPEN_QUESTION, Stance.REFLECTION: Tag.REFLECTED,
                  Stance.ADVICE: Tag.ADVISED_TOLD}


def suggestions(session_turns: Iterable[Turn]) -> list[Turn]:
    """The coach's turns a rater may accept as tagged evidence: open questions, reflections, advice."""
    return [t for t in session_turns if t.stance in SUGGESTED_TAGS]


def as_evidence(turn: Turn, competency_id: str, max_clip_s: float | None = None) -> Evidence:
    """The accepted suggestion as evidence for a competency: the turn's time (at most one clip long), its words
    as the quote, the tag its move stands for, and the rule in the note (so it can be told from hand-pinned)."""
    if turn.stance not in SUGGESTED_TAGS:
        raise ValueError(f"a {turn.stance} turn is not suggested as evidence")
    end = turn.end_s if max_clip_s is None else min(turn.end_s, turn.start_s + max_clip_s)
    return Evidence(competency_id, round(turn.start_s, 2), round(end, 2), turn.text,
                    SUGGESTED_TAGS[turn.stance].value, f"accepted suggestion ({turn.rule})")
