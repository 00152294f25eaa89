"""Writing the contract files: frames.csv and result.json, atomically."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.types import ATTENTION_LABELS, BoolArray, Participant

SCHEMA_VERSION = "1.0"

FRAME_COLUMNS = (
    "timestamp_ms",
    "participant",
    "face_present",
    "confidence",
    "head_yaw_deg",
    "head_pitch_deg",
    "head_roll_deg",
    "gaze_yaw_deg",
    "gaze_pitch_deg",
    "eye_openness",
    "hands_visible",
    "attention",
    "note_taking",
    "speaking",
)


def _num(value: float, digits: int = 2) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def _rows(p: Participant, speaking: BoolArray | None) -> Iterator[tuple[int, str, list[str]]]:
    s = p.signals
    for i in range(len(s)):
        present = bool(s.face_present[i])
        yield (
            int(s.timestamp_ms[i]),
            p.id,
            [
                str(int(s.timestamp_ms[i])),
                p.id,
                str(int(present)),
                _num(float(s.confidence[i])),
                _num(float(s.head_yaw_deg[i]), 1),
                _num(float(s.head_pitch_deg[i]), 1),
                _num(float(s.head_roll_deg[i]), 1),
                _num(float(s.gaze_yaw_deg[i]), 1),
                _num(float(s.gaze_pitch_deg[i]), 1),
                _num(float(s.eye_openness[i]), 3),
                str(int(s.hands_visible[i])),
                ATTENTION_LABELS[int(p.states.attention[i])],
                str(int(bool(p.note_taking[i]))),
                str(int(speaking is not None and bool(speaking[i]))),
            ],
        )


def frames_csv(
    participants: list[Participant], speaking: dict[str, BoolArray] | None = None
) -> str:
    """The frames.csv text: one row per analysed frame per participant, by time.

    Args:
        participants: analysed participants (each with `(T,)` signals and states).
        speaking: `(T,)` per participant id, True where they speak (0 where not given).

    Returns:
        CSV text with the `FRAME_COLUMNS` header.
    """
    talk = speaking or {}
    rows = sorted(
        (r for p in participants for r in _rows(p, talk.get(p.id))), key=lambda r: (r[0], r[1])
    )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FRAME_COLUMNS)
    writer.writerows(r[2] for r in rows)
    return buf.getvalue()


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def to_json(obj: Any) -> str:
    """JSON text with NaN/inf turned into null (strict JSON)."""
    return json.dumps(_json_safe(obj), indent=1, allow_nan=False)


def write_atomic(path: str | Path, text: str) -> None:
    """Writes text to path through a temporary file and a rename, so readers never see half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
