"""The conversation of one recording: speech, whose it is, turns, and the interviewer's
attention during each answer, as `result.json`'s `speech` (ARCHITECTURE section 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.audio import speakers
from pipeline.audio.lips import lip_activity, mouth_opening
from pipeline.audio.speech import speech_spans, with_status
from pipeline.audio.turns import turns as find_turns
from pipeline.config import PipelineConfig
from pipeline.types import (
    ATTENTION_LABELS,
    BoolArray,
    FloatArray,
    IntArray,
    LandmarkSeries,
    SpeechActivity,
    SpeechSegment,
    Turn,
)


@dataclass(frozen=True)
class Conversation:
    """Who speaks when: the activity (with its settled `audio`), segments and turns."""

    activity: SpeechActivity
    segments: list[SpeechSegment]
    turns: list[Turn]


def conversation(
    activity: SpeechActivity,
    people: dict[str, LandmarkSeries],
    interviewer: str,
    config: PipelineConfig,
    *,
    two_tiles: bool = False,
) -> Conversation:
    """Joins speech activity with everyone's lips into segments and turns.

    Args:
        activity: the track's voice activity (`speech.voice_activity`).
        people: each participant's landmarks by id, all on the same analysed frames.
        interviewer: the judged participant's id.
        config: speech, lip and turn thresholds.
        two_tiles: the picture is two tiles with one person alone in each (see
            `whose_speech`; `analyze.two_person_gallery` decides it).
    """
    spans = speech_spans(activity, config)
    ids = list(people)
    if not spans or not ids:
        return Conversation(with_status(activity, spans), [], [])
    t = people[ids[0]].timestamp_ms
    lips = np.stack([lip_activity(t, mouth_opening(people[i]), config.lips_window_ms) for i in ids])
    segs = whose_speech(t, lips, ids, spans, config, two_tiles=two_tiles)
    return Conversation(with_status(activity, spans), segs, find_turns(segs, interviewer, config))


def whose_speech(
    timestamp_ms: IntArray,
    lips: FloatArray,
    ids: list[str],
    spans: list[tuple[int, int]],
    config: PipelineConfig,
    *,
    two_tiles: bool = False,
) -> list[SpeechSegment]:
    """Speech segments with their speakers (`speakers`: each frame's lips, smoothed), then
    short unseen phrases and short pauses join their neighbours.

    Args:
        timestamp_ms: `(T,)` analysed frame times.
        lips: `(P, T)` each participant's lip activity (`lips.lip_activity`), NaN unseen.
        ids: the `P` participant ids.
        spans: speech stretches `(start_ms, end_ms)`, in order.
        config: lip, speaker and segment thresholds.
        two_tiles: the picture is two tiles, one of the `P` = 2 participants alone in
            each (a two-person call's gallery): when one of them never speaks by the lips while
            speech comes from nobody seen, that speech is theirs (`speakers.quiet_party`).
    """
    t = timestamp_ms
    raw = speakers.frame_speakers(t, lips, ids, spans, config)
    labels = speakers.settle(lips, ids, speakers.smooth(t, raw, config.speaker_smooth_ms))
    segs = speakers.absorb_unseen(speakers.segments(t, raw, labels, spans), config)
    if two_tiles and len(ids) == 2:
        segs = speakers.quiet_party(segs, ids)
    return _merge_close(segs, config.speaker_hold_ms)


def _merge_close(segments: list[SpeechSegment], pause_ms: int) -> list[SpeechSegment]:
    out: list[SpeechSegment] = []
    for s in segments:
        last = out[-1] if out else None
        if last and last.speaker == s.speaker and s.start_ms - last.end_ms < pause_ms:
            conf = (last.confidence + s.confidence) / 2
            out[-1] = SpeechSegment(last.start_ms, s.end_ms, s.speaker, round(conf, 3))
        else:
            out.append(s)
    return out


def speaking(conv: Conversation, pid: str, timestamp_ms: IntArray) -> BoolArray:
    """`(T,)` True where one of `pid`'s segments covers the frame (frames.csv `speaking`)."""
    out = np.zeros(timestamp_ms.shape[0], dtype=bool)
    for s in conv.segments:
        if s.speaker == pid:
            lo, hi = np.searchsorted(timestamp_ms, [s.start_ms, s.end_ms], side="left").tolist()
            out[lo:hi] = True
    return out


def state_shares(
    timestamp_ms: IntArray, attention: Any, note_taking: BoolArray, start_ms: int, end_ms: int
) -> dict[str, float] | None:
    """Shares of each attention state and of note-taking over the frames in a time range;
    None when no analysed frame falls in it."""
    inside = (timestamp_ms >= start_ms) & (timestamp_ms < end_ms)
    n = int(inside.sum())
    if not n:
        return None
    codes = np.asarray(attention)[inside]
    shares = {
        label: round(float((codes == i).sum()) / n, 3) for i, label in enumerate(ATTENTION_LABELS)
    }
    shares["note_taking"] = round(float(note_taking[inside].sum()) / n, 3)
    return shares


def talk_share(conv: Conversation, duration_ms: int) -> dict[str, float]:
    """Shares of the recording with the interviewer, the candidate (and others) speaking,
    and with nobody speaking."""
    roles = {t.speaker: t.role for t in conv.turns}
    covered = {"interviewer": 0, "candidate": 0, "other": 0}
    for s in conv.segments:
        covered[roles.get(s.speaker, "other")] += s.end_ms - s.start_ms
    spoken = sum(b - a for a, b in _union([(s.start_ms, s.end_ms) for s in conv.segments]))
    total = max(duration_ms, 1)
    out = {k: round(v / total, 3) for k, v in covered.items() if v or k != "other"}
    out["silence"] = round(max(0, total - spoken) / total, 3)
    return out


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def speech_json(
    conv: Conversation,
    timestamp_ms: IntArray,
    attention: Any,
    note_taking: BoolArray,
    duration_ms: int,
) -> dict[str, Any]:
    """`result.json`'s `speech`: audio status, segments, turns (candidate turns with the
    interviewer's state shares during them) and talk shares.

    Args:
        conv: the conversation.
        timestamp_ms: `(T,)` the interviewer's analysed frame times.
        attention: `(T,)` the interviewer's attention codes.
        note_taking: `(T,)` the interviewer's note-taking flags.
        duration_ms: the recording's duration.
    """
    turns = []
    for t in conv.turns:
        item: dict[str, Any] = {
            "id": t.id,
            "start_ms": t.start_ms,
            "end_ms": t.end_ms,
            "speaker": t.speaker,
            "role": t.role,
        }
        if t.role == "candidate":
            item["interviewer"] = state_shares(
                timestamp_ms, attention, note_taking, t.start_ms, t.end_ms
            )
        turns.append(item)
    audio_end = conv.activity.end_ms if conv.activity.audio != "no_audio" else 0.0
    return {
        "audio": conv.activity.audio,
        "audio_end_ms": round(audio_end),
        "segments": [
            {
                "start_ms": s.start_ms,
                "end_ms": s.end_ms,
                "speaker": s.speaker,
                "confidence": s.confidence,
            }
            for s in conv.segments
        ],
        "turns": turns,
        "talk_share": talk_share(conv, duration_ms) if conv.segments else {},
    }
