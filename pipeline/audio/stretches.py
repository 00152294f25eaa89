"""Whose speech, decided over a stretch: each person's lips against their own lips at rest.

Frame by frame, lip activity is noisy (five analysed frames a second, a mesh whose lips
jitter), and absolute levels mislead: some people talk with lips the mesh sees barely move,
a soft face's lips jitter at rest more than a sharp face's move in talk. So each stretch of
speech that the frames propose (`speakers.segments`) is settled as a whole: for each person
the mean log lip activity over the stretch is compared with their own at rest (the frames
away from any speech, where nobody talks): the shift in their own rest's standard
deviations, and how sure that is given how many lip windows the stretch holds. A person
whose lips move clearly more than their own rest, for long enough to be sure, is talking;
the speaker is the one who moves most past their rest. Nobody's lips moving is `unseen`
speech, unless one face is lost for most of the stretch (they turned away while talking).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio.speakers import UNSEEN, Span, inside
from pipeline.config import PipelineConfig
from pipeline.types import FloatArray, IntArray, SpeechSegment

# Added to lip activity before its log: below the mesh's resolution of a mouth's opening.
ACTIVITY_FLOOR = 1e-4


def rest_lips(
    timestamp_ms: IntArray, activity: FloatArray, spans: list[Span], config: PipelineConfig
) -> tuple[FloatArray, FloatArray]:
    """Each person's log lip activity at rest: its mean and standard deviation, `(P,)` each.

    Rest is the frames half a lip window or more away from any speech; a call with too few
    of them (no pauses between turns) takes each person's quietest `lips_rest_quantile` of
    frames instead (they listen for at least that share of the call).

    Args:
        timestamp_ms: `(T,)` analysed frame times.
        activity: `(P, T)` lip activity, NaN where a face is not seen.
        spans: speech stretches `(start_ms, end_ms)`.
        config: `lips_window_ms`, `lips_rest_min_frames`, `lips_rest_quantile`,
            `lips_rest_sd_min`.
    """
    margin = config.lips_window_ms // 2
    far = inside(timestamp_ms, [(a - margin, b + margin) for a, b in spans])
    far = ~far
    mean = np.zeros(activity.shape[0], dtype=np.float32)
    sd = np.full(activity.shape[0], config.lips_rest_sd_min, dtype=np.float32)
    for i, row in enumerate(activity):
        logs = np.log(_rest(row, far, config) + ACTIVITY_FLOOR)
        if logs.shape[0]:
            mean[i] = float(logs.mean())
            sd[i] = max(float(logs.std()), config.lips_rest_sd_min)
    return mean, sd


def _rest(row: FloatArray, far: IntArray, config: PipelineConfig) -> FloatArray:
    known = np.isfinite(row)
    rest = row[far & known]
    if rest.shape[0] >= config.lips_rest_min_frames:
        return rest
    values = row[known]
    if not values.shape[0]:
        return values
    return values[values <= np.percentile(values, 100 * config.lips_rest_quantile)]


@dataclass(frozen=True)
class Evidence:
    """Everyone's lips over one stretch of speech.

    Attributes:
        shift: `(P,)` mean log lip activity over the stretch minus the person's at rest.
        z: `(P,)` that shift in standard errors of their rest; -inf for a face not seen for
            most of the stretch.
        length_ms: the stretch's length.
    """

    shift: FloatArray
    z: FloatArray
    length_ms: int


def evidence(
    part: FloatArray, rest: tuple[FloatArray, FloatArray], length_ms: int, config: PipelineConfig
) -> Evidence:
    """The lips' evidence over a stretch of `length_ms` from its frames' activity `(P, n)`
    (NaN unseen): one independent look at the lips per lip window."""
    seen = np.isfinite(part)
    visible = seen.mean(axis=1) >= 0.5 if part.shape[1] else np.zeros(part.shape[0], bool)
    logs = np.where(seen, np.log(np.where(seen, part, 1.0) + ACTIVITY_FLOOR), 0.0)
    shift = logs.sum(axis=1) / np.maximum(seen.sum(axis=1), 1) - rest[0]
    looks = max(length_ms / config.lips_window_ms, 1.0)
    z = np.where(visible, shift / rest[1] * np.sqrt(looks), -np.inf)
    return Evidence(shift.astype(np.float32), z.astype(np.float32), length_ms)


def stretch_speaker(
    ev: Evidence, ids: list[str], config: PipelineConfig, typical: FloatArray | None = None
) -> str:
    """The speaker of one stretch of speech from everyone's lips over it.

    Args:
        ev: the lips' evidence over the stretch.
        ids: the `P` participant ids.
        config: `lips_shift_min`, `lips_sure_z`, `lips_margin_z`, `lips_typical_share`.
        typical: `(P,)` each person's shift when they talk (`talk_shifts`; NaN unknown): a
            stretch is theirs only if it reaches `lips_typical_share` of it.

    Returns:
        A participant id or `unseen`.
    """
    if not ids:
        return UNSEEN
    enough = np.ones(len(ids), bool)
    if typical is not None:
        enough = ~(ev.shift < config.lips_typical_share * typical)  # NaN: unknown, enough
    talking = (ev.z >= config.lips_sure_z) & (ev.shift >= np.log(config.lips_shift_min))
    talking &= enough
    if talking.any():
        return ids[int(np.argmax(np.where(talking, ev.z / np.sqrt(ev.length_ms), -np.inf)))]
    # A phrase too short to tell speakers apart by a margin is left to its neighbours
    # (`speakers.absorb_unseen`).
    visible = np.isfinite(ev.z)
    if ev.length_ms >= config.unseen_absorb_ms and visible.sum() >= 2:
        top = int(np.argmax(ev.z))
        if _dominates(ev.z, config.lips_margin_z) and enough[top]:
            return ids[top]
    missing = np.flatnonzero(~visible).tolist()
    return ids[missing[0]] if len(missing) == 1 else UNSEEN


def _dominates(z: FloatArray, margin: float) -> bool:
    top, second = np.sort(z[np.isfinite(z)])[::-1][:2].tolist()
    return top > 0 and top - second >= margin


def talk_shifts(
    evidences: list[Evidence], labels: list[str], ids: list[str], config: PipelineConfig
) -> FloatArray:
    """Each person's typical shift when talking, `(P,)`: the median over the stretches
    given to them that are long enough to judge (`unseen_absorb_ms`), NaN with fewer than
    two such."""
    out = np.full(len(ids), np.nan, dtype=np.float32)
    for i, pid in enumerate(ids):
        mine = [
            float(e.shift[i])
            for e, who in zip(evidences, labels, strict=True)
            if who == pid and e.length_ms >= config.unseen_absorb_ms
        ]
        if len(mine) >= 2:
            out[i] = float(np.median(mine))
    return out


def settle_stretches(
    timestamp_ms: IntArray,
    activity: FloatArray,
    ids: list[str],
    proposed: list[SpeechSegment],
    *,
    rest: tuple[FloatArray, FloatArray],
    config: PipelineConfig,
) -> list[SpeechSegment]:
    """Each proposed segment's speaker decided from the lips over the whole of it
    (`stretch_speaker`), twice: the second time each person's stretches must reach their
    own typical talking shift found the first time (a listener's lips jitter, but far less
    than that person's talking moves them); bounds and confidence are kept.

    Args:
        timestamp_ms: `(T,)` analysed frame times.
        activity: `(P, T)` lip activity, NaN where a face is not seen.
        ids: the `P` participant ids.
        proposed: segments whose bounds the frames found (`speakers.segments`).
        rest: each person's log rest activity (`rest_lips`).
        config: the lip thresholds.
    """
    evs = []
    for s in proposed:
        lo, hi = np.searchsorted(timestamp_ms, [s.start_ms, s.end_ms], side="left").tolist()
        evs.append(evidence(activity[:, lo:hi], rest, s.end_ms - s.start_ms, config))
    first = [stretch_speaker(e, ids, config) for e in evs]
    typical = talk_shifts(evs, first, ids, config)
    return [
        SpeechSegment(s.start_ms, s.end_ms, stretch_speaker(e, ids, config, typical), s.confidence)
        for s, e in zip(proposed, evs, strict=True)
    ]
