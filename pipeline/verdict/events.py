"""Events with a start, an end, a confidence and a plain description of what was seen."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.attention.runs import Run, clock, merge_runs, runs, seconds
from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries, BoolArray, FloatArray, IntArray, StateArray
from pipeline.verdict.episodes import Episode
from pipeline.verdict.levels import Levels, drop_spans

Event = dict[str, Any]
# Events that read as attention going elsewhere; advice looks at how they cluster.
NEGATIVE_TYPES = ("eye_contact_lost", "looking_away", "face_absent", "eyes_closed")


def event(kind: str, start_ms: int, end_ms: int, confidence: float, detail: str) -> Event:
    """One JSON-ready event (without its id, given once all events are sorted)."""
    return {
        "type": kind,
        "start_ms": int(start_ms),
        "end_ms": int(end_ms),
        "confidence": round(float(confidence), 2),
        "detail": detail,
    }


def run_confidence(run: Run, min_ms: int, face_confidence: FloatArray | None) -> float:
    """Longer than the minimum and seen with a confident face means surer.

    Args:
        run: the stretch of frames.
        min_ms: the event's minimum duration; twice that counts as fully sustained.
        face_confidence: `(T,)` per-frame face confidence, or None for a run without a face
            (where only the duration speaks).
    """
    sustained = min(1.0, run.duration_ms / (2 * min_ms))
    seen = np.array([]) if face_confidence is None else face_confidence[run.start : run.stop]
    face = float(np.nanmean(seen)) if np.any(~np.isnan(seen)) else 1.0
    return (0.5 + 0.45 * sustained) * min(max(face, 0.0), 1.0)


_STATE_EVENTS = (
    ("looking_away", Attention.AWAY, "looking_away_min_ms", "Looked to the side or up for {d}."),
    ("eyes_closed", Attention.CLOSED, "eyes_closed_min_ms", "Kept the eyes closed for {d}."),
    ("face_absent", Attention.ABSENT, "face_absent_min_ms", "Was out of view for {d}."),
)


def state_events(
    states: AttentionSeries,
    end_ms: IntArray,
    face_confidence: FloatArray,
    config: PipelineConfig,
) -> list[Event]:
    """Looking away, eyes closed and face absent, each held at least its minimum duration.

    Args:
        states: attention states, `(T,)`.
        end_ms: `(T,)` frame end times.
        face_confidence: `(T,)` face confidence.
        config: the `*_min_ms` thresholds.
    """
    found: list[Event] = []
    for kind, state, threshold, text in _STATE_EVENTS:
        min_ms = int(getattr(config, threshold))
        faceless = state == Attention.ABSENT
        for run in runs(states.attention == state, states.timestamp_ms, end_ms):
            if run.duration_ms >= min_ms:
                conf = run_confidence(run, min_ms, None if faceless else face_confidence)
                detail = text.format(d=seconds(run.duration_ms))
                found.append(event(kind, run.start_ms, run.end_ms, conf, detail))
    return found


def _composition(codes: StateArray) -> dict[str, float]:
    n = max(len(codes), 1)
    off = {"down": Attention.DOWN, "aside": Attention.AWAY, "closed": Attention.CLOSED}
    return {name: float(np.sum(codes == a) / n) for name, a in off.items()}


def _describe_off_screen(run: Run, mix: dict[str, float]) -> str:
    parts = ", ".join(f"{k} {v:.0%}" for k, v in sorted(mix.items(), key=lambda kv: -kv[1]) if v)
    return f"Looked off the screen for {seconds(run.duration_ms)} ({parts}), not taking notes."


def eye_contact_events(
    states: AttentionSeries,
    note_taking: BoolArray,
    end_ms: IntArray,
    face_confidence: FloatArray,
    config: PipelineConfig,
) -> list[Event]:
    """Sustained stretches off the screen with the face in view and no note-taking.

    Stretches that are almost all one sideways look or one closure are left to
    `looking_away` and `eyes_closed`, so this mostly reports looking down (phone, reading)
    and mixed wandering.

    Args:
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        end_ms: `(T,)` frame end times.
        face_confidence: `(T,)` face confidence.
        config: `eye_contact_lost_min_ms`, `eye_contact_return_min_ms`.
    """
    codes = states.attention
    off = (codes != Attention.SCREEN) & (codes != Attention.ABSENT) & ~note_taking
    stretches = merge_runs(runs(off, states.timestamp_ms, end_ms), config.eye_contact_return_min_ms)
    found: list[Event] = []
    for run in stretches:
        mix = _composition(codes[run.start : run.stop])
        # Almost all one sideways look or one closure: its own event says it better.
        single = max(mix["aside"], mix["closed"]) >= 0.8
        if run.duration_ms < config.eye_contact_lost_min_ms or single:
            continue
        conf = run_confidence(run, config.eye_contact_lost_min_ms, face_confidence)
        found.append(
            event(
                "eye_contact_lost", run.start_ms, run.end_ms, conf, _describe_off_screen(run, mix)
            )
        )
    return found


def note_taking_events(episodes: list[Episode], config: PipelineConfig) -> list[Event]:
    """A start and a stop event per episode; the stop is the end of the last look down.

    The stop's confidence also weighs how long the quiet after it was observed: a stop just
    before the recording ends may only be a pause.

    Args:
        episodes: note-taking episodes.
        config: gives `note_max_gap_ms`, the quiet that makes a stop certain.
    """
    found: list[Event] = []
    for ep in episodes:
        looks, span = len(ep.glances), seconds(ep.end_ms - ep.start_ms)
        found.append(
            event(
                "note_taking_started",
                ep.start_ms,
                ep.start_ms,
                ep.confidence,
                f"Began a note-taking rhythm: {looks} looks down with returns to the screen over "
                f"{span}.",
            )
        )
        held = min(1.0, ep.quiet_after_ms / config.note_max_gap_ms)
        found.append(
            event(
                "note_taking_stopped",
                ep.end_ms,
                ep.end_ms,
                ep.confidence * held,
                f"Stopped the note-taking rhythm begun at {clock(ep.start_ms)}; no look down for "
                f"the next {seconds(ep.quiet_after_ms)}.",
            )
        )
    return found


def _drop_event(run: Run, levels: Levels, att: FloatArray, config: PipelineConfig) -> Event | None:
    """A run of below-level frames as a drop event, when it lasted long enough."""
    if run.duration_ms < config.engagement_drop_min_ms:
        return None
    before = float(levels.earlier[run.start])
    during = float(np.mean(att[run.start : run.stop]))
    excess = (before - during - config.engagement_drop_share) / config.engagement_drop_share
    detail = (
        f"Looked at the screen or took notes {during:.0%} of the time from "
        f"{clock(run.start_ms)} to {clock(run.end_ms)}, against {before:.0%} in the "
        "minutes before."
    )
    conf = 0.5 + 0.45 * min(1.0, max(0.0, excess))
    return event("engagement_drop", run.start_ms, run.end_ms, conf, detail)


def drop_events(
    levels: Levels,
    att: FloatArray,
    timestamp_ms: IntArray,
    end_ms: IntArray,
    config: PipelineConfig,
) -> list[Event]:
    """Sustained falls of the attending level below this person's own earlier level.

    Args:
        levels: per-frame current and earlier levels.
        att: `(T,)` attending indicator.
        timestamp_ms: `(T,)` frame times.
        end_ms: `(T,)` frame end times.
        config: `engagement_drop_share`, `engagement_drop_min_ms`.
    """
    spans = drop_spans(levels, config.engagement_drop_share)
    found = [
        _drop_event(Run(a, b, int(timestamp_ms[a]), int(end_ms[b - 1])), levels, att, config)
        for a, b in spans
    ]
    return [e for e in found if e is not None]
