"""The `cuewatch` command end to end: real clips, every bad input, eval, record."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.config import FIT_GRID
from pipeline.outputs.output import FRAME_COLUMNS
from pipeline.types import ATTENTION_LABELS, LandmarkSeries
from tests.conftest import LANDMARKS_DIR, shared_path


def cuewatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        samples = (np.sin(np.arange(8000) / 5) * 3000).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _bad_input(kind: str, tmp: Path) -> Path:
    if kind == "text":
        path = tmp / "notes.mp4"
        path.write_text("this is not a video\n" * 50)
    elif kind == "empty":
        path = tmp / "empty.mp4"
        path.touch()
    elif kind == "audio":
        path = _audio_only(tmp / "voice.wav")
    else:
        path = tmp / "missing.mp4"
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("text", "not a video file"),  # a text file named .mp4
        ("empty", "empty file"),  # zero bytes
        ("audio", "no video stream"),  # a real media file without video
        ("missing", "file not found"),  # a typo in the path
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(kind: str, reason: str, tmp_path: Path) -> None:
    video = _bad_input(kind, tmp_path)
    result = cuewatch("analyze", str(video), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("cuewatch: cannot decode") and reason in lines[0]
    assert not (tmp_path / "out" / "result.json").exists()


def test_invalid_participant_is_refused(tmp_path: Path) -> None:
    video = shared_path("videos/studio_mead_w023_1080p.mp4")
    result = cuewatch("analyze", str(video), "--participant", "1.5,0,2,1", "--out", str(tmp_path))
    assert result.returncode == 2 and "participant box" in result.stderr


@pytest.mark.parametrize(("flag", "value"), [("--fps", "nan"), ("--window-s", "-5")])
def test_a_setting_no_stage_can_use_is_refused(flag: str, value: str, tmp_path: Path) -> None:
    video = shared_path("videos/talk_blazer.mp4")
    result = cuewatch("analyze", str(video), flag, value, "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("cuewatch: PipelineConfig.")


def _read_frames(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open() as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.mediapipe
def test_analyze_writes_the_contract_files(tmp_path: Path) -> None:
    video = shared_path("videos/interview_woman_talking.mp4")
    result = cuewatch("analyze", str(video), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    header, rows = _read_frames(tmp_path / "frames.csv")
    assert header == list(FRAME_COLUMNS)
    doc = json.loads((tmp_path / "result.json").read_text())
    for key in (
        "schema_version",
        "media",
        "pipeline",
        "participants",
        "summary",
        "windows",
        "events",
        "advice",
    ):
        assert key in doc
    assert len(rows) == doc["media"]["frames_analysed"] and len(rows) > 60
    times = [int(r["timestamp_ms"]) for r in rows]
    assert times == sorted(times) and times[0] == 0
    assert {r["attention"] for r in rows} <= set(ATTENTION_LABELS)
    # She talks to the camera throughout: almost every frame is on the screen.
    assert np.mean([r["attention"] == "screen" for r in rows]) > 0.9
    assert (tmp_path / "report.html").stat().st_size > 1000


@pytest.mark.mediapipe
def test_analyze_hears_the_speech_it_starts_before_loading_the_models(tmp_path: Path) -> None:
    # The command starts the sound's thread itself, ahead of the models' imports: the speech
    # must be what the pipeline finds when it starts that thread on its own.
    from pipeline.analyze import analyze_video

    video = shared_path("videos/talk_blazer.mp4")  # a man talking to the camera, with sound
    result = cuewatch("analyze", str(video), "--out", str(tmp_path / "cli"))
    assert result.returncode == 0, result.stderr
    heard = json.loads((tmp_path / "cli" / "result.json").read_text())["speech"]
    assert heard["audio"] == "speech" and heard["segments"]
    assert heard == analyze_video(video, tmp_path / "direct")["speech"]


@pytest.mark.mediapipe
def test_truncated_file_is_analysed_as_far_as_it_decodes(tmp_path: Path) -> None:
    source = shared_path("videos/webcam_lighting_sweep.wmv")
    cut = tmp_path / "cut.wmv"
    cut.write_bytes(source.read_bytes()[: int(source.stat().st_size * 0.6)])
    result = cuewatch("analyze", str(cut), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "truncated or corrupt: decoding stopped at" in result.stderr
    _, rows = _read_frames(tmp_path / "out" / "frames.csv")
    assert 5 < len(rows) < 29  # part of the 29 frames of the whole clip


@pytest.mark.mediapipe
def test_record_reproduces_the_committed_recording(tmp_path: Path) -> None:
    video = shared_path("videos/phone_eyes_center.mp4")
    out = tmp_path / "rec.npz"
    result = cuewatch("record", str(video), str(out))
    assert result.returncode == 0, result.stderr
    fresh, committed = (
        LandmarkSeries.load(out),
        LandmarkSeries.load(LANDMARKS_DIR / "phone_eyes_center.npz"),
    )
    np.testing.assert_array_equal(fresh.timestamp_ms, committed.timestamp_ms)
    np.testing.assert_allclose(fresh.face, committed.face, atol=2e-3, equal_nan=True)


@pytest.mark.mediapipe
@pytest.mark.slow
def test_eval_on_the_labelled_clips_meets_the_bar(tmp_path: Path, data_dir: Path) -> None:
    # The acceptance figure: every labelled clip through the whole pipeline.
    out = tmp_path / "eval.json"
    result = cuewatch("eval", str(data_dir), "--json", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    # The floor is what the code scores in sample on the 39 shared clips and the project's 7
    # (issue 12: macro-F1 0.924 on 41 clips, 0.911 on 46; 0.827 before); the
    # cross-validated figure, which new recordings can expect, is in tests/test_crossval.py.
    assert report["macro_f1"] >= 0.90, result.stdout
    assert report["screen_f1"] >= 0.965, result.stdout
    assert "macro" in result.stdout.lower()


def test_eval_refuses_a_folder_without_labels(tmp_path: Path) -> None:
    result = cuewatch("eval", str(tmp_path))
    assert result.returncode == 2 and "no labels/ folder" in result.stderr


@pytest.mark.mediapipe
def test_eval_resolves_videos_relative_to_the_data_dir(tmp_path: Path) -> None:
    label = shared_path("labels/phone_eyes_center_left_center.json")
    shared_path("videos/phone_eyes_center_left_center.mp4")
    (tmp_path / "labels").mkdir()
    shutil.copy(label, tmp_path / "labels" / label.name)
    (tmp_path / "videos").symlink_to(label.parents[1] / "videos")
    out = tmp_path / "eval.json"
    result = cuewatch("eval", str(tmp_path), "--json", str(out), "--no-project-labels")
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["frames"] > 50 and len(report["clips"]) == 1


def _data_dir_with(tmp_path: Path, *names: str) -> Path:
    """A data folder holding some of the shared labels, the shared videos linked in."""
    (tmp_path / "labels").mkdir()
    for name in names:
        label = shared_path(f"labels/{name}.json")
        shutil.copy(label, tmp_path / "labels" / label.name)
    (tmp_path / "videos").symlink_to(shared_path("videos"))
    return tmp_path


CV_CLIPS = ("phone_eyes_center_left_center", "phone_eyes_center_right_center", "vox_downcast")


def test_eval_cv_prints_held_out_figures_beside_in_sample(tmp_path: Path) -> None:
    data = _data_dir_with(tmp_path, *CV_CLIPS)
    out = tmp_path / "cv.json"
    args = ("--cv", "--cache", str(LANDMARKS_DIR), "--no-project-labels", "--json", str(out))
    result = cuewatch("eval", str(data), *args)
    assert result.returncode == 0, result.stderr
    assert "in sample" in result.stdout and "cross-validated" in result.stdout
    report = json.loads(out.read_text())
    held_out, shipped = report["cross_validated"], report["in_sample"]
    assert [c["name"] for c in held_out["clips"]] == sorted(CV_CLIPS)
    assert held_out["frames"] == shipped["frames"] > 100  # the same frames, scored twice
    assert set(report["fitted"]) == set(FIT_GRID)
    assert all(len(v) == len(CV_CLIPS) for v in report["fold_values"].values())


def test_fit_prints_the_fitted_config_fields(tmp_path: Path) -> None:
    data = _data_dir_with(tmp_path, *CV_CLIPS)
    result = cuewatch("fit", str(data), "--cache", str(LANDMARKS_DIR), "--no-project-labels")
    assert result.returncode == 0, result.stderr
    for name in FIT_GRID:
        assert f"    {name}: float = " in result.stdout


def test_fit_refuses_a_folder_without_labels(tmp_path: Path) -> None:
    result = cuewatch("fit", str(tmp_path))
    assert result.returncode == 2 and "no labels/ folder" in result.stderr


def test_eval_cv_needs_two_clips_to_hold_one_out(tmp_path: Path) -> None:
    one = _data_dir_with(tmp_path, "vox_downcast")
    args = ("--cv", "--cache", str(LANDMARKS_DIR), "--no-project-labels")
    result = cuewatch("eval", str(one), *args)
    assert result.returncode == 2 and "at least two labelled recordings" in result.stderr
