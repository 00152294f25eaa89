"""A long 720p30 H.264 recording made from a real clip, cached outside the repository.

The source clip's frames are played forward then backward (ping-pong, so no cut at the
loop point) until the requested length. One ping-pong period is encoded with libx264 (it
starts on an IDR frame, so it decodes on its own), and the long file repeats that period's
packets with shifted timestamps, then ends with a separately encoded partial period: a
30-minute file takes seconds to write instead of half an hour of encoding, and decodes
exactly like a plain encode of the same frames. Memory holds the source clip's frames (as
YUV 4:2:0, half the size of RGB) and one period's packets, never the output.

The recording has a sound track as a call's would: 48 kHz stereo AAC of a person talking
(with their pauses), the speech clip's sound looped along the pictures.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

Yuv = npt.NDArray[np.uint8]

SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
# A 9.4 s 1280x720 30 fps webcam-style clip of one person facing the camera.
DEFAULT_SOURCE = SHARED_VIDEOS / "hd_s18_lens_gaze.mp4"
# 46.7 s of one person's speech with natural pauses (48 kHz stereo AAC).
SPEECH_SOURCE = SHARED_VIDEOS / "vox_long_eye_contact.mov"
AUDIO_RATE = 48_000
CACHE_DIR = Path(os.environ.get("CUEWATCH_BENCH_CACHE", "~/.cache/cuewatch-bench")).expanduser()
WIDTH, HEIGHT, FPS = 1280, 720, 30
# What a recording tool would plausibly write: x264's quick preset at its default quality.
X264_OPTIONS = {"preset": "veryfast", "crf": "23"}
# ... and what a live-call recorder writes: no B-frames, so every frame is referred to and
# the pipeline cannot skip any while decoding (`--no-bframes` in bench.py).
NO_BFRAMES = {**X264_OPTIONS, "x264-params": "bframes=0"}


def cached_path(minutes: float, source: Path = DEFAULT_SOURCE, *, bframes: bool = True) -> Path:
    kind = "" if bframes else "-no-bframes"
    return CACHE_DIR / f"{source.stem}-pingpong-{minutes:g}min-{HEIGHT}p{FPS}{kind}-speech.mp4"


def ensure_long_video(
    minutes: float, source: Path = DEFAULT_SOURCE, *, bframes: bool = True
) -> Path:
    """Returns the cached long recording, encoding it first if it is missing.

    Args:
        minutes: length of the recording.
        source: the real clip that is looped.
        bframes: x264's default B-frames (False: none, as live-call recorders write).

    Raises:
        FileNotFoundError: the source clip is missing.
    """
    path = cached_path(minutes, source, bframes=bframes)
    if path.exists():
        return path
    options = X264_OPTIONS if bframes else NO_BFRAMES
    if not source.exists():
        raise FileNotFoundError(f"source clip '{source}' not found")
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frames = load_frames(source)
    speech = load_sound(SPEECH_SOURCE)
    total = round(minutes * 60 * FPS)
    period = max(1, 2 * len(frames) - 2)
    partial = path.with_suffix(".part.mp4")
    unit = path.with_suffix(".unit.mp4")
    tail = path.with_suffix(".tail.mp4")
    encode(pingpong(frames, min(period, total)), unit, looped(speech, min(period, total)), options)
    pieces = [unit] * (total // period)
    if total % period:
        encode(pingpong(frames, total % period), tail, looped(speech, total % period), options)
        pieces.append(tail)
    concatenate(pieces, partial)
    partial.rename(path)  # only a complete file is ever cached
    unit.unlink(missing_ok=True)
    tail.unlink(missing_ok=True)
    took = time.perf_counter() - started
    print(f"encoded {total} frames to {path} in {took:.0f} s", file=sys.stderr)
    return path


def load_frames(source: Path) -> list[Yuv]:
    """Every frame of the clip as a YUV 4:2:0 `(H * 3 / 2, W)` array at 1280x720."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return [
            np.asarray(f.reformat(WIDTH, HEIGHT, "yuv420p").to_ndarray(), dtype=np.uint8)
            for f in container.decode(stream)
        ]


def load_sound(source: Path) -> npt.NDArray[np.float32]:
    """The clip's sound as `(2, N)` float samples at 48 kHz."""
    with av.open(str(source)) as container:
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        parts = [
            out.to_ndarray()
            for frame in container.decode(container.streams.audio[0])
            for out in resampler.resample(frame)
        ]
    return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)


def looped(sound: npt.NDArray[np.float32], frames: int) -> npt.NDArray[np.float32]:
    """The sound repeated to last `frames` video frames."""
    n = frames * AUDIO_RATE // FPS
    reps = -(-n // sound.shape[1])
    return np.ascontiguousarray(np.tile(sound, (1, reps))[:, :n])


def pingpong(frames: list[Yuv], total: int) -> Iterator[Yuv]:
    """`total` frames: 0, 1, ..., n-1, n-2, ..., 1, 0, 1, ... (no frame shown twice in a row)."""
    n = len(frames)
    period = max(1, 2 * n - 2)
    for i in range(total):
        k = i % period
        yield frames[k if k < n else period - k]


def encode(
    frames: Iterator[Yuv],
    path: Path,
    sound: npt.NDArray[np.float32],
    options: dict[str, str] = X264_OPTIONS,
) -> None:
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        for pts, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="yuv420p")
            frame.pts = pts
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        for at in range(0, sound.shape[1], 1024):
            piece = np.ascontiguousarray(sound[:, at : at + 1024])
            chunk = av.AudioFrame.from_ndarray(piece, format="fltp", layout="stereo")
            chunk.sample_rate, chunk.pts = AUDIO_RATE, at
            container.mux(audio.encode(chunk))
        container.mux(audio.encode(None))


def concatenate(pieces: list[Path], path: Path) -> None:
    """Writes the pieces' packets one after the other, each piece shifted to follow the last.

    Every piece is an x264 encode with the same settings and size (so the same codec
    parameters) that starts on an IDR frame, so the result is a valid stream; the sound of
    each piece follows the sound of the one before it.
    """
    with av.open(str(path), mode="w") as out:
        with av.open(str(pieces[0])) as first:
            streams = [out.add_stream_from_template(s) for s in first.streams]
        offsets, last_dts = [0] * len(streams), dict[int, int]()
        for piece in pieces:
            offsets = _append(piece, out, streams, offsets, last_dts)


def _append(
    piece: Path, out: Any, streams: list[Any], offsets: list[int], last_dts: dict[int, int]
) -> list[int]:
    ends = list(offsets)
    shift: list[int | None] = [None] * len(streams)
    with av.open(str(piece)) as container:
        for packet in container.demux():
            if packet.dts is None:  # the demuxer's final flush packet
                continue
            i = packet.stream.index
            if shift[i] is None:
                # AAC starts before 0 (its priming samples): never behind the last packet.
                shift[i] = max(offsets[i], last_dts.get(i, -1) + 1 - packet.dts)
            packet.pts = None if packet.pts is None else packet.pts + shift[i]
            packet.dts += shift[i]
            last_dts[i] = packet.dts
            ends[i] = max(ends[i], (packet.pts or packet.dts) + (packet.duration or 0))
            packet.stream = streams[i]
            out.mux(packet)
    return ends


if __name__ == "__main__":
    # longvideo.py [MINUTES [SOURCE [no-bframes]]]
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SOURCE
    print(ensure_long_video(minutes, source, bframes=sys.argv[3:4] != ["no-bframes"]))
