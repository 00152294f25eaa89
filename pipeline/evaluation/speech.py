"""Scores `result.json`'s `speech` against a generated call's truth (who speaks when).

The truth (`benchmarks/calls.py` writes it beside each call) names the interviewer's and the
candidate's boxes (the candidate's is null when unseen), the turns and the gaps between
them. Figures, on a 10 ms grid: the share of speech time given to the right speaker, the
share of gap time given to nobody (and of music gaps alone), and which turns were found
with both bounds within `bound_ms`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TICK_MS = 10


def speaker_roles(result: dict[str, Any], truth: dict[str, Any]) -> dict[str, str]:
    """Predicted speaker id -> truth role (`interviewer`/`candidate`), by whose truth box
    holds the participant's box centre; `unseen` is the candidate when no participant is
    theirs (the truth has no candidate box, or nobody was found in it)."""
    roles: dict[str, str] = {}
    for p in result.get("participants", []):
        x, y, w, h = p["box"]
        for role, box in truth["boxes"].items():
            if (
                box
                and box[0] <= x + w / 2 <= box[0] + box[2]
                and box[1] <= y + h / 2 <= box[1] + box[3]
            ):
                roles[p["id"]] = role
    # A candidate not in the picture, or whose tile (a small self-view) holds no participant
    # found: their speech is nobody's in the picture, `unseen`.
    if "candidate" not in roles.values():
        roles["unseen"] = "candidate"
    return roles


def _grid(duration_ms: int) -> Any:
    return np.arange(0, duration_ms, TICK_MS) + TICK_MS // 2


def _labels(ticks: Any, items: list[dict[str, Any]], key: Any) -> list[str | None]:
    out: list[str | None] = [None] * ticks.shape[0]
    for item in items:
        a, b = np.searchsorted(ticks, [item["start_ms"], item["end_ms"]])
        for k in range(int(a), int(b)):
            out[k] = key(item)
    return out


def score_call(
    result: dict[str, Any], truth: dict[str, Any], bound_ms: int = 1_000
) -> dict[str, Any]:
    """Figures for one call (see the module docstring)."""
    roles = speaker_roles(result, truth)
    speech = result["speech"]
    ticks = _grid(truth["duration_ms"])
    said = _labels(ticks, truth["turns"], lambda t: t["speaker"])
    heard = _labels(ticks, speech["segments"], lambda s: roles.get(s["speaker"], "wrong"))
    music = _labels(ticks, [g for g in truth["gaps"] if g["sound"] == "music"], lambda g: "m")
    pairs = list(zip(said, heard, music, strict=True))
    speech_ticks = [h == s for s, h, _ in pairs if s is not None]
    gap_ticks = [h is None for s, h, _ in pairs if s is None]
    music_ticks = [h is None for s, h, m in pairs if s is None and m]
    found = [_found(t, speech["turns"], roles, bound_ms) for t in truth["turns"]]
    return {
        "speech_ms": len(speech_ticks) * TICK_MS,
        "speech_right": _share(speech_ticks),
        "gap_ms": len(gap_ticks) * TICK_MS,
        "gap_clear": _share(gap_ticks),
        "music_ms": len(music_ticks) * TICK_MS,
        "music_clear": _share(music_ticks),
        "turns": len(found),
        "turns_found": sum(found),
    }


def _found(
    turn: dict[str, Any], predicted: list[dict[str, Any]], roles: dict[str, str], bound_ms: int
) -> bool:
    return any(
        roles.get(p["speaker"]) == turn["speaker"]
        and abs(p["start_ms"] - turn["start_ms"]) <= bound_ms
        and abs(p["end_ms"] - turn["end_ms"]) <= bound_ms
        for p in predicted
    )


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else float("nan")


def pooled(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Time-weighted figures over several calls."""

    def weighted(share: str, ms: str) -> float:
        total = sum(s[ms] for s in scores if s[ms])
        return (
            round(sum(s[share] * s[ms] for s in scores if s[ms]) / total, 4)
            if total
            else float("nan")
        )

    return {
        "speech_right": weighted("speech_right", "speech_ms"),
        "gap_clear": weighted("gap_clear", "gap_ms"),
        "music_clear": weighted("music_clear", "music_ms"),
        "turns": sum(s["turns"] for s in scores),
        "turns_found": sum(s["turns_found"] for s in scores),
    }
