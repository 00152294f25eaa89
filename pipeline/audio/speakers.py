"""Whose speech: speech stretches joined with each participant's lip activity.

At every analysed frame inside a stretch of speech, the speaker is the visible participant
whose lips move most, if anyone's move at all (`lips_active_std`); speech while no visible
lips move is `unseen` (typically a candidate recording their own side without a self-view).
Labels are then smoothed over `speaker_smooth_ms` (a word's lip motion may pause while the
voice goes on) and cut into segments at the frames where the speaker changes.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from pipeline.config import PipelineConfig
from pipeline.types import BoolArray, FloatArray, IntArray, Span, SpeechSegment

UNSEEN = "unseen"
# Speech while visible lips are still but someone's face is not seen: it may be theirs (an
# interviewer who turned away while talking) or nobody's in the picture; neighbours decide.
UNDECIDED = "?"


def frame_speakers(
    timestamp_ms: IntArray,
    activity: FloatArray,
    ids: list[str],
    spans: list[Span],
    config: PipelineConfig,
) -> list[str | None]:
    """The speaker at each analysed frame, by that frame's lips alone: an id, `unseen`, or
    None outside speech (`smooth` then settles flickers).

    Args:
        timestamp_ms: `(T,)` analysed frame times.
        activity: `(P, T)` lip activity of each participant (`lips.lip_activity`), NaN where
            their face is not seen.
        ids: the `P` participant ids.
        spans: speech stretches `(start_ms, end_ms)`, in order.
        config: `lips_active_std`, `speaker_smooth_ms`.
    """
    speaking = inside(timestamp_ms, spans).tolist()
    relative = activity / active_levels(timestamp_ms, activity, spans, config)[:, None]
    labels: list[str | None] = [
        _loudest_lips(relative[:, k], ids, config) if speaking[k] else None
        for k in range(timestamp_ms.shape[0])
    ]
    for a, b in spans:
        lo, hi = np.searchsorted(timestamp_ms, [a, b], side="left").tolist()
        _fill_quiet_lips(labels, relative, ids, np.arange(lo, hi))
    return labels


def _fill_quiet_lips(
    labels: list[str | None], relative: FloatArray, ids: list[str], frames: IntArray
) -> None:
    """Within one stretch of speech, frames where no lips move enough go to the person whose
    lips moved most over the whole stretch, when that is enough: some speakers barely move
    their lips for a second or two (a moment's `unseen` there would be nobody's)."""
    if not ids or frames.shape[0] == 0:
        return
    part = relative[:, frames]
    seen = np.isfinite(part)
    counts = seen.sum(axis=1)
    means = np.where(counts > 0, np.where(seen, part, 0.0).sum(axis=1) / np.maximum(counts, 1), -1)
    if float(means.max()) < 1.0:
        return
    winner = ids[int(means.argmax())]
    for k in frames.tolist():
        if labels[k] == UNSEEN:
            labels[k] = winner


def active_levels(
    timestamp_ms: IntArray, activity: FloatArray, spans: list[Span], config: PipelineConfig
) -> FloatArray:
    """Each participant's lip activity that counts as moving, `(P,)`: `lips_active_std`, or
    `lips_still_factor` times their own still level where that is higher.

    The still level is the median of their activity at frames half a lip window or more
    away from any speech (nobody talks there, so their lips rest; the median holds when some
    of those frames are speech the voice detector missed).
    """
    margin = config.lips_window_ms // 2
    far = ~inside(timestamp_ms, [(a - margin, b + margin) for a, b in spans])
    levels = np.full(activity.shape[0], config.lips_active_std, dtype=np.float32)
    for i, row in enumerate(activity):
        rest = row[far & np.isfinite(row)]
        if rest.shape[0] >= 5:  # a handful of frames at rest, or the floor alone
            still = float(np.median(rest)) * config.lips_still_factor
            levels[i] = max(levels[i], still)
    return levels


def inside(timestamp_ms: IntArray, spans: list[Span]) -> BoolArray:
    """`(T,)` True at the frames inside any of the spans."""
    out = np.zeros(timestamp_ms.shape[0], dtype=bool)
    for a, b in spans:
        lo, hi = np.searchsorted(timestamp_ms, [a, b], side="left").tolist()
        out[lo:hi] = True
    return out


def _loudest_lips(relative: FloatArray, ids: list[str], config: PipelineConfig) -> str:
    if not ids:
        return UNSEEN
    if not np.isfinite(relative).all():
        moving = np.where(np.isfinite(relative), relative, -1.0)
        return ids[int(moving.argmax())] if float(moving.max()) >= 1.0 else UNDECIDED
    top = int(relative.argmax())
    best = float(relative[top])
    rest = np.delete(relative, top)
    dominant = (
        rest.shape[0] > 0
        and best >= config.lips_dominance_min
        and best >= config.lips_dominance_ratio * float(rest.max())
    )
    return ids[top] if best >= 1.0 or dominant else UNSEEN


def smooth(timestamp_ms: IntArray, raw: list[str | None], window_ms: int) -> list[str | None]:
    """Each speech frame's label becomes the most common among the speech frames within the
    centred window of `window_ms`; frames outside speech stay None."""
    t = timestamp_ms
    lo = np.searchsorted(t, t - window_ms // 2, side="left").tolist()
    hi = np.searchsorted(t, t + window_ms // 2, side="right").tolist()
    out: list[str | None] = []
    for k, label in enumerate(raw):
        near = Counter(r for r in raw[lo[k] : hi[k]] if r not in (None, UNDECIDED))
        out.append(None if label is None else near.most_common(1)[0][0] if near else label)
    return out


def settle(activity: FloatArray, ids: list[str], labels: list[str | None]) -> list[str | None]:
    """Frames still undecided after smoothing (nobody's lips moving for a while, someone's
    face unseen) go to the participant whose face is missing, if only one is, else `unseen`.

    Args:
        activity: `(P, T)` lip activity, NaN where a face is not seen.
        ids: the `P` participant ids.
        labels: smoothed frame labels.
    """
    out: list[str | None] = []
    for k, label in enumerate(labels):
        if label != UNDECIDED:
            out.append(label)
            continue
        missing = [ids[i] for i in np.flatnonzero(~np.isfinite(activity[:, k])).tolist()]
        out.append(missing[0] if len(missing) == 1 else UNSEEN)
    return out


def segments(
    timestamp_ms: IntArray,
    raw: list[str | None],
    smoothed: list[str | None],
    spans: list[Span],
) -> list[SpeechSegment]:
    """Speech segments: each stretch of speech cut where its frames' (smoothed) speaker
    changes, halfway between the two frames.

    Confidence is the share of the segment's frames whose own (raw) label agrees with it;
    0 for a stretch too short to hold an analysed frame, which is `unseen`.
    """
    out: list[SpeechSegment] = []
    t = timestamp_ms.tolist()
    for a, b in spans:
        lo, hi = np.searchsorted(timestamp_ms, [a, b], side="left").tolist()
        labels = [(_seen(smoothed[k]), _seen(raw[k])) for k in range(lo, hi)]
        out.extend(_cut(a, b, t[lo:hi], labels))
    return out


def _seen(label: str | None) -> str:
    return UNSEEN if label in (None, UNDECIDED) else str(label)


def _cut(a: int, b: int, times: list[int], labels: list[tuple[str, str]]) -> list[SpeechSegment]:
    if not labels:
        return [SpeechSegment(a, b, UNSEEN, 0.0)]
    out: list[SpeechSegment] = []
    start, run = a, 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i][0] != labels[run][0]:
            end = b if i == len(labels) else (times[i - 1] + times[i]) // 2
            who = labels[run][0]
            agree = sum(r == who for _, r in labels[run:i]) / (i - run)
            out.append(SpeechSegment(start, end, who, round(agree, 3)))
            start, run = end, i
    return out


def absorb_unseen(segments: list[SpeechSegment], config: PipelineConfig) -> list[SpeechSegment]:
    """Short speech with no lips moving (`unseen`, under `unseen_absorb_ms`) goes to the
    nearer seen speaker's speech within `unseen_absorb_gap_ms`: a phrase of the same
    sentence whose lips the mesh saw barely move, not a third party."""
    out = list(segments)
    for i, s in enumerate(out):
        if s.speaker != UNSEEN or s.end_ms - s.start_ms >= config.unseen_absorb_ms:
            continue
        near = [(s.start_ms - out[i - 1].end_ms, out[i - 1].speaker)] if i else []
        if i + 1 < len(out):
            near.append((out[i + 1].start_ms - s.end_ms, out[i + 1].speaker))
        seen = sorted((gap, who) for gap, who in near if who != UNSEEN)
        if seen and seen[0][0] < config.unseen_absorb_gap_ms:
            out[i] = SpeechSegment(s.start_ms, s.end_ms, seen[0][1], s.confidence)
    return out


def quiet_party(segments: list[SpeechSegment], ids: list[str]) -> list[SpeechSegment]:
    """In a two-person call with both people in sight, speech from nobody seen is the one
    whose lips never showed them speaking, if only one of them never did: a person whose
    lips the mesh sees barely move (a beard, glasses and a downcast face) talks as
    `unseen`, while the call has nobody else to say it. Such segments get confidence 0:
    no frame's lips agree.

    Args:
        segments: speech segments with their speakers, in time order.
        ids: the participant ids (the caller checks that there are two, each in a tile of
            their own).
    """
    talking = {s.speaker for s in segments}
    silent = [i for i in ids if i not in talking]
    if UNSEEN not in talking or len(silent) != 1:
        return segments
    return [
        SpeechSegment(s.start_ms, s.end_ms, silent[0], 0.0) if s.speaker == UNSEEN else s
        for s in segments
    ]
