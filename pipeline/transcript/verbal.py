"""The transcript's verbal signs: who the interviewer is, and the signs of each of their cues."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.config import PipelineConfig
from pipeline.transcript.signs import is_question, utterance_signs
from pipeline.transcript.text import normalize
from pipeline.transcript.utterances import SIGNS, Transcript, TranscriptError, Utterance
from pipeline.types import Span

SUMMARY_KEYS = {
    "question": "questions",
    "follow_up": "follow_ups",
    "logistics": "logistics",
    "selling": "selling",
    "career_advice": "career_advice",
}


@dataclass(frozen=True)
class SignedUtterance:
    """A cue with its speaker's role (interviewer / candidate / other) and, for the
    interviewer, its signs (a subset of `SIGNS`, in that order)."""

    utterance: Utterance
    role: str
    signs: tuple[str, ...]


@dataclass(frozen=True)
class Verbal:
    """The verbal half of the analysis (ARCHITECTURE section 6)."""

    format: str
    interviewer_speaker: str
    interviewer_chosen_by: str
    utterances: tuple[SignedUtterance, ...]

    def summary(self) -> dict[str, int]:
        """Count of interviewer utterances with each sign."""
        counts = Counter(s for u in self.utterances for s in u.signs)
        return {SUMMARY_KEYS[s]: counts[s] for s in SIGNS}


def choose_interviewer(
    transcript: Transcript,
    named: str | None,
    lips: Sequence[Span] = (),
    config: PipelineConfig | None = None,
) -> tuple[str, str]:
    """The interviewer's speaker name and how it was chosen ("named", "lips" or
    "most_questions").

    Args:
        transcript: the parsed transcript.
        named: the name the user gave, matched without regard to case, or None to infer.
        lips: when the judged participant speaks `(start_ms, end_ms)`, from the sound and
            their lips (the conversation's segments); empty when unknown.
        config: the lip-choice thresholds (defaults when None).

    Raises:
        TranscriptError: the named speaker is not in the transcript, or no cue names a speaker.
    """
    speakers = transcript.speakers
    if not speakers:
        raise TranscriptError("the transcript names no speakers, so its interviewer is unknown")
    if named is not None:
        match = [s for s in speakers if s.casefold() == named.strip().casefold()]
        if not match:
            raise TranscriptError(
                f"interviewer speaker {named!r} is not in the transcript; "
                f"its speakers are {', '.join(map(repr, speakers))}"
            )
        return match[0], "named"
    by_lips = _speaker_by_lips(transcript, lips, config or PipelineConfig())
    if by_lips is not None:
        return by_lips, "lips"
    questions = Counter(u.speaker for u in transcript.utterances if is_question(normalize(u.text)))
    cues = Counter(u.speaker for u in transcript.utterances)
    return max(speakers, key=lambda s: (questions[s], cues[s])), "most_questions"


def _speaker_by_lips(
    transcript: Transcript, lips: Sequence[Span], config: PipelineConfig
) -> str | None:
    """The transcript speaker whose cues the judged participant's speech covers, when one
    clearly stands out; None when the speech says too little to tell."""
    if sum(b - a for a, b in lips) < config.verbal_lips_min_speech_ms:
        return None
    covered = Counter[str]()
    spoken = Counter[str]()
    for u in transcript.utterances:
        spoken[u.speaker] += max(u.end_ms - u.start_ms, 0)
        covered[u.speaker] += sum(max(0, min(b, u.end_ms) - max(a, u.start_ms)) for a, b in lips)
    shares = sorted(
        ((covered[s] / spoken[s], s) for s in transcript.speakers if spoken[s] > 0), reverse=True
    )
    if not shares or shares[0][0] < config.verbal_lips_min_share:
        return None
    runner_up = shares[1][0] if len(shares) > 1 else 0.0
    return shares[0][1] if shares[0][0] - runner_up >= config.verbal_lips_min_margin else None


def roles(transcript: Transcript, interviewer: str) -> dict[str, str]:
    """Role per speaker: the interviewer, the candidate (the other speaker with the most
    words), everyone else "other"."""
    spoken = Counter[str]()
    for u in transcript.utterances:
        if u.speaker != interviewer:
            spoken[u.speaker] += len(u.text.split())
    out = {s: "other" for s in spoken}
    if spoken:
        out[spoken.most_common(1)[0][0]] = "candidate"
    out[interviewer] = "interviewer"
    return out


def analyze_verbal(
    transcript: Transcript,
    config: PipelineConfig,
    interviewer: str | None = None,
    lips: Sequence[Span] = (),
) -> Verbal:
    """Find the interviewer and the signs of each of their cues.

    Args:
        transcript: the parsed transcript.
        config: thresholds.
        interviewer: the interviewer's speaker name if the user gave one.
        lips: when the judged participant speaks (see `choose_interviewer`).

    Raises:
        TranscriptError: see `choose_interviewer`.
    """
    speaker, chosen_by = choose_interviewer(transcript, interviewer, lips, config)
    role_of = roles(transcript, speaker)
    out: list[SignedUtterance] = []
    answer: list[str] = []
    for u in transcript.utterances:
        role = role_of[u.speaker]
        if role == "interviewer":
            opening = not any("question" in o.signs for o in out)
            signs = utterance_signs(u.text, " ".join(answer), config, opening=opening)
            out.append(SignedUtterance(u, role, signs))
            continue
        if role == "candidate":
            # An answer is the candidate's cues since someone else last spoke.
            answer = [*answer, u.text] if out and out[-1].role == "candidate" else [u.text]
        out.append(SignedUtterance(u, role, ()))
    return Verbal(transcript.format, speaker, chosen_by, tuple(out))
