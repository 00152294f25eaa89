"""Whose speech, and turns: hand-built lip activity joined with stretches of speech."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.audio import speakers
from pipeline.audio.conversation import whose_speech
from pipeline.audio.lips import lip_activity, mouth_opening
from pipeline.audio.turns import turns
from pipeline.config import PipelineConfig
from pipeline.types import SpeechSegment
from tests.conftest import recording

CONFIG = PipelineConfig()
STEP_MS = 200
TALK, REST = 0.05, 0.002  # lip activity of talking and of still lips
NAN = float("nan")


def frames(seconds: float) -> np.ndarray:
    return np.arange(0, round(seconds * 1000), STEP_MS, dtype=np.int64)


def lips(t: np.ndarray, *rows: list[tuple[int, int, float]]) -> np.ndarray:
    """One row per participant: REST everywhere except the `(start_ms, end_ms, value)`s."""
    out = np.full((len(rows), t.shape[0]), REST, np.float32)
    for i, row in enumerate(rows):
        for a, b, v in row:
            out[i, (t >= a) & (t < b)] = v
    return out


def attribute(
    t: np.ndarray, activity: np.ndarray, spans: list[tuple[int, int]]
) -> list[SpeechSegment]:
    ids = [f"p{i}" for i in range(activity.shape[0])]
    return whose_speech(t, activity, ids, spans, CONFIG)


def who(segments: list[SpeechSegment]) -> list[tuple[int, int, str]]:
    return [(s.start_ms, s.end_ms, s.speaker) for s in segments]


def test_speech_goes_to_the_face_whose_lips_move() -> None:
    t = frames(20)
    activity = lips(t, [(1_000, 5_000, TALK)], [(8_000, 14_000, TALK)])
    got = who(attribute(t, activity, [(1_000, 5_000), (8_000, 14_000)]))
    assert got == [(1_000, 5_000, "p0"), (8_000, 14_000, "p1")]


def test_speech_with_every_visible_face_still_is_unseen() -> None:
    t = frames(20)
    activity = lips(t, [(1_000, 4_000, TALK)])  # p0 talks, then listens to someone unseen
    got = who(attribute(t, activity, [(1_000, 4_000), (6_000, 12_000)]))
    assert got == [(1_000, 4_000, "p0"), (6_000, 12_000, "unseen")]


def test_speech_the_voice_detector_missed_does_not_raise_the_still_level() -> None:
    # A soft face whose lips jitter at 0.03 at rest and reach 0.08 talking (the child of
    # held-out call 3). Four of the ~20 s away from the found speech are their talk the voice
    # detector missed: counted as rest, a high percentile of it would rise over their talking.
    t = frames(30)
    jitter, talk = 0.03, 0.08
    activity = np.full((1, t.shape[0]), jitter, np.float32)
    activity[0, (t >= 1_000) & (t < 5_000)] = talk  # found: theirs
    activity[0, (t >= 17_000) & (t < 21_000)] = talk  # missed by the voice detector
    spans = [(1_000, 5_000), (8_000, 14_000)]  # the second is someone unseen
    level = speakers.active_levels(t, activity, spans, CONFIG)[0]
    assert jitter < level < talk
    assert who(attribute(t, activity, spans)) == [(1_000, 5_000, "p0"), (8_000, 14_000, "unseen")]


def test_a_speaker_whose_face_is_lost_keeps_the_speech() -> None:
    # p0 talks while turned away (no face), p1 listens with still lips: p0's, not unseen
    t = frames(20)
    activity = lips(t, [(2_000, 9_000, NAN)], [])
    got = who(attribute(t, activity, [(2_000, 9_000)]))
    assert got == [(2_000, 9_000, "p0")]


def test_lips_barely_moving_but_clearly_more_than_the_others_speak() -> None:
    # 0.008 is under the level that counts as talking (0.015), but 4x the listener's
    t = frames(10)
    activity = lips(t, [(1_000, 6_000, 0.008)], [])
    assert who(attribute(t, activity, [(1_000, 6_000)])) == [(1_000, 6_000, "p0")]


@pytest.mark.parametrize(
    ("pause_ms", "expected"),
    [
        # a pause of 0.6 s inside one speaker's speech is theirs: one segment
        (600, [(1_000, 8_600, "p0")]),
        # 1.2 s is not held: two segments (the turn still joins them)
        (1_200, [(1_000, 4_000, "p0"), (5_200, 9_200, "p0")]),
    ],
)
def test_short_pauses_in_one_speakers_speech_are_held(
    pause_ms: int, expected: list[tuple[int, int, str]]
) -> None:
    t = frames(12)
    end = 4_000 + pause_ms
    activity = lips(t, [(1_000, 4_000, TALK), (end, end + 4_000, TALK)], [])
    assert who(attribute(t, activity, [(1_000, 4_000), (end, end + 4_000)])) == expected


def test_a_flicker_of_other_lips_does_not_split_a_segment() -> None:
    t = frames(12)
    activity = lips(t, [(1_000, 10_000, TALK)], [(5_000, 5_400, 2 * TALK)])
    assert who(attribute(t, activity, [(1_000, 10_000)])) == [(1_000, 10_000, "p0")]


def test_confidence_is_the_share_of_frames_agreeing() -> None:
    t = frames(12)
    activity = lips(t, [(1_000, 10_000, TALK)], [(5_000, 5_400, 2 * TALK)])
    (segment,) = attribute(t, activity, [(1_000, 10_000)])
    assert segment.confidence == pytest.approx(43 / 45, abs=0.001)


def seg(a: int, b: int, speaker: str) -> SpeechSegment:
    return SpeechSegment(a, b, speaker, 1.0)


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        # a question and an answer with a pause of 1.5 s between
        (
            [seg(0, 3_000, "p0"), seg(4_500, 12_000, "p1")],
            [(0, 3_000, "p0", "interviewer"), (4_500, 12_000, "p1", "candidate")],
        ),
        # one speaker's pauses under 2 s stay inside the turn
        (
            [seg(0, 3_000, "p1"), seg(4_000, 8_000, "p1"), seg(9_500, 12_000, "p1")],
            [(0, 12_000, "p1", "candidate")],
        ),
        # a pause of 2.5 s ends it
        (
            [seg(0, 3_000, "p1"), seg(5_500, 8_000, "p1")],
            [(0, 3_000, "p1", "candidate"), (5_500, 8_000, "p1", "candidate")],
        ),
        # speech nobody in the picture makes is the candidate's when no one else speaks
        (
            [seg(0, 3_000, "p0"), seg(4_000, 20_000, "unseen")],
            [(0, 3_000, "p0", "interviewer"), (4_000, 20_000, "unseen", "candidate")],
        ),
        # a third voice with less speech than the candidate is other; a 0.5 s "mm-hmm" is
        # not a turn
        (
            [
                seg(0, 3_000, "p0"),
                seg(4_000, 20_000, "p1"),
                seg(21_000, 24_000, "p2"),
                seg(25_000, 25_500, "p0"),
            ],
            [
                (0, 3_000, "p0", "interviewer"),
                (4_000, 20_000, "p1", "candidate"),
                (21_000, 24_000, "p2", "other"),
            ],
        ),
    ],
)
def test_turns(segments: list[SpeechSegment], expected: list[tuple[int, int, str, str]]) -> None:
    got = turns(segments, "p0", CONFIG)
    assert [(x.start_ms, x.end_ms, x.speaker, x.role) for x in got] == expected
    assert [x.id for x in got] == [f"t{i + 1}" for i in range(len(expected))]


def test_short_unseen_speech_next_to_a_speaker_is_theirs() -> None:
    got = speakers.absorb_unseen(
        [seg(0, 700, "unseen"), seg(1_000, 5_000, "p1"), seg(9_000, 20_000, "unseen")], CONFIG
    )
    assert who(got) == [(0, 700, "p1"), (1_000, 5_000, "p1"), (9_000, 20_000, "unseen")]


def test_lip_activity_tells_talking_from_still_lips_on_real_recordings() -> None:
    # the mesh of people talking (their clips' own speech) against a still, silent face
    def median(name: str) -> float:
        s = recording(name)
        return float(np.nanmedian(lip_activity(s.timestamp_ms, mouth_opening(s), 1_000)))

    talking = [median(n) for n in ("talk_edmarkey", "talk_katiehill", "vox_eyes_down")]
    still = [median(n) for n in ("phone_eyes_center", "webcam_d9_man", "selfie_d14_eye_shifts")]
    assert min(talking) > CONFIG.lips_active_std > 3 * max(still)


def test_in_a_two_tile_call_speech_from_nobody_seen_is_the_quiet_partys() -> None:
    # p0 talks with moving lips; p1's lips never move, yet someone speaks at 8-14 s
    t = frames(20)
    activity = lips(t, [(1_000, 5_000, TALK)], [])
    ids, spans = ["p0", "p1"], [(1_000, 5_000), (8_000, 14_000)]
    alone = whose_speech(t, activity, ids, spans, CONFIG)
    assert who(alone) == [(1_000, 5_000, "p0"), (8_000, 14_000, "unseen")]
    paired = whose_speech(t, activity, ids, spans, CONFIG, two_tiles=True)
    assert who(paired) == [(1_000, 5_000, "p0"), (8_000, 14_000, "p1")]
    assert paired[1].confidence == 0.0  # no frame's lips say so


@pytest.mark.parametrize(
    "rows",
    [
        # both speak by their lips: the third voice stays nobody's in the picture
        ([(1_000, 5_000, TALK)], [(15_000, 18_000, TALK)]),
        # three people in sight: who of the two quiet ones would it be
        ([(1_000, 5_000, TALK)], [], []),
    ],
)
def test_speech_from_nobody_seen_stays_unseen_unless_one_quiet_party_is_left(
    rows: tuple[list[tuple[int, int, float]], ...],
) -> None:
    t = frames(20)
    activity = lips(t, *rows)
    ids = [f"p{i}" for i in range(len(rows))]
    spans = [(1_000, 5_000), (8_000, 14_000), (15_000, 18_000)]
    segs = whose_speech(t, activity, ids, spans, CONFIG, two_tiles=True)
    assert (8_000, 14_000, "unseen") in who(segs)


def test_only_a_picture_of_two_tiles_with_one_person_in_each_is_a_two_person_gallery() -> None:
    # Speech nobody seen makes is put down to one of two people only when the picture holds
    # nobody else: a third tile, even a faceless one (a camera switched off), may be talking.
    from pipeline.analyze import two_person_gallery
    from pipeline.people.record import Recording, Tracked
    from pipeline.types import VideoInfo

    info = VideoInfo("call.mp4", "h264", 1280, 720, 25.0, 30_000, 0, 750)
    left, right, third = (0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 0.5, 1.0), (0.0, 0.5, 0.5, 0.5)
    her, him = recording("talk_katiehill"), recording("talk_radio34")
    own = [Tracked(left, her, 0.1, True), Tracked(right, him, 0.1, True)]
    assert two_person_gallery(Recording(info, own, [left, right]))
    assert not two_person_gallery(Recording(info, own, [left, right, third]))
    one_camera = [Tracked(left, her, 0.1, False), Tracked(left, him, 0.1, True)]
    assert not two_person_gallery(Recording(info, one_camera, [(0.0, 0.0, 1.0, 1.0)]))
    alone = [Tracked(left, her, 0.1, True)]
    assert not two_person_gallery(Recording(info, alone, [left, right]))
