"""Rows: landmark rows appended into one growing array read back exactly as a stacked list."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pipeline.people.rows import Rows

# Each step: append a row of this value, append this many missing rows, or take the last back.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("row"), st.floats(-2, 2, width=32)),
        st.tuples(st.just("missing"), st.integers(0, 5)),
        st.tuples(st.just("clear"), st.just(0)),
    ),
    max_size=60,
)


@given(STEPS, st.integers(1, 8))
def test_rows_equal_the_list_they_replace(steps: list[tuple[str, float]], capacity: int) -> None:
    rows = Rows((3, 2), capacity)
    expected: list[np.ndarray] = []
    for kind, value in steps:
        if kind == "row":
            row = np.full((3, 2), value, np.float32)
            rows.append(row)
            expected.append(row)
        elif kind == "missing":
            rows.append_missing(int(value))
            expected.extend(np.full((3, 2), np.nan, np.float32) for _ in range(int(value)))
        elif expected:
            rows.clear_last()
            expected[-1] = np.full((3, 2), np.nan, np.float32)
    out = rows.array()
    assert len(rows) == len(expected) == len(out)
    assert out.dtype == np.float32 and out.shape[1:] == (3, 2)
    if expected:
        np.testing.assert_array_equal(out, np.stack(expected))
