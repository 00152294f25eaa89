"""The form fields of an upload, validated into analysis options (422 naming the field)."""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any
from urllib.parse import urlsplit

from service.problems import Problem

KNOWN_FIELDS = frozenset(
    {"fps", "participant", "webhook_url", "annotate", "keep_video", "interviewer_speaker"}
)
# A speaker's name as a transcript gives it; longer is not a name.
MAX_SPEAKER_CHARS = 200
# Above the source frame rate nothing is gained; 30 covers every webcam.
MAX_FPS = 30.0
_PARTICIPANT = re.compile(r"auto|\d{1,2}|[\d.]+,[\d.]+,[\d.]+,[\d.]+")
_TRUE, _FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off", ""})


def parse_options(fields: dict[str, str], allow_private: bool = False) -> dict[str, Any]:
    """Validates the form's text fields into the analysis options.

    Args:
        fields: the form's text fields.
        allow_private: accept webhook URLs on loopback and private-network addresses.

    Raises:
        Problem: 422 naming the field and what was expected.
    """
    unknown = sorted(set(fields) - KNOWN_FIELDS)
    if unknown:
        raise _bad(unknown[0], fields[unknown[0]], f"one of {sorted(KNOWN_FIELDS)}", "field")
    return {
        "fps": _fps(fields.get("fps", "").strip()),
        "participant": _participant(fields.get("participant", "auto").strip() or "auto"),
        "annotate": _flag(fields, "annotate"),
        "keep_video": _flag(fields, "keep_video"),
        "webhook_url": _webhook(fields.get("webhook_url", "").strip(), allow_private),
        "interviewer_speaker": _speaker(fields.get("interviewer_speaker", "").strip()),
    }


def _speaker(raw: str) -> str | None:
    if len(raw) > MAX_SPEAKER_CHARS:
        raise _bad("interviewer_speaker", raw, f"a name of at most {MAX_SPEAKER_CHARS} characters")
    return raw or None


def _bad(name: str, value: str, expected: str, what: str = "value") -> Problem:
    return Problem(422, "invalid-option", f"{what} {name}={value[:80]!r}: expected {expected}")


def _fps(raw: str) -> float | None:
    if not raw:
        return None
    try:
        fps = float(raw)
    except ValueError:
        fps = math.nan
    if not 0 < fps <= MAX_FPS:
        raise _bad("fps", raw, f"a number of frames per second in (0, {MAX_FPS:g}]")
    return fps


def _participant(raw: str) -> str:
    if not _PARTICIPANT.fullmatch(raw):
        raise _bad("participant", raw, "auto, a tile index, or a normalised box x,y,w,h")
    if "," in raw and not _inside_frame(raw):
        raise _bad("participant", raw, "a box x,y,w,h inside [0, 1] with w, h > 0")
    return raw


def _inside_frame(box: str) -> bool:
    try:
        x, y, w, h = (float(v) for v in box.split(","))
    except ValueError:
        return False
    # The same tolerance as the pipeline's own check, for boxes rounded by a UI.
    return w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 1.0001 and y + h <= 1.0001


def _flag(fields: dict[str, str], name: str) -> bool:
    raw = fields.get(name, "").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise _bad(name, raw, "true or false")
    return raw in _TRUE


def _webhook(raw: str, allow_private: bool) -> str | None:
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", urlsplit("")
    if parts.scheme not in ("http", "https") or not host or len(raw) > 2000:
        raise _bad("webhook_url", raw, "an absolute http(s) URL")
    if not allow_private and not _public_literal(host):
        raise _bad("webhook_url", raw, "a public address, not loopback or a private network")
    return raw


def _public_literal(host: str) -> bool:
    # Only literals here (no DNS in the request path); workers check resolved names too.
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True
