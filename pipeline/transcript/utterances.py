"""The transcript's data: one `Utterance` per cue, in file order.

These small frozen records belong with the other stage data in `pipeline.types`; they live
here until the stage layout has landed, so that this stage's branch adds files only.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("zoom_vtt", "teams_vtt", "srt", "json")
SIGNS = ("question", "follow_up", "logistics", "selling", "career_advice")


class TranscriptError(ValueError):
    """A transcript that cannot be used: unparseable, empty, or timed outside the recording."""


@dataclass(frozen=True)
class Utterance:
    """One transcript cue.

    Attributes:
        cue: 1-based index of the cue in the file.
        start_ms: start, integer milliseconds from the start of the recording.
        end_ms: end, integer milliseconds (>= start_ms).
        speaker: the speaker's name as the file gives it ("" when the cue names nobody).
        text: the words, tags removed, whitespace collapsed to single spaces.
    """

    cue: int
    start_ms: int
    end_ms: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: its format (one of `FORMATS`), its cues in file order, and the
    file's name (for messages)."""

    format: str
    utterances: tuple[Utterance, ...]
    name: str = "transcript"

    @property
    def speakers(self) -> tuple[str, ...]:
        """Named speakers in order of first appearance."""
        return tuple(dict.fromkeys(u.speaker for u in self.utterances if u.speaker))
