"""The scoring subcommands of `cuewatch`: eval (with --cv) and fit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.config import PipelineConfig
from service.cli_pipeline import _config, _fail

# Labels the project adds to the shared ones (clips the shared set leaves unlabelled); their
# videos are named relative to the data directory like the shared labels'.
PROJECT_LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "labels"


def _label_dirs(args: argparse.Namespace) -> list[Path]:
    use = getattr(args, "project_labels", True) and PROJECT_LABELS.is_dir()
    return [PROJECT_LABELS] if use else []


def _series(label: Any, config: PipelineConfig, cache: Path | None) -> Any:
    """The clip's landmark series: from the cache when there, else recorded (and cached)."""
    from pipeline.analyze import locate_and_record
    from pipeline.people.record import Hooks
    from pipeline.types import LandmarkSeries

    cached = cache / f"{label.name}.npz" if cache else None
    if cached is not None and cached.exists():
        return LandmarkSeries.load(cached)
    box = label.participant_box
    spec = "auto" if box is None else ",".join(str(v) for v in box)
    rec, chosen = locate_and_record(label.video, config, spec, Hooks())
    series = rec.people[chosen].series
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        series.save(cached)
    return series


def _clips(args: argparse.Namespace, config: PipelineConfig) -> list[Any]:
    """Every labelled clip with a video, ready to predict under any config."""
    from pipeline.evaluation import evaluate as ev
    from pipeline.evaluation.crossval import clip_from_series

    cache = Path(args.cache) if args.cache else None
    labels = ev.labelled_clips(args.data_dir, _label_dirs(args))
    clips = []
    for i, label in enumerate(labels):
        print(f"[{i + 1}/{len(labels)}] {label.name}", file=sys.stderr)
        clips.append(clip_from_series(label, _series(label, config, cache)))
    return clips


def _write_json(path: str | None, obj: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(obj, indent=1))


def evaluate(args: argparse.Namespace) -> int:
    """`cuewatch eval DATA_DIR [--cv]`: scores the states against the labelled clips."""
    from pipeline.evaluation import evaluate as ev

    if not (Path(args.data_dir) / "labels").is_dir():
        return _fail(f"no labels/ folder in {str(args.data_dir)!r}")
    config = _config(args)
    clips = _clips(args, config)
    shipped = ev.summarize([ev.score_clip(c.label, *c.predict(config)) for c in clips])
    if not args.cv:
        print(ev.format_report(shipped))
        _write_json(args.json_out, ev.report_to_json(shipped))
        return 0
    return _print_cv(args, config, clips, shipped)


def _print_cv(
    args: argparse.Namespace, config: PipelineConfig, clips: list[Any], shipped: Any
) -> int:
    from pipeline.evaluation import evaluate as ev
    from pipeline.evaluation.crossval import cross_validate, cv_to_json, format_cv
    from pipeline.evaluation.provenance import data_dir_groups

    groups = data_dir_groups(args.data_dir, [c.label.name for c in clips])
    if len(set(groups)) < 2:
        return _fail(f"--cv needs at least two labelled recordings, found {len(set(groups))}")
    result = cross_validate(clips, config, groups=groups)
    print("== in sample: PipelineConfig as shipped, scored on the clips it was tuned on ==")
    print(ev.format_report(shipped))
    print(format_cv(result))
    _write_json(args.json_out, {"in_sample": ev.report_to_json(shipped), **cv_to_json(result)})
    return 0


def fit(args: argparse.Namespace) -> int:
    """`cuewatch fit DATA_DIR`: prints the fitted values for `PipelineConfig`."""
    from pipeline.evaluation import evaluate as ev
    from pipeline.evaluation.crossval import config_block, fit_values

    if not (Path(args.data_dir) / "labels").is_dir():
        return _fail(f"no labels/ folder in {str(args.data_dir)!r}")
    config = _config(args)
    clips = _clips(args, config)
    if not clips:
        return _fail(f"no labelled clip with a video in {str(args.data_dir)!r}")
    fitted, report = fit_values(clips, config)
    print(
        f"# PipelineConfig fields fitted by `cuewatch fit` (macro-F1 in sample "
        f"{report.macro_f1:.3f} over {report.frames} frames of {len(clips)} clips)"
    )
    print(config_block(fitted), end="")
    _write_json(args.json_out, {"fitted": fitted, "in_sample": ev.report_to_json(report)})
    return 0
