"""Transcript parsing: the four formats give identical utterances; bad files give clear errors."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.transcript.parse import check_within, parse_transcript
from pipeline.transcript.utterances import Transcript, TranscriptError, Utterance

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "transcripts"

# A Teams export: GUID/n-m cue ids, <v Name> voice spans, a cue split over two lines.
TEAMS = """WEBVTT

c9a0f5d2-6d1e-4f7b-9a51-0c2f1e8b7d33/12-0
00:00:03.120 --> 00:00:06.480
<v Dana Reyes>Thanks for joining. Can you walk me
through your last project?</v>

c9a0f5d2-6d1e-4f7b-9a51-0c2f1e8b7d33/13-0
00:00:07.999 --> 00:00:15.001
<v Sam Okafor>Sure: it was a billing service.</v>
"""
# The same content as Zoom exports it: numbered cues, "Name: text", a colon in the words.
ZOOM = """WEBVTT

1
00:00:03.120 --> 00:00:06.480
Dana Reyes: Thanks for joining. Can you walk me through your last project?

2
00:00:07.999 --> 00:00:15.001
Sam Okafor: Sure: it was a billing service.
"""
SRT = """1
00:00:03,120 --> 00:00:06,480
Dana Reyes: Thanks for joining. Can you walk me through your last project?

2
00:00:07,999 --> 00:00:15,001
Sam Okafor: Sure: it was a billing service.
"""
JSON = json.dumps(
    [
        {
            "start_ms": 3120,
            "end_ms": 6480,
            "speaker": "Dana Reyes",
            "text": "Thanks for joining. Can you walk me through your last project?",
        },
        {
            "start_ms": 7999,
            "end_ms": 15001,
            "speaker": "Sam Okafor",
            "text": "Sure: it was a billing service.",
        },
    ]
)
EXPECTED = (
    Utterance(
        1,
        3120,
        6480,
        "Dana Reyes",
        "Thanks for joining. Can you walk me through your last project?",
    ),
    # 7.999 s stays 7999 ms (webvtt-py's start_in_seconds would give 7 s).
    Utterance(2, 7999, 15001, "Sam Okafor", "Sure: it was a billing service."),
)


def _render() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render", TRANSCRIPTS / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules
    sys.modules["render"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "fmt"),
    [(TEAMS, "teams_vtt"), (ZOOM, "zoom_vtt"), (SRT, "srt"), (JSON, "json")],
)
def test_each_format_gives_the_same_utterances(text: str, fmt: str) -> None:
    transcript = parse_transcript(text.encode(), f"call.{fmt}")
    assert transcript.format == fmt
    assert transcript.utterances == EXPECTED
    assert transcript.speakers == ("Dana Reyes", "Sam Okafor")


def test_a_whole_interview_rendered_in_every_format_parses_identically() -> None:
    render = _render()
    header, lines = render.read_source(TRANSCRIPTS / "src" / "zoom_teacher_mixed.txt")
    header["file"] = "zoom_teacher_mixed"
    cues = render.lay_out(header, lines)
    parsed = {
        fmt: parse_transcript(render.render(fmt, cues, "seed"), fmt)
        for fmt in ("zoom_vtt", "teams_vtt", "srt", "json")
    }
    assert {t.format for t in parsed.values()} == set(parsed)
    first = parsed["zoom_vtt"].utterances
    assert len(first) == len(cues) > 20
    assert all(t.utterances == first for t in parsed.values())
    # The cue whose words hold two colons keeps them in the text, not in the speaker.
    assert any(u.text.startswith("Here's how we'll run it: a few") for u in first)
    assert {u.speaker for u in first} == {"Mrs. Angela Brooks", "Peter Novak"}


@pytest.mark.parametrize("label", sorted((TRANSCRIPTS / "labels").glob("*.json")), ids=str)
def test_committed_transcripts_parse_to_their_labelled_cues(label: Path) -> None:
    expected = json.loads(label.read_text(encoding="utf-8"))
    transcript = parse_transcript((TRANSCRIPTS / expected["file"]).read_bytes())
    assert transcript.format == expected["format"]
    got = [(u.cue, u.start_ms, u.end_ms, u.speaker, u.text) for u in transcript.utterances]
    want = [
        (u["cue"], u["start_ms"], u["end_ms"], u["speaker"], u["text"])
        for u in expected["utterances"]
    ]
    assert got == want


@pytest.mark.parametrize(
    ("text", "speaker", "words"),
    [
        # a one-off prefix that looks like a name (title with a period) is a speaker
        ("Dr. Helen Okoro: Good morning.", "Dr. Helen Okoro", "Good morning."),
        # words before a colon are not a speaker unless they look like a name
        ("so the plan: we start at nine", "", "so the plan: we start at nine"),
        # a sentence before the colon is text
        ("We said this. Then: nothing", "", "We said this. Then: nothing"),
    ],
)
def test_zoom_speaker_prefixes(text: str, speaker: str, words: str) -> None:
    vtt = f"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n{text}\n"
    (u,) = parse_transcript(vtt).utterances
    assert (u.speaker, u.text) == (speaker, words)


def test_a_lowercase_name_that_leads_several_cues_is_a_speaker() -> None:
    vtt = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nkevin: okay hi\n\n"
        "2\n00:00:03.000 --> 00:00:04.000\nkevin: so tell me about yourself\n"
    )
    assert [u.speaker for u in parse_transcript(vtt).utterances] == ["kevin", "kevin"]


def test_a_byte_order_mark_is_allowed() -> None:
    assert parse_transcript(b"\xef\xbb\xbf" + ZOOM.encode()).utterances == EXPECTED


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # empty file
        (b"", "is not WebVTT, SRT or JSON"),
        # a WebVTT header and nothing else
        (b"WEBVTT\n\n", "has no cues"),
        # plain prose
        (b"Dana: hello there\nSam: hi", "is not WebVTT, SRT or JSON"),
        # a cue whose timing line is broken
        (b"WEBVTT\n\n1\n00:00:01.000 --> later\nDana: hi\n", "not valid WebVTT"),
        # an SRT cue with a broken time
        (b"1\n00:00:01,000 --> 00:0x:02,000\nDana: hi\n", "not valid SRT"),
        # not UTF-8
        (b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n\xff\xfe\n", "not UTF-8"),
        # JSON that is not a list
        (b'{"start_ms": 0}', "expected a JSON list"),
        # an empty JSON list
        (b"[]", "has no cues"),
        # JSON with a missing time
        (b'[{"end_ms": 5, "speaker": "A", "text": "hi"}]', "'start_ms' must be a number"),
        # JSON with text that is not a string
        (b'[{"start_ms": 0, "end_ms": 5, "speaker": "A", "text": 3}]', "must be strings"),
        # broken JSON
        (b'[{"start_ms": 0,', "not valid JSON"),
        # a cue that ends before it starts
        (b'[{"start_ms": 900, "end_ms": 5, "speaker": "A", "text": "hi"}]', "end before"),
        # a negative time
        (b'[{"start_ms": -10, "end_ms": 5, "speaker": "A", "text": "hi"}]', "negative"),
    ],
)
def test_bad_transcripts_are_refused_with_a_reason(raw: bytes, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as info:
        parse_transcript(raw, "call.vtt")
    assert "call.vtt" in str(info.value)


def test_cues_after_the_end_of_the_recording_are_refused() -> None:
    transcript = parse_transcript(ZOOM, "z.vtt")
    check_within(transcript, duration_ms=15_001 - 4_000, slack_ms=5_000)
    with pytest.raises(
        TranscriptError, match=r"'z.vtt' .* cue 2 ends at 0:00:15 but the recording"
    ):
        check_within(transcript, duration_ms=9_000, slack_ms=5_000)


def test_json_times_may_be_fractional_milliseconds() -> None:
    raw = b'[{"start_ms": 1.6, "end_ms": 2.4, "speaker": "A", "text": " hi  there "}]'
    expected = Transcript("json", (Utterance(1, 2, 2, "A", "hi there"),), "t.json")
    assert parse_transcript(raw, "t.json") == expected
