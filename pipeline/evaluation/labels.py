"""Labelled clips (ARCHITECTURE section 4): reading and checking `labels/*.json`."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from pipeline.types import ATTENTION_LABELS, Attention

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Segment:
    """A labelled stretch `[start_ms, end_ms]` of one attention state."""

    start_ms: int
    end_ms: int
    attention: Attention


@dataclass(frozen=True)
class LabelFile:
    """One parsed `labels/<name>.json`.

    Attributes:
        name: file stem, e.g. `studio_d0_glance`.
        video: the clip, resolved against the data directory (it may not exist).
        participant_box: normalised `(x, y, w, h)` of the person to score; None for a
            single-person clip.
        segments: sorted by `start_ms`, never overlapping (adjacent is fine); checked on
            construction.
        note_taking: `(start_ms, end_ms)` episodes.
    """

    name: str
    video: Path
    participant_box: Box | None
    segments: list[Segment]
    note_taking: list[tuple[int, int]]

    def __post_init__(self) -> None:
        # Scoring looks a frame's segment up by start time, which needs them ordered and apart.
        for a, b in pairwise(self.segments):
            if b.start_ms < a.end_ms:
                raise ValueError(
                    f"segments overlap or are out of order: {a.start_ms}-{a.end_ms} ms "
                    f"then {b.start_ms}-{b.end_ms} ms"
                )


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(raw).__name__}")
    return raw


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"{where} must be a list, got {type(raw).__name__}")
    return raw


def _ms(raw: object, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"{where} must be a non-negative integer of ms, got {raw!r}")
    return raw


def _span(raw: object, where: str) -> tuple[int, int]:
    obj = _object(raw, where)
    start = _ms(obj.get("start_ms"), f"{where}.start_ms")
    end = _ms(obj.get("end_ms"), f"{where}.end_ms")
    if end < start:
        raise ValueError(f"{where} ends before it starts ({start} > {end} ms)")
    return start, end


def _segment(raw: object, where: str) -> Segment:
    start, end = _span(raw, where)
    if end == start:
        raise ValueError(f"{where} is empty ({start} ms to {end} ms)")
    label = _object(raw, where).get("attention")
    if label not in ATTENTION_LABELS:
        expected = ", ".join(ATTENTION_LABELS)
        raise ValueError(f"{where}.attention must be one of {expected}, got {label!r}")
    return Segment(start, end, Attention.from_label(label))


def _segments(raw: object) -> list[Segment]:
    items = _list(raw, "segments")
    segments = (_segment(item, f"segments[{i}]") for i, item in enumerate(items))
    return sorted(segments, key=lambda s: s.start_ms)


def _note_taking(raw: object) -> list[tuple[int, int]]:
    items = _list(raw, "note_taking")
    return [_span(item, f"note_taking[{i}]") for i, item in enumerate(items)]


def _box(raw: object) -> Box | None:
    if raw is None:
        return None
    if isinstance(raw, list) and len(raw) == 4 and all(_is_number(v) for v in raw):
        x, y, w, h = (float(v) for v in raw)
        if min(x, y) >= 0 and w > 0 and h > 0 and max(x, y, w, h) <= 1:
            return (x, y, w, h)
    raise ValueError(f"participant_box must be null or normalised [x, y, w, h], got {raw!r}")


def _video(raw: object, root: Path) -> Path:
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"video must be a path relative to the data dir, got {raw!r}")
    return root / raw


def _load_label(path: Path, root: Path) -> LabelFile:
    try:
        obj = _object(json.loads(path.read_text(encoding="utf-8")), "the file")
        return LabelFile(
            name=path.stem,
            video=_video(obj.get("video"), root),
            participant_box=_box(obj.get("participant_box")),
            segments=_segments(obj.get("segments")),
            note_taking=_note_taking(obj.get("note_taking", [])),
        )
    except ValueError as exc:  # includes JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"malformed label file '{path}': {exc}") from exc


def load_labels(data_dir: str | Path, extra_dirs: Sequence[str | Path] = ()) -> list[LabelFile]:
    """Reads every `labels/*.json` of a data directory, and of any further label folders.

    `participant_box` and `note_taking` may be omitted (None and no episodes); `video` and
    `segments` may not. Videos are not required to exist (see `run_eval`). Labels kept
    elsewhere (the project's own, `tests/data/labels`) name their videos relative to the
    data directory too.

    Args:
        data_dir: directory holding `labels/` and the videos the labels name.
        extra_dirs: further folders of `*.json` label files for the same data directory.

    Returns:
        The label files, sorted by name.

    Raises:
        FileNotFoundError: `data_dir/labels` or an extra folder is not a directory.
        ValueError: a label file is malformed (the message names the file and the field),
            or two folders label a clip of the same name.
    """
    root = Path(data_dir).resolve()
    paths: dict[str, Path] = {}
    for folder in (root / "labels", *(Path(d) for d in extra_dirs)):
        if not folder.is_dir():
            raise FileNotFoundError(f"no labels directory '{folder}'")
        for path in sorted(folder.glob("*.json")):
            if path.stem in paths:
                raise ValueError(f"'{path.stem}' is labelled twice: '{paths[path.stem]}', '{path}'")
            paths[path.stem] = path
    return [_load_label(paths[name], root) for name in sorted(paths)]
