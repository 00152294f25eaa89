"""Looking for hands, only when they can tell something: while someone looks down.

Hands only support the note-taking cue (hands low or moving while looking down), and the hand
model costs three times the face mesh, so most frames are not searched at all.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.config import PipelineConfig
from pipeline.media.decode import shrink
from pipeline.people.landmarks import LandmarkModel

F32 = npt.NDArray[np.float32]

# Hands are large in the picture; the palm detector works at 192 px, so a 640 px picture
# loses nothing it uses and costs a quarter of the conversion of a 1280 px one.
HANDS_MAX_SIDE_PX = 640
# Two hands per person in view, within reason: each found hand costs a model run.
MOST_HANDS = 6


class HandSearch:
    """The hand model of one recording, built when first needed (many calls never need it)."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self._model: LandmarkModel | None = None
        self._calls = 0

    def close(self) -> None:
        if self._model is not None:
            self._model.close()

    def find(self, image: npt.NDArray[np.uint8], looking_down: bool, people: int) -> list[F32]:
        """Hands `(21, 3)` normalised to the frame, on a reduced picture, when anyone is
        `looking_down` (and, if configured, on every n-th frame); otherwise none are
        looked for and none are returned."""
        self._calls += 1
        every = self.config.hands_every_n_frames
        due = every > 0 and (self._calls - 1) % every == 0
        if not (due or looking_down):
            return []
        if self._model is None:
            most = min(2 * max(people, 1), MOST_HANDS)
            self._model = LandmarkModel(self.config, face=False, max_hands=most)
        return self._model.all_hands(shrink(image, HANDS_MAX_SIDE_PX))
