"""Scoring against labelled clips: margins, confusion, F1 rules, label parsing, the driver."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluation.evaluate import (
    ClipScore,
    EvalReport,
    LabelFile,
    Segment,
    format_report,
    load_labels,
    report_to_json,
    run_eval,
    score_clip,
    summarize,
    truth_for,
)
from pipeline.types import ATTENTION_LABELS, Attention

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
S, D, A, C, X = (int(a) for a in Attention)  # screen, down, away, closed, absent
# Hand-computed ratios are exact up to float rounding.
ATOL = 1e-12


def make_label(*spans: tuple[int, int, str], name: str = "clip") -> LabelFile:
    segments = [Segment(a, b, Attention.from_label(s)) for a, b, s in spans]
    return LabelFile(name, Path(f"videos/{name}.mp4"), None, segments, [])


def make_clip(rows: list[list[int]], name: str = "clip") -> ClipScore:
    confusion = np.array(rows, dtype=np.int64)
    scored, correct = int(confusion.sum()), int(np.trace(confusion))
    return ClipScore(name, scored, correct, correct / scored if scored else math.nan, confusion)


def diag(*counts: int) -> list[list[int]]:
    return [[n if i == j else 0 for j in range(len(counts))] for i, n in enumerate(counts)]


ONE = ((1000, 3000, "screen"),)
ADJACENT = ((0, 1000, "screen"), (1000, 2000, "down"))


# --- truth_for: which frames are scored ---------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "t_ms", "margin_ms", "expected"),
    [
        (ONE, 1299, 300, -1),  # 299 ms after the start: too close
        (ONE, 1300, 300, -1),  # exactly 300 ms: "more than 300 ms" is strict, not scored
        (ONE, 1301, 300, S),  # 301 ms: scored
        (ONE, 2699, 300, S),  # 301 ms before the end: scored
        (ONE, 2700, 300, -1),  # exactly 300 ms before the end: not scored
        (ONE, 2701, 300, -1),  # 299 ms before the end
        (ONE, 500, 300, -1),  # before every segment
        (ONE, 3500, 300, -1),  # after every segment
        (ONE, 3000, 300, -1),  # on the end boundary itself
        (ADJACENT, 1000, 300, -1),  # the shared boundary of two adjacent segments
        (ADJACENT, 699, 300, S),  # 301 ms before the shared boundary, first segment
        (ADJACENT, 1301, 300, D),  # 301 ms after it, second segment
        (ADJACENT, 1300, 300, -1),  # exactly 300 ms after it
        (ONE, 1000, 0, -1),  # margin 0: a frame on a boundary is still not "more than 0"
        (ONE, 1001, 0, S),  # margin 0: 1 ms inside is scored
        (((0, 600, "away"),), 300, 300, -1),  # a 600 ms segment has no scorable frame
        (((0, 602, "away"),), 301, 300, A),  # a 602 ms segment has one scorable ms
        ((), 1500, 300, -1),  # a clip with no segments scores nothing
    ],
)
def test_truth_for_margin(
    spans: tuple[tuple[int, int, str], ...], t_ms: int, margin_ms: int, expected: int
) -> None:
    truth = truth_for(make_label(*spans), np.array([t_ms], dtype=np.int64), margin_ms)
    assert truth.dtype == np.int8
    np.testing.assert_array_equal(truth, [expected])


def test_truth_for_vector_with_gap_and_float_times() -> None:
    label = make_label((0, 2000, "screen"), (3000, 5000, "closed"))
    t = np.array([0.0, 400.0, 1700.5, 2500.0, 3301.0, 4699.0, 4700.0, np.nan])
    np.testing.assert_array_equal(truth_for(label, t), [-1, S, -1, -1, C, C, -1, -1])


@pytest.mark.parametrize(
    ("t", "margin_ms", "match"),
    [
        (np.zeros((2, 2)), 300, "1-D"),  # a matrix of times
        (np.array(["a", "b"]), 300, "1-D numeric"),  # strings
        (np.zeros(3), -1, "margin_ms"),  # a negative margin
    ],
)
def test_truth_for_rejects(t: npt.NDArray[Any], margin_ms: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        truth_for(make_label(*ONE), t, margin_ms)


# --- score_clip -----------------------------------------------------------------------------

TWO = ((0, 2000, "screen"), (2000, 4000, "away"))
#               in A   in A   edge   in B   in B   outside
TWO_T = np.array([500, 1500, 2000, 2500, 3500, 9000])


@pytest.mark.parametrize(
    ("predicted", "cells", "scored", "correct"),
    [
        # all right; the boundary frame and the frame past the end are not scored
        ([S, S, D, A, A, X], {(S, S): 2, (A, A): 2}, 4, 4),
        # all predicted screen: both away frames land in row away, column screen
        ([S, S, S, S, S, S], {(S, S): 2, (A, S): 2}, 4, 2),
        # one of each mistake: screen read as down, away read as closed
        ([D, S, S, C, A, S], {(S, D): 1, (S, S): 1, (A, C): 1, (A, A): 1}, 4, 2),
        # wrong only on unscored frames: still perfect
        ([S, S, X, A, A, D], {(S, S): 2, (A, A): 2}, 4, 4),
    ],
)
def test_score_clip_confusion(
    predicted: list[int], cells: dict[tuple[int, int], int], scored: int, correct: int
) -> None:
    clip = score_clip(make_label(*TWO), TWO_T, np.array(predicted, dtype=np.int8))
    expected = np.zeros((5, 5), dtype=np.int64)
    for (true, pred), n in cells.items():
        expected[true, pred] = n
    np.testing.assert_array_equal(clip.confusion, expected)
    assert (clip.scored, clip.correct) == (scored, correct)
    np.testing.assert_allclose(clip.accuracy, correct / scored, rtol=0, atol=ATOL)


def test_score_clip_nothing_scored_has_nan_accuracy() -> None:
    clip = score_clip(make_label(*ONE), np.array([0, 5000]), np.array([S, S], dtype=np.int8))
    assert (clip.scored, clip.correct) == (0, 0)
    assert math.isnan(clip.accuracy)


@pytest.mark.parametrize(
    ("predicted", "match"),
    [
        ([S, S], "6"),  # fewer predictions than frames
        ([S, S, S, S, S, 5], "code 5"),  # not an Attention code
        ([S, S, S, S, S, -1], "code -1"),  # -1 is the "not scored" truth code, not a state
        ([0.0] * 6, "1-D numeric"),  # floats are not codes
    ],
)
def test_score_clip_rejects(predicted: list[Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        score_clip(make_label(*TWO), TWO_T, np.array(predicted))


# --- summarize ------------------------------------------------------------------------------

MIXED = [
    [30, 5, 5, 0, 0],  # screen: 40 frames
    [2, 18, 0, 0, 0],  # down: 20 frames, exactly the minimum support
    [3, 0, 16, 0, 0],  # away: 19 frames, one short of it
    [0, 0, 0, 0, 0],  # closed: never true, never predicted
    [0, 0, 0, 0, 1],  # absent: one frame, right
]


@pytest.mark.parametrize(
    ("state", "precision", "recall", "f1", "support"),
    [
        ("screen", 30 / 35, 30 / 40, 60 / 75, 40),  # fp 2+3, fn 5+5
        ("down", 18 / 23, 18 / 20, 36 / 43, 20),
        ("away", 16 / 21, 16 / 19, 32 / 40, 19),
        ("closed", 0.0, 0.0, 0.0, 0),  # every denominator zero -> 0.0, not NaN
        ("absent", 1.0, 1.0, 1.0, 1),  # perfect on a single frame
    ],
)
def test_summarize_per_state(
    state: str, precision: float, recall: float, f1: float, support: int
) -> None:
    m = summarize([make_clip(MIXED)]).per_state[state]
    np.testing.assert_allclose(
        [m["precision"], m["recall"], m["f1"]], [precision, recall, f1], rtol=0, atol=ATOL
    )
    assert m["support"] == support


def test_summarize_macro_only_over_supported_states() -> None:
    report = summarize([make_clip(MIXED)])
    assert report.macro_states == ["screen", "down"]  # away has 19 < 20, absent 1
    np.testing.assert_allclose(report.macro_f1, (60 / 75 + 36 / 43) / 2, rtol=0, atol=ATOL)
    np.testing.assert_allclose(report.screen_f1, 60 / 75, rtol=0, atol=ATOL)
    assert report.frames == 40 + 20 + 19 + 1
    assert summarize([make_clip(MIXED)], min_support=19).macro_states == ["screen", "down", "away"]


def test_summarize_pools_clips() -> None:
    report = summarize([make_clip(diag(3, 0, 0, 0, 0), "a"), make_clip(diag(0, 2, 0, 0, 0), "b")])
    np.testing.assert_array_equal(report.confusion, diag(3, 2, 0, 0, 0))
    assert [c.name for c in report.clips] == ["a", "b"]
    assert report.frames == 5


@pytest.mark.parametrize(
    ("rows", "screen_f1"),
    [
        # screen vs not: tp 8, fp 1+1 (down and away read as screen), fn 2 -> 16 / 20
        ([[8, 1, 1, 0, 0], [1, 5, 0, 0, 0], [1, 0, 3, 0, 0], [0] * 5, [0] * 5], 16 / 20),
        # confusing down with away is not a screen error
        ([[4, 0, 0, 0, 0], [0, 0, 7, 0, 0], [0, 9, 0, 0, 0], [0] * 5, [0] * 5], 1.0),
        # no screen anywhere, true or predicted: zero denominators -> 0.0
        (diag(0, 3, 3, 0, 0), 0.0),
        # screen true but never predicted: recall 0, precision 0/0 -> 0.0
        ([[0, 6, 0, 0, 0], [0] * 5, [0] * 5, [0] * 5, [0] * 5], 0.0),
    ],
)
def test_screen_f1(rows: list[list[int]], screen_f1: float) -> None:
    report = summarize([make_clip(rows)])
    np.testing.assert_allclose(report.screen_f1, screen_f1, rtol=0, atol=ATOL)
    # screen as the positive class is the one-vs-rest F1 of screen by construction
    np.testing.assert_allclose(
        report.screen_f1, report.per_state["screen"]["f1"], rtol=0, atol=ATOL
    )


@pytest.mark.parametrize(
    ("clips", "frames"),
    [
        ([], 0),  # no clips at all
        ([make_clip(diag(0, 0, 0, 0, 0))], 0),  # a clip with nothing scored
        ([make_clip(diag(5, 5, 0, 0, 0))], 10),  # states, but none with 20 frames
    ],
)
def test_summarize_without_supported_states(clips: list[ClipScore], frames: int) -> None:
    report = summarize(clips)
    assert report.frames == frames
    assert report.macro_states == []
    assert math.isnan(report.macro_f1)
    assert all(not math.isnan(float(v)) for m in report.per_state.values() for v in m.values())


# --- output ---------------------------------------------------------------------------------


def test_format_report_has_every_part() -> None:
    report = summarize([make_clip(MIXED, "busy_clip"), make_clip(diag(0, 0, 0, 0, 0), "empty")])
    text = format_report(report)
    for label in ATTENTION_LABELS:
        assert label in text
    for part in ("precision", "recall", "support", "macro-F1", "screen-vs-not F1", "80"):
        assert part in text
    assert "over screen, down" in text
    assert [ln.split() for ln in text.splitlines() if ln.startswith(("busy_clip", "empty"))] == [
        ["busy_clip", "80", f"{65 / 80:.3f}"],
        ["empty", "0", "n/a"],
    ]


def test_report_to_json_is_json_safe() -> None:
    report = summarize([make_clip(MIXED, "busy"), make_clip(diag(0, 0, 0, 0, 0), "empty")])
    data = json.loads(json.dumps(report_to_json(report), allow_nan=False))
    assert data["labels"] == list(ATTENTION_LABELS)
    assert data["confusion"] == MIXED
    assert data["frames"] == 80
    assert data["macro_states"] == ["screen", "down"]
    assert data["clips"][1] == {
        "name": "empty",
        "scored": 0,
        "correct": 0,
        "accuracy": None,
        "confusion": diag(0, 0, 0, 0, 0),
    }
    assert data["per_state"]["closed"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report_to_json(summarize([]))["macro_f1"] is None


# --- label files ----------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "video": "videos/good.mp4",
    "participant_box": [0.5, 0.0, 0.5, 1.0],
    "segments": [
        {"start_ms": 3000, "end_ms": 4000, "attention": "down"},
        {"start_ms": 0, "end_ms": 3000, "attention": "screen"},
    ],
    "note_taking": [{"start_ms": 3000, "end_ms": 4000}],
    "notes": "free text",
}


def write_label(data_dir: Path, name: str, content: Any) -> Path:
    path = data_dir / "labels" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_load_labels_parses(tmp_path: Path) -> None:
    write_label(tmp_path, "b_clip", GOOD)
    write_label(tmp_path, "a_clip", {"video": "videos/a.mp4", "segments": []})
    a, b = load_labels(tmp_path)
    assert (a.name, a.participant_box, a.segments, a.note_taking) == ("a_clip", None, [], [])
    assert b.video == tmp_path.resolve() / "videos" / "good.mp4"
    assert b.participant_box == (0.5, 0.0, 0.5, 1.0)
    assert b.segments == [Segment(0, 3000, Attention.SCREEN), Segment(3000, 4000, Attention.DOWN)]
    assert b.note_taking == [(3000, 4000)]


SEG = {"start_ms": 0, "end_ms": 1000, "attention": "screen"}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "Expecting"),  # not JSON at all
        ([GOOD], "JSON object"),  # a list at the top level
        (with_(segments=None), "segments must be a list"),  # segments missing
        (with_(video=None), "video"),  # video missing
        (with_(segments=[{**SEG, "attention": "asleep"}]), r"segments\[0\].attention"),
        (with_(segments=[{**SEG, "end_ms": 0}]), "empty"),  # zero-length segment
        (with_(segments=[{**SEG, "start_ms": 2000}]), "ends before"),
        (with_(segments=[{**SEG, "start_ms": "0"}]), "start_ms"),  # a string of ms
        (with_(segments=[{**SEG, "end_ms": 999.5}]), "end_ms"),  # fractional ms
        (with_(segments=[{**SEG, "end_ms": True}]), "end_ms"),  # a bool is not an int
        (with_(segments=[{**SEG, "start_ms": -5}]), "non-negative"),
        (with_(segments=[SEG, {**SEG, "start_ms": 999, "end_ms": 2000}]), "overlap"),
        (with_(segments=["screen"]), r"segments\[0\] must be a JSON object"),
        (with_(participant_box=[0.1, 0.1, 0.5]), "participant_box"),  # three numbers
        (with_(participant_box=[0.1, 0.1, 0.0, 0.5]), "participant_box"),  # zero width
        (with_(participant_box=[10, 10, 200, 300]), "participant_box"),  # pixels
        (with_(note_taking=[{"start_ms": 5, "end_ms": 1}]), r"note_taking\[0\]"),
        (with_(note_taking={"start_ms": 0, "end_ms": 1}), "note_taking must be a list"),
    ],
)
def test_load_labels_rejects_malformed(tmp_path: Path, content: Any, match: str) -> None:
    write_label(tmp_path, "fine", GOOD)
    bad = write_label(tmp_path, "bad_clip", content)
    with pytest.raises(ValueError, match=match) as info:
        load_labels(tmp_path)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize(
    "spans",
    [
        ((0, 1000, "screen"), (999, 2000, "down")),  # overlap by 1 ms
        ((1000, 2000, "screen"), (0, 500, "down")),  # out of order
    ],
)
def test_label_file_rejects_unordered_segments(spans: tuple[tuple[int, int, str], ...]) -> None:
    with pytest.raises(ValueError, match="overlap or are out of order"):
        make_label(*spans)


def test_load_labels_needs_a_labels_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="labels"):
        load_labels(tmp_path)


# --- run_eval -------------------------------------------------------------------------------


def perfect(label: LabelFile) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Right on every scored frame, absent elsewhere, at 5 frames a second."""
    end = max((s.end_ms for s in label.segments), default=0)
    t = np.arange(0, end + 1000, 200, dtype=np.int64)
    truth = truth_for(label, t)
    return t, np.where(truth >= 0, truth, X).astype(np.int8)


def test_run_eval_skips_missing_videos(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "good.mp4").write_bytes(b"")
    write_label(tmp_path, "present", GOOD)
    write_label(tmp_path, "missing", with_(video="videos/gone.mp4"))
    calls: list[tuple[str, int, int]] = []
    with caplog.at_level(logging.WARNING, logger="cuewatch"):
        report = run_eval(tmp_path, perfect, lambda *c: calls.append(c))
    assert calls == [("present", 0, 1)]
    assert [c.name for c in report.clips] == ["present"]
    assert any("missing" in r.getMessage() and "gone.mp4" in r.getMessage() for r in caplog.records)
    # screen 0-3000 ms: 301..2699 at 200 ms steps; down 3000-4000: 3301..3699
    np.testing.assert_array_equal(np.diag(report.confusion), [12, 2, 0, 0, 0])
    np.testing.assert_allclose(report.clips[0].accuracy, 1.0, rtol=0, atol=ATOL)


needs_data = pytest.mark.skipif(not (DATA_DIR / "labels").is_dir(), reason="no shared data")


@needs_data
def test_load_labels_real_data() -> None:
    labels = load_labels(DATA_DIR)
    # The count follows the shared folder, which grows (21 clips, then 39 with issue 9).
    files = list((DATA_DIR / "labels").glob("*.json"))
    assert len(labels) == len(files) >= 21
    assert [lb.name for lb in labels] == sorted(lb.name for lb in labels)
    assert all(lb.video.is_file() for lb in labels)
    assert all(lb.segments for lb in labels)


@needs_data
def test_run_eval_real_labels_all_screen() -> None:
    def all_screen(label: LabelFile) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        t, _ = perfect(label)
        return t, np.full(t.shape, S, dtype=np.int8)

    report = run_eval(DATA_DIR, all_screen)
    assert len(report.clips) == len(list((DATA_DIR / "labels").glob("*.json")))
    assert report.frames == sum(c.scored for c in report.clips) > 0
    np.testing.assert_array_equal(report.confusion[:, 1:], 0)  # nothing but screen predicted
    np.testing.assert_allclose(report.per_state["screen"]["recall"], 1.0, rtol=0, atol=ATOL)
    assert {"down", "away"} <= set(report.macro_states)  # the real clips have both


# --- property -------------------------------------------------------------------------------

segment_specs = st.lists(
    st.tuples(st.integers(0, 800), st.integers(1, 3000), st.sampled_from(list(Attention))),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(
    specs=segment_specs,
    step_ms=st.integers(17, 400),
    noise=st.lists(st.sampled_from([int(a) for a in Attention]), min_size=1),
)
def test_perfect_predictions_score_one(
    specs: list[tuple[int, int, Attention]], step_ms: int, noise: list[int]
) -> None:
    segments, cursor = [], 0
    for gap, length, state in specs:
        segments.append(Segment(cursor + gap, cursor + gap + length, state))
        cursor += gap + length
    label = LabelFile("prop", Path("v.mp4"), None, segments, [])
    t = np.arange(0, cursor + 500, step_ms, dtype=np.int64)
    truth = truth_for(label, t)
    # anything at all on unscored frames
    filler = np.resize(np.array(noise, dtype=np.int8), t.shape)
    clip = score_clip(label, t, np.where(truth >= 0, truth, filler).astype(np.int8))
    report: EvalReport = summarize([clip], min_support=1)
    assert clip.correct == clip.scored == report.frames == int((truth >= 0).sum())
    if clip.scored:
        assert clip.accuracy == 1.0
    else:
        assert math.isnan(clip.accuracy)
    for m in report.per_state.values():
        expected = 1.0 if m["support"] else 0.0
        np.testing.assert_allclose(
            [m["precision"], m["recall"], m["f1"]], expected, rtol=0, atol=ATOL
        )
    if report.macro_states:
        assert report.macro_f1 == 1.0
    else:
        assert math.isnan(report.macro_f1)
