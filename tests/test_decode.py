"""Tests of pipeline.media.decode on the shared real clips and on small files made in tmp_path."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from pipeline.media import decode
from pipeline.media.decode import iter_frames
from pipeline.media.probe import probe
from pipeline.types import DecodeError, Frame

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos"
DECODE_THREAD = "cuewatch-decode"
MS = Fraction(1, 1000)
# Irregular gaps as a browser's MediaRecorder writes them: jitter, a stall, a burst.
VFR_PTS_MS = [0, 33, 70, 200, 210, 500, 533, 1000, 1040, 1300]


def clip(name: str) -> Path:
    path = VIDEOS / name
    if not path.is_file():
        pytest.skip(f"shared clip {name} not available")
    return path


def decode_all(path: Path, fps: float | None = None) -> tuple[list[Frame], list[str]]:
    warnings: list[str] = []
    # Tiny images: these tests are about timing and control flow, not pixels.
    frames = list(iter_frames(path, fps, on_warning=warnings.append, max_side=32))
    return frames, warnings


def decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == DECODE_THREAD]


# --- synthetic files ----------------------------------------------------------------------


def write_vfr_webm(path: Path, pts_ms: list[int]) -> Path:
    """VP8 WebM without a duration header (as a browser streams it), frame i grey 20 * i."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as container:
        stream = container.add_stream("libvpx", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        # A millisecond time base keeps the irregular pts; the default 1/30 would round them.
        stream.codec_context.time_base = MS
        for i, pts in enumerate(pts_ms):
            image = np.full((48, 64, 3), 20 * i, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = pts, MS
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_audio_only(path: Path) -> Path:
    """Half a second of 440 Hz sine, PCM in WAV."""
    rate = 8000
    t = np.arange(rate // 2) / rate
    samples = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[None, :]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def text_file(tmp: Path) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("not a video, just text with a video's name\n")
    return path


def empty_file(tmp: Path) -> Path:
    path = tmp / "empty.mp4"
    path.touch()
    return path


def audio_only(tmp: Path) -> Path:
    return write_audio_only(tmp / "sine.wav")


def missing_file(tmp: Path) -> Path:
    return tmp / "missing.mp4"


def cut_copy(name: str, keep: float) -> Callable[[Path], Path]:
    """A copy of a shared clip keeping only its first `keep` of the bytes."""

    def make(tmp: Path) -> Path:
        data = clip(name).read_bytes()
        path = tmp / f"cut_{name}"
        path.write_bytes(data[: int(len(data) * keep)])
        return path

    return make


def zeroed_copy(name: str, start: float, stop: float) -> Callable[[Path], Path]:
    """A copy of a shared clip with the bytes between two fractions of its length zeroed."""

    def make(tmp: Path) -> Path:
        data = bytearray(clip(name).read_bytes())
        first, last = int(len(data) * start), int(len(data) * stop)
        data[first:last] = bytes(last - first)
        path = tmp / f"zeroed_{name}"
        path.write_bytes(bytes(data))
        return path

    return make


# --- probe --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # phone clip stored 848x480 with a 90 degree display rotation: reported upright
        ("phone_eyes_center.mp4", ("h264", 480, 848, 24.004, 252, 90)),
        # raw Annex-B H.264: no container, so no count and no duration
        ("foreman_camera_pans_away.264", ("h264", 352, 288, 25.0, 0, 0)),
        # animated GIF: FFmpeg reports 12.5 for its 8-9 cs frame delays
        ("group_two_head_pose.gif", ("gif", 480, 270, 12.5, 56, 0)),
        # ASF does not record a frame count
        ("webcam_backlit.wmv", ("wmv2", 640, 480, 15.0, 0, 0)),
        # MPEG-4 part 2 at a fractional rate
        ("webcam_lab_student.mp4", ("mpeg4", 640, 480, 24.698, 756, 0)),
        # QuickTime .mov
        ("vox_dim_roll.mov", ("h264", 256, 256, 24.0, 446, 0)),
    ],
)
def test_probe_reads_the_video_stream(
    name: str, expected: tuple[str, int, int, float, int, int]
) -> None:
    codec, width, height, fps, frame_count, rotation_deg = expected
    info = probe(clip(name))
    assert (info.codec, info.width, info.height) == (codec, width, height)
    assert (info.frame_count, info.rotation_deg) == (frame_count, rotation_deg)
    np.testing.assert_allclose(info.fps, fps, atol=1e-3)
    # Every container here but the raw stream states its duration.
    assert (info.duration_ms > 0) == (name != "foreman_camera_pans_away.264")


def test_probe_without_duration_header(tmp_path: Path) -> None:
    info = probe(write_vfr_webm(tmp_path / "live.webm", VFR_PTS_MS))
    assert (info.codec, info.width, info.height, info.duration_ms) == ("vp8", 64, 48, 0)


# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "max_side", "shape"),
    [
        # rotation applied: stored 848x480, displayed 480 wide and 848 high
        ("phone_eyes_center.mp4", None, (848, 480, 3)),
        # shrunk after rotation keeps the portrait aspect
        ("phone_eyes_center.mp4", 424, (424, 240, 3)),
        # palette BGRA GIF frames come out as RGB
        ("group_two_head_pose.gif", None, (270, 480, 3)),
        # raw H.264 CIF halved
        ("foreman_camera_pans_away.264", 176, (144, 176, 3)),
        # max_side larger than the frame never enlarges
        ("webcam_lab_student.mp4", 1000, (480, 640, 3)),
    ],
)
def test_images_are_rgb_uint8_contiguous(
    name: str, max_side: int | None, shape: tuple[int, int, int]
) -> None:
    first = next(iter(iter_frames(clip(name), max_side=max_side)))
    assert (first.index, first.timestamp_ms) == (0, 0)
    assert first.image.shape == shape
    assert first.image.dtype == np.uint8
    assert first.image.flags.c_contiguous


def test_rotated_clip_is_upright() -> None:
    # The man wears a red hoodie: upright, red fills the bottom of the picture, not the top
    # (the wrong turn direction puts it on top, no turn puts it at the side).
    image = next(iter(iter_frames(clip("phone_eyes_center.mp4")))).image.astype(np.int32)
    redness = image[..., 0] - (image[..., 1] + image[..., 2]) // 2
    height = image.shape[0]
    assert redness[-height // 4 :].mean() > redness[: height // 4].mean() + 40


# --- timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "first_ms", "last_ms"),
    [
        # raw H.264 without pts: index * 1000 / 25
        ("foreman_camera_pans_away.264", 299, [0, 40, 80, 120], 11960 - 40),
        # GIF delays in centiseconds, uneven (8 and 9 cs)
        ("group_two_head_pose.gif", 56, [0, 80, 170, 250], 4580),
        # ASF's first pts is 9 ms: timestamps count from the first frame
        ("webcam_backlit.wmv", 288, [0, 64, 128, 192], 19120),
        # 24.698 fps: rounded to the nearest ms, not truncated
        ("webcam_lab_student.mp4", 756, [0, 40, 81, 121], 30569),
        # 24.004 fps with the pts of a phone's clock
        ("phone_eyes_center.mp4", 252, [0, 42, 83, 125], 10457),
    ],
)
def test_every_frame_has_its_presentation_time(
    name: str, count: int, first_ms: list[int], last_ms: int
) -> None:
    frames, warnings = decode_all(clip(name), fps=None)
    timestamps = [f.timestamp_ms for f in frames]
    assert len(frames) == count
    assert timestamps[: len(first_ms)] == first_ms
    assert timestamps[-1] == last_ms
    assert [f.index for f in frames] == list(range(count))
    assert warnings == []


@pytest.mark.parametrize(
    ("name", "fps", "period_ms", "last_ms"),
    [
        # 24 fps phone clip at the default 5 fps
        ("phone_eyes_center.mp4", 5.0, 1000 / 24.004, 10457),
        # 15 fps ASF: a frame every 66.7 ms
        ("webcam_backlit.wmv", 5.0, 1000 / 15, 19120),
        # raw H.264 at 2 fps
        ("foreman_camera_pans_away.264", 2.0, 40, 11920),
    ],
)
def test_sampling_takes_first_frame_at_or_after_each_instant(
    name: str, fps: float, period_ms: float, last_ms: int
) -> None:
    frames, warnings = decode_all(clip(name), fps=fps)
    timestamps = np.array([f.timestamp_ms for f in frames])
    # One frame per instant up to the last decoded frame (at `last_ms`), none repeated.
    assert len(frames) == int(last_ms * fps / 1000) + 1
    instants = np.arange(len(frames)) * 1000 / fps
    # A constant-rate source has a frame less than one source period after each instant.
    assert np.all(timestamps >= instants)
    assert np.all(timestamps < instants + period_ms)
    assert np.all(np.diff([f.index for f in frames]) > 0)
    assert warnings == []


@pytest.mark.parametrize(
    ("pts_ms", "fps", "expected_ms"),
    [
        # every frame: the timestamps are the pts written
        (VFR_PTS_MS, None, VFR_PTS_MS),
        # first pts 120 ms: counted from the first frame
        ([p + 120 for p in VFR_PTS_MS], None, VFR_PTS_MS),
        # 5 fps: instants 0, 200, ... 1200; the 500 ms frame covers 400 and 600 that
        # fell in the stall, and nothing is repeated
        (VFR_PTS_MS, 5.0, [0, 200, 500, 1000, 1300]),
        # 1 fps: instant 1000 is met exactly
        (VFR_PTS_MS, 1.0, [0, 1000]),
    ],
)
def test_variable_frame_rate_webm(
    tmp_path: Path, pts_ms: list[int], fps: float | None, expected_ms: list[int]
) -> None:
    path = write_vfr_webm(tmp_path / "vfr.webm", pts_ms)
    frames = list(iter_frames(path, fps))
    assert [f.timestamp_ms for f in frames] == expected_ms
    # Frame i was painted grey 20 * i: the right picture comes with each timestamp.
    grey = [float(f.image.mean()) for f in frames]
    np.testing.assert_allclose(grey, [20 * f.index for f in frames], atol=4)


# --- bad and damaged inputs ---------------------------------------------------------------


@pytest.mark.parametrize("decode", [probe, iter_frames], ids=["probe", "iter_frames"])
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        # text with a video's extension
        (text_file, "not a video file (invalid data)"),
        # zero bytes
        (empty_file, "empty file"),
        # a valid media file without pictures
        (audio_only, "no video stream"),
        # a path that does not exist
        (missing_file, "file not found"),
    ],
)
def test_bad_input_raises_one_line(
    tmp_path: Path, make: Callable[[Path], Path], reason: str, decode: Callable[[Path], object]
) -> None:
    path = make(tmp_path)
    with pytest.raises(DecodeError) as raised:
        decode(path)
    assert str(raised.value) == f"cannot decode '{path.name}': {reason}"
    assert decode_threads() == []


@pytest.mark.parametrize(
    ("make", "min_frames", "max_frames"),
    [
        # mp4 with its index in front, cut at 60%: decodes cleanly, ends early vs. the header
        pytest.param(cut_copy("phone_eyes_center.mp4", 0.6), 100, 200, id="cut-mp4"),
        # ASF cut at 60%: likewise against the header's duration
        pytest.param(cut_copy("webcam_backlit.wmv", 0.6), 100, 230, id="cut-wmv"),
        # raw H.264 cut in half: no header, the last picture is flagged corrupt
        pytest.param(cut_copy("foreman_camera_pans_away.264", 0.5), 100, 200, id="cut-264"),
        # QuickTime with 15% of its bytes zeroed mid-file: the decoder raises mid-stream
        pytest.param(zeroed_copy("vox_dim_roll.mov", 0.52, 0.67), 100, 400, id="zeroed-mov"),
    ],
)
def test_damaged_file_stops_cleanly_with_a_warning(
    tmp_path: Path, make: Callable[[Path], Path], min_frames: int, max_frames: int
) -> None:
    path = make(tmp_path)
    frames, warnings = decode_all(path, fps=None)
    assert min_frames <= len(frames) <= max_frames
    assert len(warnings) == 1
    pattern = rf"'{re.escape(path.name)}' is truncated or corrupt: decoding stopped at "
    found = re.fullmatch(pattern + r"(\d+\.\d) s \(frame (\d+)\)", warnings[0])
    assert found is not None, warnings[0]
    assert int(found[2]) == len(frames)
    np.testing.assert_allclose(float(found[1]), frames[-1].timestamp_ms / 1000, atol=0.05)
    assert decode_threads() == []


def test_default_warning_goes_to_the_cuewatch_logger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = cut_copy("foreman_camera_pans_away.264", 0.5)(tmp_path)
    with caplog.at_level(logging.WARNING, logger="cuewatch"):
        frames = list(iter_frames(path, 1.0, max_side=32))
    assert frames
    assert [r.name for r in caplog.records] == ["cuewatch"]
    assert "is truncated or corrupt" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # a zero-pixel image cannot be analysed
        ({"max_side": 0}, "max_side must be at least 1"),
        # an infinite rate has no sampling instants
        ({"fps": float("inf")}, "fps must be a finite number"),
    ],
)
def test_invalid_options_raise(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        iter_frames(clip("vox_dim_roll.mov"), **kwargs)


# --- the decode thread --------------------------------------------------------------------


def stop_by_break(path: Path) -> None:
    for frame in iter_frames(path, None, max_side=32):
        if frame.index == 2:
            break


def stop_by_close(path: Path) -> None:
    frames = iter_frames(path, None, max_side=32)
    next(frames)
    frames.close()


def stop_by_dropping(path: Path) -> None:
    frames = iter_frames(path, None, max_side=32)
    next(frames)
    del frames


def stop_by_exception(path: Path) -> None:
    with pytest.raises(KeyError):
        for _ in iter_frames(path, None, max_side=32):
            raise KeyError("consumer failed")


def never_started(path: Path) -> None:
    iter_frames(path)


@pytest.mark.parametrize(
    "stop",
    [
        # `break` out of a for loop over the iterator
        stop_by_break,
        # explicit close() while the decoder is ahead of the consumer
        stop_by_close,
        # last reference dropped without closing
        stop_by_dropping,
        # the consumer's own code raises mid-iteration
        stop_by_exception,
        # created and never iterated: no thread is ever started
        never_started,
    ],
)
def test_stopping_early_leaves_no_decode_thread(stop: Callable[[Path], None]) -> None:
    # A 93 s clip: a thread that kept decoding would still be alive afterwards.
    stop(clip("composite_notes_then_stop.mp4"))
    assert decode_threads() == []


def test_either_side_may_convert_and_the_frames_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The decode thread converts to RGB while the consumer has frames in hand, the consumer
    when it waits for them: a slow and a fast consumer get identical frames."""
    video = clip("hd_s18_lens_gaze.mp4")
    converted_in: list[str] = []
    to_image = decode._to_image

    def spy(frame: av.VideoFrame, max_side: int | None) -> np.ndarray:
        converted_in.append(threading.current_thread().name)
        return to_image(frame, max_side)

    monkeypatch.setattr(decode, "_to_image", spy)
    fast = list(iter_frames(video, 5.0))
    fast_sides = set(converted_in)
    converted_in.clear()
    slow = []
    for frame in iter_frames(video, 5.0):
        time.sleep(0.02)  # a consumer slower than decoding: the queue fills up
        slow.append(frame)
    assert "MainThread" in fast_sides
    assert "cuewatch-decode" in converted_in
    assert [f.timestamp_ms for f in fast] == [f.timestamp_ms for f in slow]
    for a, b in zip(fast, slow, strict=True):
        assert a.index == b.index
        np.testing.assert_array_equal(a.image, b.image)


def test_a_frame_that_cannot_be_converted_ends_decoding_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The third sampled frame fails, whichever side converts it: a loaded machine lets the
    # decode thread convert later frames first, so "the third call" would not be that frame.
    video = clip("hd_s18_lens_gaze.mp4")
    to_image = decode._to_image
    sampled: list[int] = []

    def spy(frame: av.VideoFrame, max_side: int | None) -> np.ndarray:
        sampled.append(frame.pts)
        return to_image(frame, max_side)

    monkeypatch.setattr(decode, "_to_image", spy)
    list(iter_frames(video, 5.0))
    third = sorted(sampled)[2]

    def failing_third(frame: av.VideoFrame, max_side: int | None) -> np.ndarray:
        if frame.pts == third:
            raise av.error.InvalidDataError(1094995529, "Invalid data found")
        return to_image(frame, max_side)

    monkeypatch.setattr(decode, "_to_image", failing_third)
    warnings: list[str] = []
    frames = list(iter_frames(video, 5.0, on_warning=warnings.append))
    assert len(frames) == 2
    assert len(warnings) == 1 and "decoding stopped at" in warnings[0]
