"""The conversation end to end: generated two-party calls with real speech (who speaks when
is known from how they were assembled) and recordings without usable sound."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from pipeline.analyze import analyze_video
from pipeline.evaluation.speech import score_call, speaker_roles
from tests.conftest import REPO, shared_path
from tests.test_media_audio import make_call, tone


def _calls_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calls", REPO / "benchmarks" / "calls.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["calls"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def calls() -> ModuleType:
    return _calls_module()


def build_and_analyse(
    calls: ModuleType, name: str, folder: Path
) -> tuple[dict[str, Any], dict[str, Any], str]:
    data = shared_path("videos").parent
    spec = next(c for c in calls.CALLS if c.name == name)
    music = [
        np.concatenate([c.samples for c in calls.iter_audio(data / "videos" / m)])
        for m in calls.MUSIC_CLIPS
    ]
    video = calls.build(spec, data, folder, music)
    truth = json.loads((folder / f"{name}.truth.json").read_text())
    box = ",".join(str(v) for v in truth["boxes"]["interviewer"])
    result = analyze_video(video, folder / "out", participant=box)
    return result, truth, (folder / "out" / "frames.csv").read_text()


@pytest.mark.mediapipe
@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        # two tiles, the candidate seen; gaps of silence and music
        "gallery_edmarkey_obama",
        # the interviewer alone, the candidate heard but unseen; silence and music gaps
        "solo_katiehill_unseen",
    ],
)
def test_generated_call_speakers_and_turns(calls: ModuleType, name: str, tmp_path: Path) -> None:
    result, truth, frames = build_and_analyse(calls, name, tmp_path)
    score = score_call(result, truth)
    assert score["speech_right"] >= 0.9
    assert score["gap_clear"] >= 0.9
    assert score["turns_found"] == score["turns"] == 6
    speech = result["speech"]
    assert speech["audio"] == "speech"
    assert set(speech["talk_share"]) >= {"interviewer", "candidate", "silence"}
    answers = [t for t in speech["turns"] if t["role"] == "candidate"]
    assert len(answers) == 3
    for a in answers:  # the interviewer's attention during each answer, shares of its frames
        assert sum(v for k, v in a["interviewer"].items() if k != "note_taking") == pytest.approx(
            1, abs=0.01
        )
    _speaking_follows_the_questions(frames, result["interviewer"]["id"], truth)


@pytest.mark.mediapipe
@pytest.mark.slow
def test_a_quiet_lipped_candidate_in_a_two_tile_call_gets_his_own_speech(
    calls: ModuleType, tmp_path: Path
) -> None:
    # The man's lips barely move when he talks (0.003-0.008 against 0.002-0.005 at rest):
    # by the lips alone his answers are nobody's in the picture. With two people in two
    # tiles and him never seen speaking, they are his (confidence 0: no frame's lips say so).
    result, truth, _ = build_and_analyse(calls, "gallery_radio34_quietman", tmp_path)
    roles = speaker_roles(result, truth)
    him = next(pid for pid, role in roles.items() if role == "candidate")
    answered = [(t["start_ms"], t["end_ms"]) for t in truth["turns"] if t["speaker"] == "candidate"]
    heard: dict[str, int] = {}
    for s in result["speech"]["segments"]:
        for a, b in answered:
            overlap = min(b, s["end_ms"]) - max(a, s["start_ms"])
            if overlap > 0:
                heard[s["speaker"]] = heard.get(s["speaker"], 0) + overlap
    assert heard.get(him, 0) >= 0.9 * sum(heard.values())
    assert "unseen" not in heard
    answers = [t for t in result["speech"]["turns"] if t["role"] == "candidate"]
    assert [t["speaker"] for t in answers] == [him] * 3
    assert all(
        any(min(b, t["end_ms"]) - max(a, t["start_ms"]) > 0 for t in answers) for a, b in answered
    )


def _speaking_follows_the_questions(frames: str, interviewer: str, truth: dict[str, Any]) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(frames)) if r["participant"] == interviewer]
    asked = [(q["start_ms"], q["end_ms"]) for q in truth["turns"] if q["speaker"] == "interviewer"]

    def in_question(r: dict[str, str]) -> bool:
        return any(a <= int(r["timestamp_ms"]) < b for a, b in asked)

    inside = [r["speaking"] == "1" for r in rows if in_question(r)]
    outside = [r["speaking"] == "1" for r in rows if not in_question(r)]
    assert sum(inside) / len(inside) >= 0.8
    assert sum(outside) / len(outside) <= 0.1


@pytest.mark.mediapipe
def test_recording_without_audio_works_as_before(tmp_path: Path) -> None:
    result = analyze_video(shared_path("videos/composite_camera_off_and_back.mp4"), tmp_path)
    assert result["speech"] == {
        "audio": "no_audio",
        "audio_end_ms": 0,
        "segments": [],
        "turns": [],
        "talk_share": {},
        "answers": {"count": 0, "longest_ms": None, "median_ms": None},
    }
    assert result["summary"]["disengagement_score"] is not None


@pytest.mark.mediapipe
def test_silent_track_is_no_speech(tmp_path: Path) -> None:
    result = analyze_video(shared_path("videos/selfie_d3_looks_down.mp4"), tmp_path)
    assert result["speech"]["audio"] == "no_speech"
    assert result["speech"]["audio_end_ms"] == pytest.approx(11_800, abs=100)
    assert result["speech"]["segments"] == []


@pytest.mark.mediapipe
def test_corrupt_audio_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    video = make_call(tmp_path / "corrupt.mp4", tone(3.0), video_s=3.0, corrupt_from_s=1.0)
    warnings: list[str] = []
    result = analyze_video(video, tmp_path / "out", on_warning=warnings.append)
    assert result["speech"]["audio_end_ms"] == pytest.approx(1_000, abs=100)
    assert any("audio of 'corrupt.mp4' stopped decoding at 1.0 s" in w for w in warnings)
    assert (tmp_path / "out" / "result.json").exists()


@pytest.mark.mediapipe
def test_a_failing_speech_model_is_a_warning_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail

    def broken(*args: object, **kwargs: object) -> None:
        raise Fail("simulated runtime failure")

    monkeypatch.setattr("onnxruntime.InferenceSession.run", broken)
    warnings: list[str] = []
    clip = shared_path("videos/talk_blazer.mp4")  # real speech
    result = analyze_video(clip, tmp_path / "out", on_warning=warnings.append)
    assert result["speech"]["audio"] == "no_audio"
    assert any("speech not analysed: voice activity model failed" in w for w in warnings)
    assert result["summary"]["disengagement_score"] is not None
