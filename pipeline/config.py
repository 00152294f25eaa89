"""Every threshold of the pipeline, each with its unit in the name and why it has that value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class PipelineConfig:
    # Five analysed frames a second resolve a 0.5 s closure and a 1 s glance at a fraction
    # of the cost of every frame.
    fps: float = 5.0
    # FaceMesh below this face detection confidence gives jittery landmarks.
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # Hands are only an auxiliary note-taking cue; the light model is enough to see them.
    hands_model_complexity: int = 0

    # --- calibration: the participant's attending direction -------------------------------
    # Fewer open-eyed frames than this and no baseline is attempted (a person never seen).
    calibration_min_frames: int = 5
    # Radius of the dominant-cluster search, in gaze degrees: wide enough for screen-sized
    # gaze shifts (a 15" screen at 60 cm spans about 30 degrees), narrow enough to keep a
    # look to the side out.
    calibration_radius_deg: float = 10.0

    # --- states ------------------------------------------------------------------------------
    # Gaze further than this from the baseline (yaw) is "away".
    away_yaw_deg: float = 12.0
    # Looking up this far above the baseline is "away" (people rarely look up at a screen).
    away_up_deg: float = 14.0
    # Below the baseline by this much combined evidence (degrees of pitch) is "down".
    down_pitch_deg: float = 10.0
    # Lid aperture below this fraction of the person's own open-eye baseline is "closed"
    # (unless the gaze evidence says the eyes are lowered, which also narrows the lids).
    closed_ratio: float = 0.45
    # Hysteresis: leaving a state needs the evidence to fall this far back, in degrees.
    hysteresis_deg: float = 3.0
    # A closure shorter than this is a blink and does not interrupt the state around it.
    blink_max_ms: int = 500
    # States shorter than this are merged into their neighbours (glances below this are noise).
    min_dwell_ms: int = 300
    # A face lost for at most this long is bridged (tracker dropouts, motion blur).
    absent_bridge_ms: int = 400

    # --- aggregation (windows, episodes, events) ------------------------------------------
    window_ms: int = 30_000
    # Windows with less face than this abstain from a score: not enough to judge.
    min_window_coverage: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
