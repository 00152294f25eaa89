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


def stretch_speaker(
    part: FloatArray,
    ids: list[str],
    rest: tuple[FloatArray, FloatArray],
    windows: float,
    config: PipelineConfig,
) -> str:
    """The speaker of one stretch of speech from everyone's lips over it.

    Args:
        part: `(P, n)` lip activity over the stretch's analysed frames, NaN where unseen.
        ids: the `P` participant ids.
        rest: each person's log rest activity, mean and standard deviation (`rest_lips`).
        windows: how many lip windows the stretch spans (its independent looks at the lips).
        config: `lips_shift_min`, `lips_sure_z`, `lips_margin_z`.

    Returns:
        A participant id or `unseen`.
    """
    if not ids or part.shape[1] == 0:
        return UNSEEN
    seen = np.isfinite(part)
    visible = seen.mean(axis=1) >= 0.5
    logs = np.where(seen, np.log(np.where(seen, part, 1.0) + ACTIVITY_FLOOR), 0.0)
    shift = logs.sum(axis=1) / np.maximum(seen.sum(axis=1), 1) - rest[0]
    looks = max(windows, 1.0)
    z = np.where(visible, shift / rest[1] * np.sqrt(looks), -np.inf)
    talking = (z >= config.lips_sure_z) & (shift >= np.log(config.lips_shift_min))
    if talking.any():
        return ids[int(np.argmax(np.where(talking, shift / rest[1], -np.inf)))]
    if visible.sum() >= 2 and _dominates(z, config.lips_margin_z):
        return ids[int(np.argmax(z))]
    missing = np.flatnonzero(~visible).tolist()
    return ids[missing[0]] if len(missing) == 1 else UNSEEN


def _dominates(z: FloatArray, margin: float) -> bool:
    top, second = np.sort(z[np.isfinite(z)])[::-1][:2].tolist()
    return top > 0 and top - second >= margin


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
    (`stretch_speaker`); its bounds and confidence are kept.

    Args:
        timestamp_ms: `(T,)` analysed frame times.
        activity: `(P, T)` lip activity, NaN where a face is not seen.
        ids: the `P` participant ids.
        proposed: segments whose bounds the frames found (`speakers.segments`).
        rest: each person's log rest activity (`rest_lips`).
        config: the lip thresholds.
    """
    out = []
    for s in proposed:
        lo, hi = np.searchsorted(timestamp_ms, [s.start_ms, s.end_ms], side="left").tolist()
        windows = (s.end_ms - s.start_ms) / config.lips_window_ms
        who = stretch_speaker(activity[:, lo:hi], ids, rest, windows, config)
        out.append(SpeechSegment(s.start_ms, s.end_ms, who, s.confidence))
    return out
