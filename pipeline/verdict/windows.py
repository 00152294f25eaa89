"""Fixed windows over the recording: coverage, state shares and the disengagement score."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.config import PipelineConfig
from pipeline.types import (
    ATTENTION_LABELS,
    Attention,
    AttentionSeries,
    BoolArray,
    FloatArray,
    IntArray,
    StateArray,
)
from pipeline.verdict.levels import attending, earlier_level, span_mean

COMPONENTS = ("away", "down_not_notes", "closed", "absent", "below_own_level")


def window_bounds(duration_ms: int, window_ms: int) -> list[tuple[int, int]]:
    """Consecutive `[start, end)` spans tiling `[0, duration_ms)`; the last one may be short.

    Args:
        duration_ms: length of the recording; 0 gives no windows.
        window_ms: window length.
    """
    return [(s, min(s + window_ms, duration_ms)) for s in range(0, max(duration_ms, 0), window_ms)]


def disengagement_score(components: dict[str, float | None], config: PipelineConfig) -> float:
    """The 0-100 score of one span from its components (shares of its analysed frames).

    Off-screen behaviours count by their severity; when an earlier level exists, a fixed part
    of the score is the relative fall below it.

    Args:
        components: `COMPONENTS` keys; `below_own_level` None when there is no earlier level.
        config: severities and the weight of the personal part.
    """
    severity = {
        "away": config.score_severity_away,
        "down_not_notes": config.score_severity_down,
        "closed": config.score_severity_closed,
        "absent": config.score_severity_absent,
    }
    off = sum(weight * float(components[k] or 0.0) for k, weight in severity.items())
    below = components["below_own_level"]
    if below is None:
        return round(100.0 * min(off, 1.0), 1)
    w = config.score_weight_below_own
    return round(100.0 * min((1.0 - w) * off + w * below, 1.0), 1)


def _shares(codes: StateArray, notes: BoolArray) -> dict[str, float]:
    n = max(len(codes), 1)
    ratios = {label: float(np.sum(codes == a) / n) for a, label in enumerate(ATTENTION_LABELS)}
    ratios["down_not_notes"] = float(np.sum((codes == Attention.DOWN) & ~notes) / n)
    ratios["note_taking"] = float(np.sum(notes) / n)
    return ratios


def _below_own(current: float, earlier: float) -> float | None:
    if np.isnan(earlier):
        return None
    return max(0.0, earlier - current) / earlier if earlier > 0 else 0.0


def _abstain_reason(frames: int, coverage: float, config: PipelineConfig) -> str | None:
    if frames == 0:
        return "no analysed frames in this window"
    if coverage < config.min_window_coverage:
        return (
            f"face visible in {coverage:.0%} of this window; "
            f"{config.min_window_coverage:.0%} needed to judge"
        )
    return None


def _window(
    bounds: tuple[int, int],
    codes: StateArray,
    notes: BoolArray,
    *,
    earlier: float,
    step_ms: int,
    config: PipelineConfig,
) -> dict[str, Any]:
    start, end = bounds
    shares = _shares(codes, notes)
    present = int(np.sum(codes != Attention.ABSENT))
    coverage = min(1.0, present * step_ms / max(end - start, 1))
    reason = _abstain_reason(len(codes), coverage, config)
    current = float(np.mean((codes == Attention.SCREEN) | notes)) if len(codes) else 0.0
    components: dict[str, float | None] = {k: shares.get(k) for k in COMPONENTS[:-1]}
    components["below_own_level"] = _below_own(current, earlier)
    score = None if reason else disengagement_score(components, config)
    return {
        "start_ms": start,
        "end_ms": end,
        "coverage": round(coverage, 3),
        "disengagement_score": score,
        "abstain_reason": reason,
        "components": {
            k: (None if reason or v is None else round(v, 3)) for k, v in components.items()
        },
        "ratios": {k: round(shares[k] if len(codes) else 0.0, 3) for k in ATTENTION_LABELS},
        "note_taking_ratio": round(shares["note_taking"], 3),
        "frames_analysed": len(codes),
    }


def windows(
    states: AttentionSeries,
    note_taking: BoolArray,
    duration_ms: int,
    step_ms: int,
    config: PipelineConfig,
) -> list[dict[str, Any]]:
    """JSON-ready windows tiling the recording.

    Args:
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        duration_ms: recording length (windows cover `[0, duration_ms)`).
        step_ms: ordinary frame step, to turn face frames into covered time.
        config: `window_ms`, `min_window_coverage` and the score weights.

    Returns:
        One dict per window: start_ms, end_ms, coverage (share of the window with a face),
        disengagement_score (None when abstaining), abstain_reason, components, ratios (shares
        of the analysed frames, summing to 1 when there are any), note_taking_ratio,
        frames_analysed.
    """
    ts = states.timestamp_ms
    bounds = window_bounds(duration_ms, config.window_ms)
    starts: IntArray = np.array([b[0] for b in bounds], dtype=np.int64)
    present = states.attention != Attention.ABSENT
    att = attending(states, note_taking)
    earlier = earlier_level(ts, att, present, starts, step_ms=step_ms, config=config)
    cuts = np.searchsorted(ts, [b[1] for b in bounds], side="left")
    firsts = np.searchsorted(ts, starts, side="left")
    return [
        _window(
            b,
            states.attention[a:z],
            note_taking[a:z],
            earlier=float(e),
            step_ms=step_ms,
            config=config,
        )
        for b, a, z, e in zip(bounds, firsts, cuts, earlier, strict=True)
    ]


def running_scores(
    states: AttentionSeries, note_taking: BoolArray, step_ms: int, config: PipelineConfig
) -> FloatArray:
    """Each frame's score over the trailing `window_ms` (for the annotated video).

    Args:
        states: attention states, `(T,)`.
        note_taking: `(T,)` note-taking flag.
        step_ms: ordinary frame step.
        config: as for `windows`.

    Returns:
        `(T,)` scores, NaN where the trailing span has too little face to judge.
    """
    ts, codes = states.timestamp_ms, states.attention
    hi = ts + 1
    lo = hi - config.window_ms
    present = codes != Attention.ABSENT
    att = attending(states, note_taking)
    masks = {
        "away": codes == Attention.AWAY,
        "down_not_notes": (codes == Attention.DOWN) & ~note_taking,
        "closed": codes == Attention.CLOSED,
        "absent": ~present,
    }
    shares = {k: span_mean(ts, m.astype(np.float32), lo, hi)[0] for k, m in masks.items()}
    current, count = span_mean(ts, att, lo, hi)
    span = np.minimum(config.window_ms, ts - (ts[0] if len(ts) else 0) + step_ms)
    coverage = (1.0 - shares["absent"]) * count * step_ms / np.maximum(span, 1)
    earlier = earlier_level(ts, att, present, lo, step_ms=step_ms, config=config)
    scores = [
        disengagement_score(
            {
                **{k: float(v[i]) for k, v in shares.items()},
                "below_own_level": _below_own(float(current[i]), float(earlier[i])),
            },
            config,
        )
        for i in range(len(ts))
    ]
    judged = coverage >= config.min_window_coverage
    return np.where(judged, np.array(scores, dtype=np.float32), np.nan).astype(np.float32)
