"""Note-taking episodes: a rhythm of short looks down with returns to the screen between them.

An interviewer writing notes looks down for a few seconds, comes back to the screen, and looks
down again. One long look down (a phone, a document) is not that rhythm and ends an episode.
Hands seen low in the frame or moving during the episode are supporting evidence: with them two
looks down are enough, without them three are needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.attention.runs import Run, frame_end_ms, merge_runs, runs
from pipeline.config import PipelineConfig
from pipeline.types import Attention, AttentionSeries, BoolArray, IntArray, Signals


@dataclass(frozen=True)
class Episode:
    """One note-taking episode.

    Attributes:
        glances: the looks down, in time order; the episode spans the first to the last.
        hand_share: share of the episode's hand-visible frames with hands low or moving (NaN
            when no hand was seen).
        confidence: 0-1, from the number of looks down and the hand evidence.
        quiet_after_ms: time from the end of the episode to the next look down (or to the end
            of the recording): how long the stop was observed to hold.
    """

    glances: tuple[Run, ...]
    hand_share: float
    confidence: float
    quiet_after_ms: int

    @property
    def start_ms(self) -> int:
        return self.glances[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.glances[-1].end_ms


def hand_activity(signals: Signals, config: PipelineConfig) -> tuple[BoolArray, BoolArray]:
    """Per-frame hand evidence: (hands visible, visible and low or moving), both `(T,)`."""
    visible = signals.hands_visible > 0
    moving = np.nan_to_num(signals.hand_motion, nan=0.0) > config.note_hand_motion_min_wps
    return visible, visible & (signals.hands_low | moving)


def _screen_ms_between(screen_ms_cum: IntArray, a: Run, b: Run) -> int:
    return int(screen_ms_cum[b.start] - screen_ms_cum[a.stop])


def _looks_down(
    states: AttentionSeries, end_ms: IntArray, config: PipelineConfig
) -> tuple[list[Run], IntArray]:
    """Looks down, and the cumulative screen ms (to measure the returns between them).

    A look is a run of `down` frames, with `closed` frames inside or beside it (lids lowered
    over writing read as closed) and flickers shorter than a return joined.
    """
    codes = states.attention
    is_screen = codes == Attention.SCREEN
    screen_ms_cum = np.concatenate([[0], np.cumsum((end_ms - states.timestamp_ms) * is_screen)])
    lowered = (codes == Attention.DOWN) | (codes == Attention.CLOSED)
    spells = [
        r
        for r in runs(lowered, states.timestamp_ms, end_ms)
        if np.any(codes[r.start : r.stop] == Attention.DOWN)
    ]
    looks = merge_runs(spells, config.note_return_min_ms)
    return [r for r in looks if r.duration_ms >= config.note_glance_min_ms], screen_ms_cum


def _linked(a: Run, b: Run, screen_ms_cum: IntArray, config: PipelineConfig) -> bool:
    """Whether look `b` continues the rhythm of look `a`: soon after, mostly back on the screen."""
    gap_ms = b.start_ms - a.end_ms
    screen_ms = _screen_ms_between(screen_ms_cum, a, b)
    returned = screen_ms >= max(config.note_return_min_ms, config.note_return_share_min * gap_ms)
    return gap_ms <= config.note_max_gap_ms and returned


def glance_chains(
    states: AttentionSeries, end_ms: IntArray, config: PipelineConfig
) -> list[list[Run]]:
    """Chains of short looks down linked by returns to the screen.

    Args:
        states: the participant's attention states.
        end_ms: `(T,)` frame end times.
        config: note-taking thresholds.

    Returns:
        The chains in time order, each a list of looks down; long looks split chains.
    """
    looks, screen_ms_cum = _looks_down(states, end_ms, config)
    chains: list[list[Run]] = []
    prev: Run | None = None
    for look in looks:
        short = look.duration_ms <= config.note_glance_max_ms
        if short and prev is not None and chains and _linked(prev, look, screen_ms_cum, config):
            chains[-1].append(look)
        elif short:
            chains.append([look])
        prev = look if short else None
    return chains


def _hand_share(chain: list[Run], visible: BoolArray, active: BoolArray) -> float:
    span = slice(chain[0].start, chain[-1].stop)
    seen = int(visible[span].sum())
    return float(active[span].sum() / seen) if seen else float("nan")


def _qualifies(glances: int, hand_share: float, config: PipelineConfig) -> bool:
    if glances >= config.note_min_glances:
        return True
    has_hands = bool(hand_share >= config.note_hand_share_min)  # NaN compares False
    return has_hands and glances >= config.note_min_glances_with_hands


def episode_confidence(glances: int, hand_share: float, config: PipelineConfig) -> float:
    """Confidence that a chain of looks down is note-taking.

    Each further look down halves the chance that the rhythm is coincidence; hands seen low
    or moving add up to a quarter, hands seen but still and high take it away.

    Args:
        glances: number of looks down in the chain.
        hand_share: share of hand-visible frames with hands low or moving; NaN if never seen.
        config: gives the hand share that counts as full evidence.
    """
    rhythm = 1.0 - 0.5 ** (glances - 1)
    if np.isnan(hand_share):
        return round(min(rhythm, 0.99), 2)
    hands = min(1.0, hand_share / config.note_hand_share_min)
    return round(min(0.75 * rhythm + 0.25 * hands, 0.99), 2)


def _quiet_after(chain: list[Run], following: list[Run], last_end_ms: int) -> int:
    later = [r.start_ms for r in following if r.start_ms >= chain[-1].end_ms]
    return (later[0] if later else last_end_ms) - chain[-1].end_ms


def note_taking(
    signals: Signals, states: AttentionSeries, config: PipelineConfig
) -> tuple[BoolArray, list[Episode]]:
    """Finds note-taking episodes and flags their frames.

    Args:
        signals: per-frame measurements (hands visible, low, moving), `(T,)` each.
        states: attention states of the same frames.
        config: note-taking thresholds (`note_*`).

    Returns:
        The `(T,)` note-taking flag (True from the first to the end of the last look down of
        each episode) and the episodes in time order.
    """
    end_ms = frame_end_ms(states.timestamp_ms, config.fps)
    visible, active = hand_activity(signals, config)
    flag = np.zeros(len(states), dtype=bool)
    down_runs = [
        r
        for r in runs(states.attention == Attention.DOWN, states.timestamp_ms, end_ms)
        if r.duration_ms >= config.note_glance_min_ms
    ]
    episodes: list[Episode] = []
    for chain in glance_chains(states, end_ms, config):
        share = _hand_share(chain, visible, active)
        if not _qualifies(len(chain), share, config):
            continue
        flag[chain[0].start : chain[-1].stop] = True
        quiet = _quiet_after(chain, down_runs, int(end_ms[-1]))
        conf = episode_confidence(len(chain), share, config)
        episodes.append(Episode(tuple(chain), share, conf, quiet))
    return flag, episodes
