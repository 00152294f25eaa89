"""Read a call transcript as Zoom, Teams, SRT or JSON exports it, into `Utterance`s.

WebVTT and SRT go through webvtt-py (a maintained parser that reads `<v Name>` voice spans);
times come from its millisecond fields, since its `start_in_seconds` truncates.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from typing import Any

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption

from pipeline.transcript.utterances import Transcript, TranscriptError, Utterance

# "Dana Reyes: text" as Zoom and SRT exports name the speaker. The name is the part before the
# first colon, so a colon later in the words stays in the words ("The plan is: first...").
_NAME_PREFIX = re.compile(r"^(?P<name>[\w.'\u2019()@\- ]{1,60}?):\s+(?P<text>.+)$", re.DOTALL)
_NAME_MAX_WORDS = 5
# A prefix seen once is a name only if it looks like one ("Dr. Helen Okoro"); words before a
# colon such as "so the plan" are text. A prefix that leads two or more cues is a speaker.
_LOOKS_LIKE_NAME = re.compile(r"^[A-Z][\w.'\u2019\-]*(?: [A-Z(][\w.'\u2019()\-]*){0,4}$")
_SRT_START = re.compile(r"^\d+\s*\n[^\n]*-->", re.MULTILINE)
_SRT_BLOCK = re.compile(r"^\d+\s*\n\d+:\d\d:\d\d[,.]\d+ --> \d+:\d\d:\d\d[,.]\d+")
_BLOCK_GAP = re.compile(r"\n\s*\n")


def parse_transcript(raw: bytes | str, name: str = "transcript") -> Transcript:
    """Parse a transcript, detecting its format from its content.

    Args:
        raw: the file's content (UTF-8, a byte-order mark is allowed).
        name: the file's name, used in error messages.

    Returns:
        The transcript, one utterance per cue in file order.

    Raises:
        TranscriptError: the content is not a WebVTT, SRT or JSON transcript, has no cues, or
            has a cue whose times are negative or end before they start.
    """
    text = _decode(raw, name)
    kind = _sniff(text, name)
    if kind == "json":
        transcript = Transcript("json", _from_json(text, name), name)
    else:
        transcript = _from_captions(_captions(text, kind, name), kind, name)
    if not transcript.utterances:
        raise TranscriptError(f"transcript '{name}' has no cues")
    _check_times(transcript.utterances, name)
    return transcript


def check_within(transcript: Transcript, duration_ms: int, slack_ms: int) -> None:
    """Refuse a transcript whose cues run past the recording.

    Args:
        transcript: the parsed transcript.
        duration_ms: the recording's duration in milliseconds.
        slack_ms: how far past the end a cue may run (exports round their last cue up).

    Raises:
        TranscriptError: a cue ends more than `slack_ms` after the recording.
    """
    late = [u for u in transcript.utterances if u.end_ms > duration_ms + slack_ms]
    if late:
        u = late[0]
        raise TranscriptError(
            f"transcript '{transcript.name}' does not fit the recording: cue {u.cue} ends at "
            f"{_clock(u.end_ms)} but the recording lasts {_clock(duration_ms)}"
        )


def _decode(raw: bytes | str, name: str) -> str:
    if isinstance(raw, str):
        return raw.lstrip("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"transcript '{name}' is not UTF-8 text (byte {exc.start})") from exc


def _sniff(text: str, name: str) -> str:
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith(("[", "{")):
        return "json"
    if _SRT_START.match(head):
        return "srt"
    first = head.splitlines()[0][:40] if head else ""
    raise TranscriptError(
        f"transcript '{name}' is not WebVTT, SRT or JSON (it starts with {first!r})"
    )


def _captions(text: str, kind: str, name: str) -> list[Caption]:
    try:
        if kind == "vtt":
            # Strict: a malformed cue block is an error, not a silently missing cue.
            return list(webvtt.WebVTT.from_string(text, strict=True).captions)
        captions = list(webvtt.WebVTT.from_buffer(io.StringIO(text), format="srt").captions)
    except (MalformedFileError, MalformedCaptionError) as exc:
        label = "WebVTT" if kind == "vtt" else "SRT"
        raise TranscriptError(f"transcript '{name}' is not valid {label}: {exc}") from exc
    _check_srt_blocks(text, len(captions), name)
    return captions


def _check_srt_blocks(text: str, parsed: int, name: str) -> None:
    # webvtt-py skips an SRT block it cannot read; a skipped cue would be lost words.
    blocks = [b.strip() for b in _BLOCK_GAP.split(text.strip()) if b.strip()]
    if len(blocks) != parsed:
        bad = next((b for b in blocks if not _SRT_BLOCK.match(b)), blocks[-1])
        raise TranscriptError(
            f"transcript '{name}' is not valid SRT: cannot read the cue {bad.splitlines()[0]!r}"
            f" ({len(blocks) - parsed} of {len(blocks)} cues unreadable)"
        )


def _from_captions(captions: list[Caption], kind: str, name: str) -> Transcript:
    teams = kind == "vtt" and any(c.voice for c in captions)
    names = set() if teams else _prefix_names([_clean(c.text) for c in captions])
    utterances = tuple(_caption_utterance(i, c, names) for i, c in enumerate(captions, start=1))
    fmt = "srt" if kind == "srt" else ("teams_vtt" if teams else "zoom_vtt")
    return Transcript(fmt, utterances, name)


def _caption_utterance(cue: int, caption: Caption, names: set[str]) -> Utterance:
    text = _clean(caption.text)
    speaker = _clean(caption.voice or "")
    prefix, rest = _split_prefix(text)
    if prefix in names:
        speaker, text = prefix, rest
    return Utterance(
        cue=cue,
        start_ms=caption.start_time.in_milliseconds(),
        end_ms=caption.end_time.in_milliseconds(),
        speaker=speaker,
        text=text,
    )


def _prefix_names(texts: list[str]) -> set[str]:
    counts = Counter(prefix for prefix, _ in map(_split_prefix, texts) if prefix)
    return {p for p, n in counts.items() if n >= 2 or _LOOKS_LIKE_NAME.match(p)}


def _split_prefix(text: str) -> tuple[str, str]:
    match = _NAME_PREFIX.match(text)
    if not match or len(match["name"].split()) > _NAME_MAX_WORDS:
        return "", text
    return _clean(match["name"]), _clean(match["text"])


def _clean(text: str) -> str:
    return " ".join(text.split())


def _from_json(text: str, name: str) -> tuple[Utterance, ...]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"transcript '{name}' is not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise TranscriptError(
            f"transcript '{name}': expected a JSON list of utterances, got {type(items).__name__}"
        )
    return tuple(_json_utterance(i, item, name) for i, item in enumerate(items, start=1))


def _json_utterance(cue: int, item: Any, name: str) -> Utterance:
    where = f"transcript '{name}' utterance {cue}"
    if not isinstance(item, dict):
        raise TranscriptError(f"{where}: expected an object, got {type(item).__name__}")
    speaker = item.get("speaker", "")
    text = item.get("text")
    if not isinstance(text, str) or not isinstance(speaker, str):
        raise TranscriptError(f"{where}: 'text' and 'speaker' must be strings")
    return Utterance(
        cue=cue,
        start_ms=_json_ms(item, "start_ms", where),
        end_ms=_json_ms(item, "end_ms", where),
        speaker=_clean(speaker),
        text=_clean(text),
    )


def _json_ms(item: dict[str, Any], key: str, where: str) -> int:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TranscriptError(f"{where}: '{key}' must be a number of milliseconds, got {value!r}")
    return round(value)


def _check_times(utterances: tuple[Utterance, ...], name: str) -> None:
    for u in utterances:
        if u.start_ms < 0 or u.end_ms < u.start_ms:
            raise TranscriptError(
                f"transcript '{name}' cue {u.cue}: times {u.start_ms}-{u.end_ms} ms "
                "are negative or end before they start"
            )


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
