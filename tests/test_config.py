"""PipelineConfig refuses values no stage can work with, naming the field."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from pipeline.config import PipelineConfig


def test_defaults_are_accepted() -> None:
    assert PipelineConfig().survey_close_every >= 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("survey_close_every", 0), ("survey_interval_ms", -1000), ("window_ms", 0)],
)
def test_a_step_or_span_of_zero_or_less_is_refused(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"PipelineConfig.{field} must be above 0, got {value}"):
        replace(PipelineConfig(), **{field: value})


@pytest.mark.parametrize("field", ["fps", "away_yaw_deg", "closed_ratio"])
def test_a_number_that_is_not_finite_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=f"PipelineConfig.{field} must be a finite number"):
        replace(PipelineConfig(), **{field: math.nan})
