"""Shared fixtures: the real data folder (../shared/data) and committed landmark recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.types import LandmarkSeries

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"
LANDMARKS_DIR = REPO / "tests" / "data" / "landmarks"


def shared_path(relative: str) -> Path:
    """A file under ../shared/data, or a clean skip when the data is not there."""
    path = DATA_DIR / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def recording(name: str) -> LandmarkSeries:
    """A committed landmark recording, made by `cuewatch record` from a shared clip."""
    path = LANDMARKS_DIR / f"{name}.npz"
    if not path.exists():
        pytest.fail(f"missing recording {path}: regenerate with `make recordings`")
    return LandmarkSeries.load(path)


@pytest.fixture
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not available: {DATA_DIR}")
    return DATA_DIR
