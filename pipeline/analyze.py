"""Composes the stages: decode -> locate -> landmarks -> signals -> calibrate -> aggregate ->
outputs, for every participant, with the summary about the chosen interviewer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.attention.calibrate import classify
from pipeline.attention.signals import compute_signals
from pipeline.audio.conversation import Conversation, conversation, speaking, speech_json
from pipeline.audio.listen import NO_AUDIO, Listening, listen
from pipeline.config import PipelineConfig
from pipeline.outputs import annotate, output, report
from pipeline.people.record import (
    Canceled,
    CancelFn,
    Hooks,
    ProgressFn,
    Recording,
    Tracked,
    WarnFn,
    choose,
    parse_participant,
    record,
)
from pipeline.transcript.parse import check_within
from pipeline.transcript.utterances import Transcript
from pipeline.transcript.verbal import analyze_verbal
from pipeline.types import BoolArray, LandmarkSeries, Participant
from pipeline.verdict import aggregate
from pipeline.verdict.answers import with_answers
from pipeline.verdict.verbal import verbal_advice, verbal_events, verbal_json

__all__ = ["Canceled", "analyze_video"]

PIPELINE_VERSION = "0.2.0"


@dataclass(frozen=True)
class Analysed:
    """One participant through the whole pipeline."""

    person: Participant
    agg: aggregate.Aggregate


def analyse_series(
    series: LandmarkSeries,
    config: PipelineConfig,
    *,
    pid: str = "p0",
    role: str = "interviewer",
    box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    duration_ms: int = 0,
) -> Analysed:
    """Signals, states and aggregates of one participant's landmark series."""
    signals = compute_signals(series, config)
    states = classify(signals, config)
    last = int(series.timestamp_ms[-1]) if len(series) else 0
    agg = aggregate.aggregate(signals, states, config, max(duration_ms, last))
    return Analysed(Participant(pid, role, box, signals, states, agg.note_taking), agg)


def analyse_recording(rec: Recording, chosen: int, config: PipelineConfig) -> list[Analysed]:
    """Every participant analysed with their own calibration; `chosen` is the interviewer."""
    out = []
    for i, tracked in enumerate(rec.people):
        role = "interviewer" if i == chosen else "participant"
        person = analyse_series(
            tracked.series,
            config,
            pid=f"p{i}",
            role=role,
            box=tracked.box_xywh,
            duration_ms=rec.info.duration_ms,
        )
        out.append(person)
    return out


def _media(rec: Recording) -> dict[str, Any]:
    info, series = rec.info, rec.people[0].series
    last = int(series.timestamp_ms[-1]) if len(series) else 0
    return {
        "duration_ms": max(info.duration_ms, last),
        "fps": round(info.fps, 3),
        "width": info.width,
        "height": info.height,
        "codec": info.codec,
        "rotation_deg": info.rotation_deg,
        "frames_analysed": len(series),
    }


def _participant_json(a: Analysed, tracked: Tracked) -> dict[str, Any]:
    p, base = a.person, a.person.states.baseline
    return {
        "id": p.id,
        "role": p.role,
        "box": [round(v, 4) for v in p.box_xywh],
        "coverage": round(p.coverage, 4),
        "own_tile": tracked.own_tile,
        "baseline": base.as_dict() if base else None,
        "summary": a.agg.summary,
        "windows": a.agg.windows,
    }


def _timeline(p: Participant) -> dict[str, Any]:
    return {
        "participant": p.id,
        "timestamp_ms": p.states.timestamp_ms.tolist(),
        "attention": p.states.labels(),
        "note_taking": p.note_taking.astype(int).tolist(),
    }


def build_result(
    rec: Recording, people: list[Analysed], chosen: int, config: PipelineConfig, spec: str
) -> dict[str, Any]:
    """The result.json body (ARCHITECTURE section 3)."""
    lead = people[chosen]
    return {
        "schema_version": output.SCHEMA_VERSION,
        "media": _media(rec),
        "pipeline": {"version": PIPELINE_VERSION, "config": config.as_dict()},
        "layout": {"tiles": [[round(v, 4) for v in t] for t in rec.tiles]},
        "participants": [_participant_json(a, t) for a, t in zip(people, rec.people, strict=True)],
        "interviewer": {"id": lead.person.id, "chosen_by": spec},
        "summary": lead.agg.summary,
        "windows": lead.agg.windows,
        "events": lead.agg.events,
        "advice": lead.agg.advice,
        "timeline": _timeline(lead.person),
    }


def add_verbal(
    result: dict[str, Any],
    transcript: Transcript,
    config: PipelineConfig,
    interviewer_speaker: str | None = None,
    lips: Sequence[tuple[int, int]] = (),
) -> None:
    """Adds the transcript's `verbal` block, its events and its advice to a result; `lips`
    (when the judged participant speaks) lets it find the interviewer in the transcript.

    Raises:
        TranscriptError: a cue ends after the recording, or the named speaker is not in it.
    """
    duration_ms = int(result["media"]["duration_ms"])
    check_within(transcript, duration_ms, config.transcript_end_slack_ms)
    verbal = analyze_verbal(transcript, config, interviewer_speaker, lips)
    events = verbal_events(verbal, duration_ms, config)
    result["verbal"] = verbal_json(verbal)
    result["events"] = sorted([*result["events"], *events], key=lambda e: e["start_ms"])
    advice = [*result["advice"], *verbal_advice(verbal, events, config)]
    result["advice"] = sorted(advice, key=lambda a: a["at_ms"])


def locate_and_record(
    video: str | Path, config: PipelineConfig, spec: str, hooks: Hooks
) -> tuple[Recording, int]:
    """Records every participant and picks the one the spec names.

    A box in which no tracked face lies is analysed on its own, as if it were the video.
    """
    parsed = parse_participant(spec)
    rec = record(video, config, hooks)
    chosen = choose(rec, parsed)
    if chosen is None and isinstance(parsed, tuple):
        hooks.progress("landmarks", 0.0)
        rec, chosen = record(video, config, hooks, region=parsed), 0
    return rec, chosen or 0


def analyze_video(
    video: str | Path,
    out_dir: str | Path,
    config: PipelineConfig | None = None,
    *,
    participant: str = "auto",
    annotate: bool = False,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
    on_warning: WarnFn | None = None,
    video_href: str | None = None,
    transcript: Transcript | None = None,
    interviewer_speaker: str | None = None,
    listening: Listening | None = None,
) -> dict[str, Any]:
    """Analyses one recording and writes result.json, frames.csv and report.html.

    Args:
        video: path of the recording.
        out_dir: directory for the outputs; files are written atomically (temp + rename).
        config: thresholds; defaults to `PipelineConfig()`.
        participant: whom to judge: `auto` (the most prominent: largest and most present
            face), an index into the participants, or a normalised box `x,y,w,h`.
        annotate: also write annotated.mp4.
        on_progress: called with (stage, fraction 0-1) as work advances.
        should_cancel: polled between frames; True stops with `Canceled`.
        on_warning: receives one-line warnings (a truncated file, ...).
        video_href: where the report's player finds the recording, relative to the report
            (None: no player).
        transcript: the call's transcript, for the `verbal` block (None: none).
        interviewer_speaker: the interviewer's name in the transcript (None: inferred).
        listening: the sound's analysis if the caller already started it with `listen` on
            this video (the CLI does, so that the sound decodes while the models load); None:
            it is started here. Either way it is stopped if the pictures fail.

    Returns:
        The result.json body.

    Raises:
        DecodeError: the file is not a decodable video.
        ValueError: the participant spec is invalid or names nobody.
        TranscriptError: the transcript does not fit the recording or lacks the named speaker.
        Canceled: should_cancel returned True.
    """
    config = config or PipelineConfig()
    hooks = Hooks(on_progress, should_cancel, on_warning)
    heard = listening or listen(video, hooks.warn)
    try:
        rec, chosen = locate_and_record(video, config, participant, hooks)
    except BaseException:
        heard.stop.set()  # nobody will read it
        raise
    hooks.progress("signals", 0.0)
    people = analyse_recording(rec, chosen, config)
    result = build_result(rec, people, chosen, config, participant)
    conv = converse(heard, rec, people, chosen, config=config, hooks=hooks)
    if transcript is not None:
        lead = people[chosen].person.id
        lips = [(s.start_ms, s.end_ms) for s in conv.segments if s.speaker == lead]
        add_verbal(result, transcript, config, interviewer_speaker, lips)
    result["speech"] = _speech(conv, people[chosen].person, result["media"]["duration_ms"])
    result = with_answers(result, config)
    hooks.check()
    talk = {a.person.id: speaking(conv, a.person.id, a.person.states.timestamp_ms) for a in people}
    _write(Path(out_dir), result, [a.person for a in people], video_href, talk)
    if annotate:
        _annotate(
            Path(video),
            Path(out_dir),
            people[chosen],
            config,
            series=rec.people[chosen].series,
            frame_box=rec.frame_box,
        )
    hooks.progress("done", 1.0)
    return result


def _write(
    out: Path,
    result: dict[str, Any],
    people: list[Participant],
    video_href: str | None,
    speaking: dict[str, BoolArray] | None = None,
) -> None:
    output.write_atomic(out / "frames.csv", output.frames_csv(people, speaking))
    output.write_atomic(out / "report.html", report.render_report(result, video_href))
    # result.json last: its presence means the analysis is complete.
    output.write_atomic(out / "result.json", output.to_json(result))


def _annotate(
    video: Path,
    out: Path,
    lead: Analysed,
    config: PipelineConfig,
    *,
    series: LandmarkSeries,
    frame_box: tuple[float, float, float, float],
) -> None:
    p = lead.person
    scores = aggregate.frame_scores(p.states, p.note_taking, config)
    annotate.write_annotated(
        video,
        out / "annotated.mp4",
        p.states.timestamp_ms,
        series,
        p.signals,
        p.states,
        scores,
        note_taking=p.note_taking,
        box_xywh=frame_box,
    )


# --- the conversation: who speaks when (issue 13) ------------------------------------------


def converse(
    heard: Listening,
    rec: Recording,
    people: list[Analysed],
    chosen: int,
    *,
    config: PipelineConfig,
    hooks: Hooks,
) -> Conversation:
    """The conversation from the audio thread's result and everyone's landmarks; a failure
    of the audio side is a warning and a recording without speech, never a failed analysis."""
    try:
        activity = heard.result.result()
    except (RuntimeError, ValueError, OSError) as exc:
        hooks.warn(f"speech not analysed: {exc}")
        activity = NO_AUDIO
    series = {a.person.id: t.series for a, t in zip(people, rec.people, strict=True)}
    two_tiles = two_person_gallery(rec)
    return conversation(activity, series, people[chosen].person.id, config, two_tiles=two_tiles)


def two_person_gallery(rec: Recording) -> bool:
    """Whether the picture is two tiles with one person alone in each: the only call in
    which speech from nobody seen can be put down to one of the two. A third tile, even
    without a face (a camera switched off), may hold whoever is talking."""
    return len(rec.tiles) == 2 and len(rec.people) == 2 and all(t.own_tile for t in rec.people)


def _speech(conv: Conversation, lead: Participant, duration_ms: int) -> dict[str, Any]:
    states = lead.states
    return speech_json(conv, states.timestamp_ms, states.attention, lead.note_taking, duration_ms)
