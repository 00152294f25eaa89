"""Composes the stages: decode -> landmarks -> signals -> calibrate -> aggregate -> outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.config import PipelineConfig

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]
WarnFn = Callable[[str], None]


class Canceled(Exception):
    """The caller asked to stop (should_cancel returned True)."""


def analyze_video(
    video: str | Path,
    out_dir: str | Path,
    config: PipelineConfig | None = None,
    *,
    participant: str = "auto",
    annotate: bool = False,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
    on_warning: WarnFn | None = None,
) -> dict[str, Any]:
    """Analyses one recording and writes result.json, frames.csv and report.html.

    Args:
        video: path of the recording.
        out_dir: directory for the outputs; files are written atomically (temp + rename).
        config: thresholds; defaults to `PipelineConfig()`.
        participant: `auto`, an index, or a normalised box `x,y,w,h`.
        annotate: also write annotated.mp4.
        on_progress: called with (stage, fraction 0-1) as work advances.
        should_cancel: polled between frames; True stops with `Canceled`.
        on_warning: receives one-line warnings (a truncated file, ...).

    Returns:
        The result.json body.

    Raises:
        DecodeError: the file is not a decodable video.
        Canceled: should_cancel returned True.
    """
    raise NotImplementedError
