"""Turns: the conversation as a person would mark it, and who plays which role.

A turn is one speaker's speech with its short pauses: consecutive segments of the same
speaker, closer than `turn_pause_ms`, with nobody else's speech between them. Roles:
`interviewer` is the judged participant; `candidate` is the other party of the call — the
speaker, other than the interviewer, with the most speech (a visible participant, or
`unseen` when the candidate is not in the picture); anyone else is `other`.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.config import PipelineConfig
from pipeline.types import SpeechSegment, Turn

Run = tuple[int, int, str]


def turns(segments: list[SpeechSegment], interviewer: str, config: PipelineConfig) -> list[Turn]:
    """The turns of the conversation, in time order, with ids `t1`, `t2`, ...

    Args:
        segments: speech segments with their speakers, in time order.
        interviewer: the judged participant's id.
        config: `turn_pause_ms`, `turn_min_ms`.
    """
    runs = _join(sorted(segments, key=lambda s: s.start_ms), config.turn_pause_ms)
    kept = [r for r in runs if r[1] - r[0] >= config.turn_min_ms]
    roles = _roles(segments, interviewer)
    return [Turn(f"t{i + 1}", a, b, who, roles[who]) for i, (a, b, who) in enumerate(kept)]


def _join(segments: list[SpeechSegment], pause_ms: int) -> list[Run]:
    runs: list[Run] = []
    for s in segments:
        if runs and runs[-1][2] == s.speaker and s.start_ms - runs[-1][1] < pause_ms:
            runs[-1] = (runs[-1][0], max(runs[-1][1], s.end_ms), s.speaker)
        else:
            runs.append((s.start_ms, s.end_ms, s.speaker))
    return runs


def _roles(segments: list[SpeechSegment], interviewer: str) -> dict[str, str]:
    talk: dict[str, int] = defaultdict(int)
    for s in segments:
        talk[s.speaker] += s.end_ms - s.start_ms
    others = sorted((t, who) for who, t in talk.items() if who != interviewer)
    candidate = others[-1][1] if others else None
    roles = {who: "other" for who in talk}
    roles[interviewer] = "interviewer"
    if candidate is not None:
        roles[candidate] = "candidate"
    return roles
