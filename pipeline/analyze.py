"""Composes the stages: decode -> landmarks -> signals -> calibrate -> aggregate -> outputs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline import aggregate, output, report
from pipeline.calibrate import classify
from pipeline.config import PipelineConfig
from pipeline.record import (
    FULL_FRAME,
    Canceled,
    CancelFn,
    Hooks,
    ProgressFn,
    WarnFn,
    box_for,
    parse_participant,
    record,
)
from pipeline.signals import compute_signals
from pipeline.types import LandmarkSeries, Participant, VideoInfo

__all__ = ["Canceled", "analyze_video"]

PIPELINE_VERSION = "0.1.0"


def analyse_series(series: LandmarkSeries, config: PipelineConfig) -> tuple[Participant, Any]:
    """Signals, states and aggregates of one participant's landmark series."""
    signals = compute_signals(series, config)
    states = classify(signals, config)
    duration = int(series.timestamp_ms[-1]) if len(series) else 0
    agg = aggregate.aggregate(signals, states, config, duration)
    person = Participant("p0", "interviewer", FULL_FRAME, signals, states, agg.note_taking)
    return person, agg


def _media(info: VideoInfo, series: LandmarkSeries) -> dict[str, Any]:
    last = int(series.timestamp_ms[-1]) if len(series) else 0
    return {
        "duration_ms": max(info.duration_ms, last),
        "fps": round(info.fps, 3),
        "width": info.width,
        "height": info.height,
        "codec": info.codec,
        "rotation_deg": info.rotation_deg,
        "frames_analysed": len(series),
    }


def _participant_json(p: Participant) -> dict[str, Any]:
    base = p.states.baseline
    return {
        "id": p.id,
        "role": p.role,
        "box": [round(v, 4) for v in p.box_xywh],
        "coverage": round(p.coverage, 4),
        "baseline": base.as_dict() if base else None,
    }


def _timeline(p: Participant) -> dict[str, Any]:
    return {
        "participant": p.id,
        "timestamp_ms": p.states.timestamp_ms.tolist(),
        "attention": p.states.labels(),
        "note_taking": p.note_taking.astype(int).tolist(),
    }


def build_result(
    info: VideoInfo, series: LandmarkSeries, person: Participant, agg: Any, config: PipelineConfig
) -> dict[str, Any]:
    """The result.json body (ARCHITECTURE section 3)."""
    return {
        "schema_version": output.SCHEMA_VERSION,
        "media": _media(info, series),
        "pipeline": {"version": PIPELINE_VERSION, "config": config.as_dict()},
        "participants": [_participant_json(person)],
        "interviewer": person.id,
        "summary": agg.summary,
        "windows": agg.windows,
        "events": agg.events,
        "advice": agg.advice,
        "timeline": _timeline(person),
    }


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
        ValueError: the participant spec is invalid.
        Canceled: should_cancel returned True.
    """
    config = config or PipelineConfig()
    hooks = Hooks(on_progress, should_cancel, on_warning)
    box = box_for(parse_participant(participant))
    info, series = record(video, config, box, hooks)
    hooks.progress("signals", 0.0)
    person, agg = analyse_series(series, config)
    person = replace(person, box_xywh=box)
    result = build_result(info, series, person, agg, config)
    hooks.check()
    _write(Path(out_dir), result, [person], video if annotate else None)
    hooks.progress("done", 1.0)
    return result


def _write(out: Path, result: dict[str, Any], people: list[Participant], video: Any) -> None:
    output.write_atomic(out / "frames.csv", output.frames_csv(people))
    output.write_atomic(out / "report.html", report.render_report(result, None))
    # result.json last: its presence means the analysis is complete.
    output.write_atomic(out / "result.json", output.to_json(result))
