"""Render the verbal-signs development set from its sources (`src/*.txt`).

Each source is a hand-written interview: a header (format, interviewer, candidate, optional
other speakers) and one line per cue, `I [q fu]: words`, where the letter is the speaker's
role and the bracket holds the labelled signs (q question, fu follow_up, lo logistics,
se selling, ca career_advice, amb ambiguous). This script writes the transcript as the
platform exports it (`NAME.vtt` / `NAME.srt` / `NAME.json`) and its label file
(`labels/NAME.json`, the ARCHITECTURE section 6 label format), with cue times laid out from
the number of words. Run it after editing a source:

    .venv/bin/python tests/data/transcripts/render.py
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIGN_CODES = {
    "q": "question",
    "fu": "follow_up",
    "lo": "logistics",
    "se": "selling",
    "ca": "career_advice",
    "amb": "ambiguous",
}
EXTENSIONS = {"zoom_vtt": "vtt", "teams_vtt": "vtt", "srt": "srt", "json": "json"}
_LINE = re.compile(r"^(?P<role>[A-Z])(?:\s*\[(?P<signs>[^\]]*)\])?:\s*(?P<text>.+)$")
# Conversational English runs at about 2.5 words a second.
_WORDS_PER_S = 2.5


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str
    text: str
    signs: list[str]


def read_source(path: Path) -> tuple[dict[str, str], list[tuple[str, list[str], str]]]:
    header: dict[str, str] = {}
    lines: list[tuple[str, list[str], str]] = []
    in_body = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "---":
            in_body = True
        elif not in_body:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            lines.append(_body_line(line, path))
    return header, lines


def _body_line(line: str, path: Path) -> tuple[str, list[str], str]:
    match = _LINE.match(line)
    if not match:
        raise ValueError(f"{path.name}: cannot read line {line!r}")
    codes = (match["signs"] or "").split()
    signs = [SIGN_CODES[c] for c in codes]
    if "follow_up" in signs and "question" not in signs:
        signs.insert(0, "question")
    return match["role"], signs, match["text"].strip()


def lay_out(header: dict[str, str], lines: list[tuple[str, list[str], str]]) -> list[Cue]:
    rng = random.Random(header["file"])
    names = {"I": header["interviewer"], "C": header["candidate"], "O": header.get("other", "")}
    t = int(float(header.get("start_s", "2")) * 1000) + rng.randint(0, 999)
    cues = []
    for role, signs, text in lines:
        length = int(max(1.1, len(text.split()) / _WORDS_PER_S) * 1000) + rng.randint(0, 700)
        cues.append(Cue(t, t + length, names[role], text, signs if role == "I" else []))
        t += length + rng.randint(150, 1600)
    return cues


def _clock(ms: int, sep: str) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{sep}{milli:03d}"


def render_zoom(cues: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_clock(c.start_ms, '.')} --> {_clock(c.end_ms, '.')}\n{c.speaker}: {c.text}"
        for i, c in enumerate(cues, start=1)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def render_teams(cues: list[Cue], seed: str) -> str:
    rng = random.Random(seed)
    blocks = []
    for i, c in enumerate(cues):
        guid = uuid.UUID(int=rng.getrandbits(128), version=4)
        times = f"{_clock(c.start_ms, '.')} --> {_clock(c.end_ms, '.')}"
        blocks.append(f"{guid}/{12 + i}-0\n{times}\n<v {c.speaker}>{c.text}</v>")
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def render_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_clock(c.start_ms, ',')} --> {_clock(c.end_ms, ',')}\n{c.speaker}: {c.text}"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def render_json(cues: list[Cue]) -> str:
    items = [
        {"start_ms": c.start_ms, "end_ms": c.end_ms, "speaker": c.speaker, "text": c.text}
        for c in cues
    ]
    return json.dumps(items, indent=1, ensure_ascii=False) + "\n"


def render(fmt: str, cues: list[Cue], seed: str) -> str:
    if fmt == "zoom_vtt":
        return render_zoom(cues)
    if fmt == "teams_vtt":
        return render_teams(cues, seed)
    if fmt == "srt":
        return render_srt(cues)
    return render_json(cues)


def label(header: dict[str, str], cues: list[Cue]) -> dict[str, object]:
    fmt = header["format"]
    return {
        "file": f"{header['file']}.{EXTENSIONS[fmt]}",
        "format": fmt,
        "interviewer": header["interviewer"],
        "utterances": [
            {
                "cue": i,
                "start_ms": c.start_ms,
                "end_ms": c.end_ms,
                "speaker": c.speaker,
                "text": c.text,
                "signs": c.signs,
            }
            for i, c in enumerate(cues, start=1)
        ],
    }


def outputs(source: Path) -> dict[Path, str]:
    """The files one source renders to, by path (beside its `src` folder)."""
    header, lines = read_source(source)
    header["file"] = source.stem
    cues = lay_out(header, lines)
    fmt = header["format"]
    root = source.parent.parent
    transcript = root / f"{source.stem}.{EXTENSIONS[fmt]}"
    labels = root / "labels" / f"{source.stem}.json"
    return {
        transcript: render(fmt, cues, source.stem),
        labels: json.dumps(label(header, cues), indent=1, ensure_ascii=False) + "\n",
    }


def sources() -> list[Path]:
    """The development set's sources, then the fresh check's (`fresh/src`)."""
    return sorted((HERE / "src").glob("*.txt")) + sorted((HERE / "fresh" / "src").glob("*.txt"))


def main() -> None:
    for source in sources():
        for path, text in outputs(source).items():
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
