"""Development calls: two-party interviews assembled from shared clips that carry real speech.

No shared clip is a real two-party call with sound, so this builds some (`make calls`): an
interviewer's questions and a candidate's answers, each person's own speech with their own
footage, alternating with gaps of silence or music. A listener's tile shows them with still
lips (the stillest 0.6 s of their clip, by the face mesh, looped forth and back). Layouts:
`gallery` (two tiles side by side, both seen), `solo` (the interviewer alone, the candidate
heard but unseen, as when candidates record their own side without a self-view) and
`speaker` (the interviewer large, the candidate's self-view a small tile in a corner).
Beside each `NAME.mp4` the generator writes `NAME.truth.json`: who speaks when, where each
person is. Nothing is labelled by hand: a turn's bounds are where its source's sound is loud.

    .venv/bin/python benchmarks/calls.py OUT_DIR [--data ../shared/data] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt

from pipeline.audio.lips import mouth_opening
from pipeline.config import PipelineConfig
from pipeline.media.audio import SAMPLE_RATE_HZ, iter_audio
from pipeline.media.decode import iter_frames
from pipeline.people.record import record

FPS = 25
TILE = 320
BORDER = 16
BACKGROUND = (32, 32, 36)
# Sound at least this share of the clip's loud level (95th percentile RMS, 20 ms frames)
# counts as voiced: -20 dB, under any vowel, over room tone; over a noisy room (a phone
# outdoors) the bar is halfway, in dB, between its floor (10th percentile) and that level.
LOUD_SHARE = 0.1
FRAME_MS = 20
# Quiet shorter than this is inside a phrase (a stop consonant, a breath).
PHRASE_GAP_MS = 200
# A turn never spans a pause longer than this inside its source (it would be two turns).
MAX_INNER_PAUSE_MS = 1_000
STILL_MS = 600
MIN_PIECE_MS = 800
GAP_MS = (1_500, 2_500)
# Speaker view: the interviewer fills a 4:3 frame, the candidate's self-view is a small tile
# over its bottom-right corner (what a candidate's own screen recording shows).
SPEAKER_WH = (640, 480)
SELF_VIEW = 144
SELF_VIEW_MARGIN = 8


@dataclass(frozen=True)
class CallSpec:
    name: str
    interviewer: str
    candidate: str
    layout: str  # gallery | solo | speaker
    interviewer_left: bool
    question_ms: int
    answer_ms: int
    gaps: tuple[str, ...]  # sound of each gap in turn: silence | music
    gap_ms: tuple[int, int] = GAP_MS  # lengths of the gaps, alternating


CALLS = (
    CallSpec(
        "gallery_edmarkey_obama",
        "talk_edmarkey.mp4",
        "vox_long_eye_contact.mov",
        "gallery",
        True,
        2_000,
        7_000,
        ("silence", "music"),
    ),
    CallSpec(
        "gallery_obama_radio34",
        "vox_long_eye_contact.mov",
        "talk_radio34.mp4",
        "gallery",
        False,
        4_000,
        2_500,
        ("music", "silence"),
    ),
    CallSpec(
        "solo_katiehill_unseen",
        "talk_katiehill.mp4",
        "vox_long_eye_contact.mov",
        "solo",
        True,
        2_000,
        8_000,
        ("silence", "silence", "music"),
    ),
    CallSpec(
        "gallery_blazer_eyesdown",
        "talk_blazer.mp4",
        "vox_eyes_down.mp4",
        "gallery",
        True,
        1_500,
        2_500,
        ("silence",),
    ),
    # Added 2026-12-03: a candidate whose lips the mesh sees barely move when he talks.
    CallSpec(
        "gallery_radio34_quietman",
        "talk_radio34.mp4",
        "webcam_interview_man_glasses_eyes_downcast.mp4",
        "gallery",
        False,
        2_000,
        3_000,
        ("music", "silence"),
    ),
)
# Assembled differently (other people, sides, lengths and gaps) and never looked at while
# choosing thresholds: scored apart as held-out calls (`--set heldout`).
HELDOUT = (
    CallSpec(
        "heldout_gallery_mead_phone",
        "studio_mead_w040_1080p.mp4",
        "phone_selfie_preinterview_man_cap_rotation_flag.mp4",
        "gallery",
        False,
        2_000,
        6_000,
        ("silence", "music"),
    ),
    CallSpec(
        "heldout_solo_aside_phone",
        "vox_interview_aside.mp4",
        "phone_selfie_preinterview_man_cap_rotation_flag.mp4",
        "solo",
        True,
        2_500,
        9_000,
        ("music", "silence"),
    ),
    CallSpec(
        "heldout_gallery_glasses_aside",
        "webcam_interview_man_glasses_eyes_downcast.mp4",
        "vox_interview_aside.mp4",
        "gallery",
        True,
        1_500,
        3_000,
        ("silence", "silence", "music"),
    ),
)
# A second held-out set, built after the rules found on the first: people used nowhere else.
HELDOUT2 = (
    CallSpec(
        "heldout2_gallery_glasses_tvhost",
        "talk_glasses.mp4",
        "tv_host_then_lens_1080p.mp4",
        "gallery",
        True,
        1_500,
        3_000,
        ("silence", "music"),
    ),
    CallSpec(
        "heldout2_solo_suit_child",
        "talk_suit.mp4",
        "studio_d11_child.mp4",
        "solo",
        True,
        1_500,
        4_000,
        ("music", "silence"),
    ),
    CallSpec(
        "heldout2_gallery_mead_meeting",
        "studio_mead_w023_1080p.mp4",
        "webcam_meeting_man_waves_then_talks.mp4",
        "gallery",
        False,
        1_200,
        2_500,
        ("silence",),
    ),
)
# A third held-out set, built before any of its scores were seen, after the lip model was
# reworked on the development calls. Every shared clip with speech is used above (the one
# other, `webcam_man_head_tilt...`, is mostly room noise the loudness truth would call
# speech), so it pairs people anew: a speaker view with a small self-view tile, short gaps
# (0.6-1.5 s, under the pause that ends a turn), a quiet-lipped man as the interviewer.
HELDOUT3 = (
    CallSpec(
        "heldout3_speaker_suit_radio34",
        "talk_suit.mp4",
        "talk_radio34.mp4",
        "speaker",
        True,
        2_000,
        4_000,
        ("silence", "music"),
    ),
    CallSpec(
        "heldout3_gallery_glasses_katiehill",
        "webcam_interview_man_glasses_eyes_downcast.mp4",
        "talk_katiehill.mp4",
        "gallery",
        False,
        1_200,
        3_500,
        ("silence",),
        (600, 1_200),
    ),
    CallSpec(
        "heldout3_solo_child_glasses",
        "studio_d11_child.mp4",
        "talk_glasses.mp4",
        "solo",
        False,
        1_500,
        3_000,
        ("silence", "music", "silence"),
        (800, 1_500),
    ),
)
# A fourth held-out set, built (2026-12-03) before the lip model's rest level was made robust
# to speech the voice detector misses, and scored only after that change was final: pairs
# and layouts used nowhere above, one of each layout and a second speaker view.
HELDOUT4 = (
    CallSpec(
        "heldout4_speaker_mead23_blazer",
        "studio_mead_w023_1080p.mp4",
        "talk_blazer.mp4",
        "speaker",
        True,
        1_800,
        5_000,
        ("music", "silence"),
    ),
    CallSpec(
        "heldout4_gallery_radio34_child",
        "talk_radio34.mp4",
        "studio_d11_child.mp4",
        "gallery",
        False,
        1_500,
        3_500,
        ("silence", "music"),
        (700, 1_300),
    ),
    CallSpec(
        "heldout4_solo_tvhost_edmarkey",
        "tv_host_then_lens_1080p.mp4",
        "talk_edmarkey.mp4",
        "solo",
        True,
        2_000,
        5_000,
        ("silence", "music", "silence"),
    ),
    CallSpec(
        "heldout4_speaker_phone_suit",
        "phone_selfie_preinterview_man_cap_rotation_flag.mp4",
        "talk_suit.mp4",
        "speaker",
        False,
        2_500,
        4_000,
        ("silence",),
        (1_000, 2_000),
    ),
)
# A fifth, built (2026-12-03) as a fresh blind set: a soft quiet-lipped face and a
# quiet-lipped man as candidates, new pairs, and a speaker view. Its first look came before
# the two-tile rule for a quiet party (`speakers.quiet_party`), which was made with it (and
# held-out set 3) in view: since then it is development too.
HELDOUT5 = (
    CallSpec(
        "heldout5_gallery_katiehill_eyesdown",
        "talk_katiehill.mp4",
        "vox_eyes_down.mp4",
        "gallery",
        False,
        2_000,
        3_000,
        ("silence", "music"),
    ),
    CallSpec(
        "heldout5_gallery_meeting_glasses",
        "webcam_meeting_man_waves_then_talks.mp4",
        "talk_glasses.mp4",
        "gallery",
        True,
        1_500,
        4_000,
        ("music", "silence"),
        (900, 1_600),
    ),
    CallSpec(
        "heldout5_speaker_obama_mead40",
        "vox_long_eye_contact.mov",
        "studio_mead_w040_1080p.mp4",
        "speaker",
        True,
        3_000,
        2_500,
        ("silence",),
    ),
    CallSpec(
        "heldout5_gallery_edmarkey_glassesman",
        "talk_edmarkey.mp4",
        "webcam_interview_man_glasses_eyes_downcast.mp4",
        "gallery",
        True,
        2_000,
        3_500,
        ("silence", "music", "silence"),
    ),
)
# A sixth, built (2026-12-03) after the last change to who-speaks and scored blind: pairs
# never put together before, one of each layout and a second gallery, gaps of another
# length. Since then: one experiment scored on it (a softer start of speech, not kept) and
# one rule narrowed (the quiet party only in a picture of two tiles), which moved none of
# its figures. Nothing was tuned on it.
HELDOUT6 = (
    CallSpec(
        "heldout6_gallery_suit_aside",
        "talk_suit.mp4",
        "vox_interview_aside.mp4",
        "gallery",
        False,
        1_800,
        3_500,
        ("music", "silence"),
        (1_200, 2_200),
    ),
    CallSpec(
        "heldout6_speaker_katiehill_meeting",
        "talk_katiehill.mp4",
        "webcam_meeting_man_waves_then_talks.mp4",
        "speaker",
        True,
        2_500,
        3_000,
        ("silence", "music"),
        (1_200, 2_200),
    ),
    CallSpec(
        "heldout6_solo_blazer_tvhost",
        "talk_blazer.mp4",
        "tv_host_then_lens_1080p.mp4",
        "solo",
        True,
        1_500,
        4_500,
        ("silence", "silence", "music"),
        (1_200, 2_200),
    ),
    CallSpec(
        "heldout6_gallery_mead40_edmarkey",
        "studio_mead_w040_1080p.mp4",
        "talk_edmarkey.mp4",
        "gallery",
        True,
        2_000,
        4_000,
        ("silence", "music"),
        (1_200, 2_200),
    ),
)
SETS = {
    "dev": CALLS,
    "heldout": HELDOUT,
    "heldout2": HELDOUT2,
    "heldout3": HELDOUT3,
    "heldout4": HELDOUT4,
    "heldout5": HELDOUT5,
    "heldout6": HELDOUT6,
}
MUSIC_CLIPS = ("hd_s18_lens_gaze.mp4", "selfie_d14_eye_shifts.mp4")


# --- sources ------------------------------------------------------------------------------


@dataclass
class Source:
    frames: list[npt.NDArray[np.uint8]]  # TILE x TILE RGB, every frame
    times_ms: npt.NDArray[np.int64]
    sound: npt.NDArray[np.float32]  # 16 kHz mono from the first frame
    still: list[int]  # frame indices of the still-lips loop, forth and back
    phrases: list[tuple[int, int]]  # voiced stretches, ms
    cursor: int = 0  # next unused phrase

    def frame_at(self, t_ms: float) -> npt.NDArray[np.uint8]:
        i = int(np.clip(np.searchsorted(self.times_ms, t_ms, side="right") - 1, 0, None))
        return self.frames[min(i, len(self.frames) - 1)]


def load_source(path: Path) -> Source:
    frames, times = [], []
    for f in iter_frames(path, None):
        frames.append(cv2.resize(_square(f.image), (TILE, TILE), interpolation=cv2.INTER_AREA))
        times.append(f.timestamp_ms)
    parts = [c.samples for c in iter_audio(path)]
    sound = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return Source(frames, np.asarray(times), sound, _still_loop(path), _phrases(sound))


def _square(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = image.shape[:2]
    side = min(h, w)
    y, x = (h - side) // 3, (w - side) // 2  # keep the head: crop more below than above
    return image[y : y + side, x : x + side]


def _still_loop(path: Path) -> list[int]:
    """The stillest STILL_MS of the clip's mouth (lowest spread of its opening), as frame
    indices played forth and back."""
    rec = record(path, PipelineConfig(fps=0, split_cpus=False), hands=False)
    opening = mouth_opening(rec.people[0].series)
    n = max(3, round(STILL_MS * rec.info.fps / 1000))
    spreads = [
        float(np.ptp(opening[i : i + n])) if np.isfinite(opening[i : i + n]).all() else np.inf
        for i in range(len(opening) - n)
    ]
    best = int(np.argmin(spreads))
    forth = list(range(best, best + n))
    return forth + forth[-2:0:-1]


def _phrases(sound: npt.NDArray[np.float32]) -> list[tuple[int, int]]:
    hop = SAMPLE_RATE_HZ * FRAME_MS // 1000
    frames = sound[: len(sound) // hop * hop].reshape(-1, hop)
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    top, floor = np.percentile(rms, [95, 10])
    loud = rms > max(LOUD_SHARE * top, float(np.sqrt(top * floor)))
    runs: list[tuple[int, int]] = []
    for i in np.flatnonzero(loud).tolist():
        a, b = i * FRAME_MS, (i + 1) * FRAME_MS
        if runs and a - runs[-1][1] < PHRASE_GAP_MS:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
    return [r for r in runs if r[1] - r[0] >= 100]


def next_piece(src: Source, target_ms: int) -> tuple[int, int]:
    """The next stretch of the source's speech of about `target_ms`, cut at pauses (at
    least MIN_PIECE_MS: a lone syllable is no question)."""
    for _ in range(len(src.phrases) + 1):
        start, end = _piece(src, target_ms)
        if end - start >= MIN_PIECE_MS:
            return start, end
    raise ValueError(f"no stretch of speech of {MIN_PIECE_MS} ms in the source")


def _piece(src: Source, target_ms: int) -> tuple[int, int]:
    if src.cursor >= len(src.phrases):
        src.cursor = 0  # a short clip gives its speech again
    start, end = src.phrases[src.cursor]
    src.cursor += 1
    while end - start < target_ms and src.cursor < len(src.phrases):
        a, b = src.phrases[src.cursor]
        if a - end > MAX_INNER_PAUSE_MS:
            break
        end = b
        src.cursor += 1
    return start, end


# --- the call -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    start_ms: int
    end_ms: int
    who: str  # interviewer | candidate | gap
    src_start_ms: int = 0
    sound: str = "speech"  # speech | silence | music


def plan(spec: CallSpec, who: dict[str, Source], questions: int) -> list[Part]:
    parts: list[Part] = [Part(0, 1_000, "gap", 0, "silence")]
    t = 1_000
    for k in range(questions):
        for role, target in (("interviewer", spec.question_ms), ("candidate", spec.answer_ms)):
            a, b = next_piece(who[role], target)
            parts.append(Part(t, t + b - a, role, a))
            t += b - a
            sound = spec.gaps[(2 * k + (role == "candidate")) % len(spec.gaps)]
            gap = spec.gap_ms[(k + (role == "candidate")) % 2]
            parts.append(Part(t, t + gap, "gap", 0, sound))
            t += gap
    return parts


def _tile_of(role: str, part: Part | None, src: Source, t_ms: int, loop_at: int) -> Any:
    if part is not None and part.who == role:
        return src.frame_at(part.src_start_ms + t_ms - part.start_ms)
    return src.frames[src.still[loop_at % len(src.still)]]


def render(spec: CallSpec, who: dict[str, Source], parts: list[Part]) -> Iterator[Any]:
    end = parts[-1].end_ms
    seen = ("interviewer",) if spec.layout == "solo" else ("interviewer", "candidate")
    order = seen[::-1] if spec.layout == "gallery" and not spec.interviewer_left else seen
    for k in range(end * FPS // 1000):
        t = k * 1000 // FPS
        part = next((p for p in parts if p.start_ms <= t < p.end_ms), None)
        tiles = [_tile_of(r, part, who[r], t, k) for r in order]
        yield _compose(tiles, spec.layout)


def _compose(tiles: list[Any], layout: str) -> npt.NDArray[np.uint8]:
    if layout == "solo":
        return np.ascontiguousarray(cv2.resize(tiles[0], (480, 480)))
    if layout == "speaker":
        return _speaker_view(tiles[0], tiles[1])
    canvas = np.empty((TILE + 2 * BORDER, 2 * TILE + 3 * BORDER, 3), np.uint8)
    canvas[:] = BACKGROUND
    for i, tile in enumerate(tiles):
        x = BORDER + i * (TILE + BORDER)
        canvas[BORDER : BORDER + TILE, x : x + TILE] = tile
    return canvas


def _speaker_view(big: Any, small: Any) -> npt.NDArray[np.uint8]:
    w, h = SPEAKER_WH
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = BACKGROUND
    x = (w - h) // 2
    canvas[:, x : x + h] = cv2.resize(big, (h, h))
    y0, x0 = h - SELF_VIEW - SELF_VIEW_MARGIN, w - SELF_VIEW - SELF_VIEW_MARGIN
    canvas[y0 : y0 + SELF_VIEW, x0 : x0 + SELF_VIEW] = cv2.resize(small, (SELF_VIEW, SELF_VIEW))
    return canvas


def mix(who: dict[str, Source], parts: list[Part], music: list[npt.NDArray[np.float32]]) -> Any:
    sr = SAMPLE_RATE_HZ
    out = np.zeros(parts[-1].end_ms * sr // 1000, np.float32)
    used = 0
    for p in parts:
        a, n = p.start_ms * sr // 1000, (p.end_ms - p.start_ms) * sr // 1000
        if p.who != "gap":
            piece = who[p.who].sound[p.src_start_ms * sr // 1000 :][:n]
        elif p.sound == "music":
            piece = music[used % len(music)][:n]
            used += 1
        else:
            continue
        out[a : a + piece.shape[0]] = piece
    return out


def encode(path: Path, frames: Iterator[Any], sound: npt.NDArray[np.float32]) -> None:
    with av.open(str(path), "w", format="mp4") as box:
        video = box.add_stream("libx264", rate=Fraction(FPS))
        audio = box.add_stream("aac", rate=SAMPLE_RATE_HZ, layout="mono")
        video.pix_fmt, video.options = "yuv420p", {"crf": "20", "preset": "veryfast"}
        for i, image in enumerate(frames):
            if i == 0:
                video.height, video.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            box.mux(video.encode(frame))
        box.mux(video.encode(None))
        for a in range(0, sound.shape[0], 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(sound[None, a : a + 1024]), format="fltp", layout="mono"
            )
            chunk.sample_rate, chunk.pts = SAMPLE_RATE_HZ, a
            box.mux(audio.encode(chunk))
        box.mux(audio.encode(None))


def _boxes(spec: CallSpec, size: tuple[int, int]) -> dict[str, Any]:
    if spec.layout == "solo":
        return {"interviewer": [0.0, 0.0, 1.0, 1.0], "candidate": None}
    w, h = size
    if spec.layout == "speaker":
        # The self-view sits over the interviewer's picture: the truth's candidate box is
        # the small tile, the interviewer's the big one (a centre in both is the small one's).
        x0, y0 = w - SELF_VIEW - SELF_VIEW_MARGIN, h - SELF_VIEW - SELF_VIEW_MARGIN
        small = [x0 / w, y0 / h, SELF_VIEW / w, SELF_VIEW / h]
        big = [(w - h) / 2 / w, 0.0, h / w, 1.0]
        return {
            "interviewer": [round(v, 4) for v in big],
            "candidate": [round(v, 4) for v in small],
        }
    left = [BORDER / w, BORDER / h, TILE / w, TILE / h]
    right = [(2 * BORDER + TILE) / w, BORDER / h, TILE / w, TILE / h]
    if not spec.interviewer_left:
        left, right = right, left
    return {"interviewer": [round(v, 4) for v in left], "candidate": [round(v, 4) for v in right]}


def truth(spec: CallSpec, parts: list[Part], size: tuple[int, int]) -> dict[str, Any]:
    turns = [p for p in parts if p.who != "gap"]
    gaps = [p for p in parts if p.who == "gap"]
    return {
        "video": f"{spec.name}.mp4",
        "layout": spec.layout,
        "duration_ms": parts[-1].end_ms,
        "boxes": _boxes(spec, size),
        "turns": [
            {
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "speaker": p.who,
                "kind": "question" if p.who == "interviewer" else "answer",
            }
            for p in turns
        ],
        "gaps": [{"start_ms": p.start_ms, "end_ms": p.end_ms, "sound": p.sound} for p in gaps],
    }


def build(spec: CallSpec, data: Path, out: Path, music: list[Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    videos = data / "videos"
    who = {
        "interviewer": load_source(videos / spec.interviewer),
        "candidate": load_source(videos / spec.candidate),
    }
    parts = plan(spec, who, questions=3)
    frames = render(spec, who, parts)
    first = next(frames)
    size = (first.shape[1], first.shape[0])
    path = out / f"{spec.name}.mp4"
    encode(path, _chain(first, frames), mix(who, parts, music))
    (out / f"{spec.name}.truth.json").write_text(json.dumps(truth(spec, parts, size), indent=1))
    return path


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("out", type=Path)
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--only", default=None, help="build only the call of this name")
    p.add_argument("--set", choices=tuple(SETS), default="dev", help="which calls")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    music = [
        np.concatenate([c.samples for c in iter_audio(args.data / "videos" / m)])
        for m in MUSIC_CLIPS
    ]
    for spec in SETS[args.set]:
        if args.only in (None, spec.name):
            print(build(spec, args.data, args.out, music))


if __name__ == "__main__":
    main()
