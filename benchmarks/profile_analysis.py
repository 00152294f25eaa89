"""Where an analysis spends its time: a sampling profile of `cuewatch analyze`.

With py-spy (`pip install py-spy`, not a project dependency) the real CLI is sampled from
outside, every Python thread, idle time included, so that waits show: the main thread
(models) and the decode thread are summarised apart, each sample put in the first category
found walking its stack from the leaf. Without py-spy, pyinstrument (a dev dependency)
profiles an in-process analysis (main thread only). Profiles are saved outside the repo.

    .venv/bin/python benchmarks/profile_analysis.py [--minutes 1] [--tool py-spy|pyinstrument]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from longvideo import CACHE_DIR, ensure_long_video

CUEWATCH = Path(sys.executable).with_name("cuewatch")
PY_SPY = Path(sys.executable).with_name("py-spy")
PROFILE_DIR = CACHE_DIR / "profiles"

# (function name as py-spy prints it, category); the first found from the leaf wins.
CATEGORIES = (
    ("_to_image", "decode thread: rgb24 conversion + rotation of sampled frames"),
    ("_put", "decode thread: blocked on the full queue (consumer slower)"),
    ("_decode_stream", "decode thread: decoding (FFmpeg, frame threads)"),
    ("_decode_file", "decode thread: open / finish"),
    ("FaceDetector.detect", "face detection (survey)"),
    ("LandmarkModel.face", "FaceMesh"),
    ("LandmarkModel.all_hands", "Hands"),
    ("LandmarkModel.hands", "Hands"),
    ("_receive", "waiting for a decoded frame"),
    ("_to_array", "landmarks to numpy"),
    ("LandmarkModel.__init__", "model start-up"),
    ("FaceDetector.__init__", "model start-up"),
    ("Tracker.set_layout", "layout (tiles)"),
    ("_start", "layout (tiles)"),
    ("_crop", "face crops"),
    ("compute_signals", "signals"),
    ("classify", "states"),
    ("aggregate", "aggregate"),
    ("render_report", "report"),
    ("frames_csv", "outputs"),
    ("to_json", "outputs"),
    ("write_atomic", "outputs"),
    ("probe", "probe"),
    ("_find_and_load", "imports"),
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--minutes", type=float, default=1.0, help="bench recording length")
    p.add_argument("--video", type=Path, default=None, help="profile this file instead")
    p.add_argument("--tool", choices=("py-spy", "pyinstrument"), default=None)
    p.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=15, help="leaf functions listed")
    return p.parse_args(argv)


def record_py_spy(video: Path, out: Path, rate: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cuewatch-profile-") as tmp:
        command = [str(PY_SPY), "record", "--format", "raw", "--threads", "--idle"]
        command += ["--rate", str(rate), "--output", str(out), "--"]
        command += [str(CUEWATCH), "analyze", str(video), "--out", tmp]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"py-spy exited with {done.returncode}:\n{done.stderr[-2000:]}")


def read_raw(path: Path) -> Iterable[tuple[str, list[str], int]]:
    """(thread, frames root first as `function (file:line)`, samples) of a raw py-spy file."""
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, *frames = stack.split(";")
        yield thread.split(": ", 1)[-1], frames, int(count)


def _function(frame: str) -> str:
    return frame.split(" (", 1)[0]


def categorise(frames: list[str]) -> str:
    names = [_function(f) for f in reversed(frames)]
    for name in names:
        for marker, category in CATEGORIES:
            if name == marker:
                return category
    return f"other ({names[0] if names else 'no Python frame'})"


def summarise(path: Path, top: int) -> str:
    by_thread: dict[str, Counter[str]] = {}
    leaves: Counter[str] = Counter()
    for thread, frames, count in read_raw(path):
        by_thread.setdefault(thread, Counter())[categorise(frames)] += count
        if frames and thread == "MainThread":
            leaves[frames[-1]] += count
    lines = []
    for thread, counts in sorted(by_thread.items(), key=lambda kv: -kv[1].total()):
        total = counts.total()
        lines.append(f"\n{thread}: {total} samples (idle included)")
        lines += [f"  {100 * n / total:5.1f}%  {cat}" for cat, n in counts.most_common(12)]
    main_total = leaves.total() or 1
    lines.append(f"\nMainThread, top {top} leaf frames:")
    lines += [f"  {100 * n / main_total:5.1f}%  {leaf}" for leaf, n in leaves.most_common(top)]
    return "\n".join(lines)


def profile_pyinstrument(video: Path, stem: str) -> str:
    from pyinstrument import Profiler

    from pipeline.analyze import analyze_video

    profiler = Profiler(interval=0.005)
    with tempfile.TemporaryDirectory(prefix="cuewatch-profile-") as tmp:
        profiler.start()
        analyze_video(video, tmp)
        profiler.stop()
    (PROFILE_DIR / f"{stem}.pyinstrument.html").write_text(profiler.output_html())
    return profiler.output_text(unicode=True, color=False)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    video = args.video or ensure_long_video(args.minutes)
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    tool = args.tool or ("py-spy" if shutil.which(PY_SPY) else "pyinstrument")
    if tool == "pyinstrument":
        text = profile_pyinstrument(video, video.stem)
    else:
        raw = PROFILE_DIR / f"{video.stem}.py-spy.txt"
        record_py_spy(video, raw, args.rate)
        text = f"raw samples: {raw}" + summarise(raw, args.top)
    (PROFILE_DIR / f"{video.stem}.{tool}.summary.txt").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
