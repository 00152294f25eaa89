"""Per-frame landmark rows kept in one growing array instead of a list of small arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


class Rows:
    """Equal-shaped float32 rows appended one at a time.

    A list of per-frame arrays costs an object per frame and a full copy when stacked at the
    end (twice the landmarks at the peak); here rows go straight into one array, sized in
    advance from the expected count and grown by half when that runs out, and `array()` is
    a view of the filled part. Pages past the filled part are never touched, so a generous
    guess costs address space, not memory.
    """

    def __init__(self, row_shape: tuple[int, ...], capacity: int = 1024) -> None:
        self._data: F32 = np.empty((max(capacity, 1), *row_shape), dtype=np.float32)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def _room(self, count: int) -> None:
        need = self._n + count
        if need > len(self._data):
            grown = np.empty(
                (max(need, len(self._data) * 3 // 2), *self._data.shape[1:]), np.float32
            )
            grown[: self._n] = self._data[: self._n]
            self._data = grown

    def append(self, row: F32) -> None:
        self._room(1)
        self._data[self._n] = row
        self._n += 1

    def append_missing(self, count: int = 1) -> None:
        """Rows of NaN (nothing found)."""
        self._room(count)
        self._data[self._n : self._n + count] = np.nan
        self._n += count

    def clear_last(self) -> None:
        """Makes the last row NaN (a detection taken back)."""
        self._data[self._n - 1] = np.nan

    def array(self) -> F32:
        """The rows so far, `(N, *row_shape)` (a view: later appends may not show in it)."""
        return self._data[: self._n]
