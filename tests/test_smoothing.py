"""Temporal rules on state sequences, as tables of small hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.attention.smoothing import apply_dwell, bridge_absent, run_duration_ms, runs
from pipeline.config import PipelineConfig
from pipeline.types import Attention

CODES = {
    "S": Attention.SCREEN,
    "D": Attention.DOWN,
    "A": Attention.AWAY,
    "C": Attention.CLOSED,
    "X": Attention.ABSENT,
}


def seq(text: str) -> np.ndarray:
    return np.array([CODES[c] for c in text], dtype=np.int8)


def text(states: np.ndarray) -> str:
    letters = {int(v): k for k, v in CODES.items()}
    return "".join(letters[int(s)] for s in states)


def times(n: int, step_ms: int = 200) -> np.ndarray:
    return np.arange(n, dtype=np.int64) * step_ms


def test_runs_split_at_every_change() -> None:
    assert runs(seq("SSDDDS")) == [(0, 2), (2, 5), (5, 6)]
    assert runs(seq("")) == []


def test_run_duration_extends_the_last_run_by_one_frame_step() -> None:
    t = times(5)
    assert run_duration_ms(t, 0, 2) == 400  # until the next run starts
    assert run_duration_ms(t, 3, 5) == 400  # last run: 200 ms span + one 200 ms step


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("SSSCSSS", "SSSSSSS"),  # one frame (200 ms) of shut lids is a blink
        ("SSSCCSSS", "SSSSSSSS"),  # 400 ms is still a blink
        ("SSSCCCSSS", "SSSCCCSSS"),  # 600 ms is eyes closed
        ("SSSSASSSS", "SSSSSSSSS"),  # a single-frame glance is below the minimum dwell
        ("SSSAASSSS", "SSSAASSSS"),  # 400 ms away is a real glance
        ("DDDSDDD", "DDDDDDD"),  # one frame of screen inside a look down is noise
        ("SSXSS", "SSSSS"),  # a 200 ms face dropout is bridged
        ("SSXXXSS", "SSXXXSS"),  # 600 ms without a face stays absent
        ("CSSSS", "SSSSS"),  # a blink at the start takes the state after it
    ],
)
def test_apply_dwell(before: str, after: str) -> None:
    out = apply_dwell(times(len(before)), seq(before), PipelineConfig())
    assert text(out) == after


def test_absent_at_the_edges_is_never_bridged() -> None:
    assert text(bridge_absent(times(5), seq("XSSSX"), 400)) == "XSSSX"
