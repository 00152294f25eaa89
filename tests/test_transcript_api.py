"""The transcript through the API: multipart fields `transcript` and `interviewer_speaker`,
422 problems with the reason, the stored file's lifetime, and the job's `verbal` block."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.jobs import JobContext, run_analysis
from service.settings import Settings
from tests.test_service_api import assert_problem
from tests.test_service_support import (
    ALICE,
    FakeRunner,
    add_queued,
    clip,
    files_under,
    make_context,
    make_settings,
)

# Fits the 3.1 s test clip.
CALL = b"""WEBVTT

1
00:00:00.200 --> 00:00:01.200
Dana Reyes: Tell me about your last project.

2
00:00:01.300 --> 00:00:02.900
Sam Okafor: I rebuilt our billing service on Kafka.
"""


def upload(
    client: TestClient, video: bytes, transcript: bytes | None, **fields: str
) -> httpx.Response:
    files = {"video": ("call.mp4", video, "video/mp4")}
    if transcript is not None:
        files["transcript"] = ("call.vtt", transcript, "text/vtt")
    return client.post("/v1/analyses", headers=ALICE, files=files, data=fields)


def test_an_upload_with_a_transcript_records_it_and_delete_removes_it(
    client: TestClient, settings: Settings, video: bytes
) -> None:
    created = upload(client, video, CALL, interviewer_speaker="dana reyes", keep_video="true")
    assert created.status_code == 202, created.text
    options = created.json()["options"]
    assert options["transcript"] == {"filename": "call.vtt", "format": "zoom_vtt", "cues": 2}
    assert options["interviewer_speaker"] == "dana reyes"
    stored = settings.data_dir / "videos" / f"{created.json()['id']}.transcript"
    assert stored.read_bytes() == CALL
    assert client.delete(created.json()["links"]["self"], headers=ALICE).status_code == 204
    assert files_under(settings.data_dir) == []


def test_an_upload_without_a_transcript_has_none(client: TestClient, video: bytes) -> None:
    options = upload(client, video, None).json()["options"]
    assert options["transcript"] is None and options["interviewer_speaker"] is None


@pytest.mark.parametrize(
    ("transcript", "fields", "slug", "reason"),
    [
        # not a transcript
        (b"meeting notes", {}, "invalid-transcript", "is not WebVTT, SRT or JSON"),
        # a WebVTT header with no cues
        (b"WEBVTT\n\n", {}, "invalid-transcript", "has no cues"),
        # the last cue ends 17 s after the 3.1 s recording
        (
            CALL.replace(b"00:00:02.900", b"00:00:20.000"),
            {},
            "invalid-transcript",
            "cue 2 ends at 0:00:20 but the recording lasts 0:00:03",
        ),
        # the named interviewer does not speak in it
        (CALL, {"interviewer_speaker": "Pat"}, "invalid-transcript", "'Pat' is not in"),
        # a name with nothing to find it in
        (None, {"interviewer_speaker": "Dana"}, "invalid-option", "needs a transcript"),
    ],
)
def test_bad_transcripts_are_422_and_leave_nothing(
    *,
    client: TestClient,
    runner: FakeRunner,
    settings: Settings,
    video: bytes,
    transcript: bytes | None,
    fields: dict[str, str],
    slug: str,
    reason: str,
) -> None:
    body = assert_problem(upload(client, video, transcript, **fields), 422)
    assert body["type"].endswith(slug) and reason in body["detail"], body
    assert runner.enqueued == [] and files_under(settings.data_dir) == []


def test_openapi_documents_the_transcript_fields(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    form = spec["paths"]["/v1/analyses"]["post"]["requestBody"]["content"]
    properties = form["multipart/form-data"]["schema"]["properties"]
    assert properties["transcript"]["format"] == "binary"
    assert "Teams" in properties["transcript"]["description"]
    assert properties["interviewer_speaker"]["type"] == "string"


@pytest.mark.mediapipe
def test_the_job_adds_the_verbal_block(tmp_path: Path) -> None:
    ctx: JobContext = make_context(make_settings(tmp_path), [])
    row = add_queued(
        ctx,
        clip("studio_d0_glance.mp4").read_bytes(),
        transcript={"filename": "call.vtt", "format": "zoom_vtt", "cues": 2},
        interviewer_speaker=None,
    )
    ctx.storage.transcript(row.id).write_bytes(CALL)
    assert run_analysis(ctx, row.id) == "succeeded"
    done = ctx.store.get(row.client, row.id)
    assert done is not None and done.result_token
    path = ctx.storage.result_file(row.id, done.result_token, "result.json")
    assert path is not None
    verbal = json.loads(path.read_text())["verbal"]
    assert verbal["interviewer_speaker"] == "Dana Reyes"
    assert [u["signs"] for u in verbal["utterances"]] == [["question"], []]


def test_a_job_whose_transcript_is_gone_fails_with_a_reason(tmp_path: Path) -> None:
    ctx: JobContext = make_context(make_settings(tmp_path), [])
    row = add_queued(
        ctx, b"video", transcript={"filename": "call.vtt", "format": "zoom_vtt", "cues": 2}
    )
    assert run_analysis(ctx, row.id) == "failed"
    done = ctx.store.get(row.client, row.id)
    assert done is not None and "transcript is gone" in str(done.error_detail)
