"""The audio track in the media stage: 16 kHz mono chunks, and every kind of track (none,
silent, ending early, corrupt) as a normal recording."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.audio.listen import listen
from pipeline.audio.speech import speech_spans, voice_activity, with_status
from pipeline.config import PipelineConfig
from pipeline.media.audio import SAMPLE_RATE_HZ, has_audio, iter_audio
from tests.conftest import shared_path


def make_call(
    path: Path, sound: np.ndarray, video_s: float = 3.0, corrupt_from_s: float | None = None
) -> Path:
    """A small mp4: grey frames for `video_s`, the sound as AAC; packets from
    `corrupt_from_s` on replaced by random bytes of the same size."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4") as box:
        video = box.add_stream("libx264", rate=Fraction(25))
        video.width = video.height = 64
        video.pix_fmt = "yuv420p"
        audio = box.add_stream("aac", rate=SAMPLE_RATE_HZ, layout="mono")
        for i in range(round(video_s * 25)):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i, np.uint8), format="rgb24")
            frame.pts = i
            box.mux(video.encode(frame))
        box.mux(video.encode(None))
        for k in range(0, sound.shape[0], 1024):
            piece = np.ascontiguousarray(sound[None, k : k + 1024], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE_HZ, k
            for packet in audio.encode(frame):
                bad_from = (corrupt_from_s or 1e9) * SAMPLE_RATE_HZ
                late = packet.pts is not None and packet.pts >= bad_from
                box.mux(_garbled(packet, audio, rng) if late else packet)
        box.mux(audio.encode(None))
    return path


def _garbled(packet: av.Packet, stream: av.stream.Stream, rng: np.random.Generator) -> av.Packet:
    bad = av.Packet(rng.integers(0, 255, packet.size, dtype=np.uint8).tobytes())
    bad.pts, bad.dts, bad.time_base = packet.pts, packet.dts, packet.time_base
    bad.stream = stream
    return bad


def tone(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    return (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_chunks_are_fixed_size_contiguous_mono() -> None:
    path = shared_path("videos/talk_edmarkey.mp4")  # 8 s of speech, AAC stereo
    chunks = list(iter_audio(path, chunk_samples=SAMPLE_RATE_HZ))  # a second each
    sizes = [c.samples.shape[0] for c in chunks]
    assert all(s == SAMPLE_RATE_HZ for s in sizes[:-1]) and 0 < sizes[-1] <= SAMPLE_RATE_HZ
    assert all(c.samples.dtype == np.float32 and c.samples.ndim == 1 for c in chunks)
    starts = [c.start_ms for c in chunks]
    np.testing.assert_allclose(np.diff(starts), 1000.0, atol=1e-6)
    assert sum(sizes) / SAMPLE_RATE_HZ == pytest.approx(8.0, abs=0.1)
    assert 0.01 < float(np.abs(np.concatenate([c.samples for c in chunks])).mean()) < 1


def test_resamples_44k_stereo_to_the_model_rate() -> None:
    path = shared_path("videos/talk_blazer.mp4")  # AAC 44.1 kHz stereo, 6.6 s
    total = sum(c.samples.shape[0] for c in iter_audio(path))
    assert total / SAMPLE_RATE_HZ == pytest.approx(6.6, abs=0.1)


def test_no_audio_stream_is_no_audio() -> None:
    path = shared_path("videos/composite_camera_off_and_back.mp4")  # video only
    assert not has_audio(path)
    assert list(iter_audio(path)) == []
    assert voice_activity(iter_audio(path)).audio == "no_audio"


def test_silent_track_is_no_speech() -> None:
    path = shared_path("videos/selfie_d3_looks_down.mp4")  # a track of digital silence
    activity = voice_activity(iter_audio(path))
    assert activity.end_ms == pytest.approx(11_800, abs=100)
    spans = speech_spans(activity, PipelineConfig())
    assert spans == [] and with_status(activity, spans).audio == "no_speech"


def test_track_ending_early_covers_only_its_length(tmp_path: Path) -> None:
    path = make_call(tmp_path / "early.mp4", tone(1.0), video_s=3.0)
    activity = voice_activity(iter_audio(path))
    assert activity.audio == "speech"  # settled later from the segments
    assert activity.end_ms == pytest.approx(1_000, abs=100)


def test_corrupt_stream_warns_and_keeps_what_decoded(tmp_path: Path) -> None:
    path = make_call(tmp_path / "corrupt.mp4", tone(3.0), corrupt_from_s=1.0)
    warnings: list[str] = []
    total = sum(c.samples.shape[0] for c in iter_audio(path, on_warning=warnings.append))
    assert total / SAMPLE_RATE_HZ == pytest.approx(1.0, abs=0.1)
    assert len(warnings) == 1 and "corrupt.mp4" in warnings[0] and "1.0 s" in warnings[0]


def test_unopenable_file_warns_instead_of_raising(tmp_path: Path) -> None:
    bad = tmp_path / "x.mp4"
    bad.write_text("not a video")
    warnings: list[str] = []
    assert list(iter_audio(bad, on_warning=warnings.append)) == []
    assert len(warnings) == 1 and "x.mp4" in warnings[0]


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_samples must be at least 1, got 0"):
        iter_audio("whatever.mp4", chunk_samples=0)


def test_sound_without_pictures_is_not_listened_to(tmp_path: Path) -> None:
    # the analysis fails on such a file (no video stream); no audio thread is started for it
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as box:
        audio = box.add_stream("aac", rate=SAMPLE_RATE_HZ, layout="mono")
        sound = tone(1.0)
        for k in range(0, sound.shape[0], 1024):
            piece = np.ascontiguousarray(sound[None, k : k + 1024])
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE_HZ, k
            box.mux(audio.encode(frame))
        box.mux(audio.encode(None))
    assert not has_audio(path)
    assert listen(path, print).result.result().audio == "no_audio"
