"""The analysis job function, called directly on real clips with the real pipeline."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from service.db import Analysis
from service.jobs import JobContext, run_analysis
from tests.test_service_support import add_queued, clip, make_context, make_settings


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def ctx(tmp_path: Path, sent: list[dict[str, Any]]) -> JobContext:
    return make_context(make_settings(tmp_path), sent)


def current(ctx: JobContext, row: Analysis) -> Analysis:
    found = ctx.store.get(row.client, row.id)
    assert found is not None
    return found


def run_dirs(ctx: JobContext, row: Analysis) -> list[str]:
    folder = ctx.storage.root / "results" / row.id
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.mediapipe
def test_a_real_clip_succeeds_once(ctx: JobContext, sent: list[dict[str, Any]]) -> None:
    row = add_queued(
        ctx, clip("studio_d0_glance.mp4").read_bytes(), webhook_url="https://example.com/hook"
    )
    assert run_analysis(ctx, row.id) == "succeeded"
    done = current(ctx, row)
    assert (done.status, done.stage, done.progress, done.attempts) == (
        "succeeded",
        "succeeded",
        1.0,
        1,
    )
    assert run_dirs(ctx, row) == [done.result_token]
    result_path = ctx.storage.result_file(row.id, done.result_token, "result.json")
    assert result_path is not None
    text = result_path.read_text()
    assert {"summary", "windows", "events"} <= json.loads(text).keys()
    assert done.video_name is None and list((ctx.storage.root / "videos").iterdir()) == []
    assert [json.loads(d["body"])["type"] for d in sent] == ["analysis.succeeded"]
    # A duplicate message for the same job changes nothing.
    assert run_analysis(ctx, row.id) == "skipped"
    assert result_path.read_text() == text
    assert [r.outcome for r in ctx.store.runs(row.id)] == ["succeeded"]


@pytest.mark.mediapipe
def test_a_kept_video_stays(ctx: JobContext) -> None:
    row = add_queued(ctx, clip("studio_mead_w023_1080p.mp4").read_bytes(), keep_video=True, fps=2.0)
    assert run_analysis(ctx, row.id) == "succeeded"
    assert ctx.storage.video(f"{row.id}.mp4").exists() and current(ctx, row).video_name


def test_a_file_that_is_no_video_fails_with_a_reason(
    ctx: JobContext, sent: list[dict[str, Any]]
) -> None:
    row = add_queued(
        ctx, b"\x00\x01 definitely not a video " * 40, webhook_url="https://example.com/hook"
    )
    assert run_analysis(ctx, row.id) == "failed"
    failed = current(ctx, row)
    assert failed.error_reason == "undecodable_video"
    assert failed.error_detail and "call.mp4" in failed.error_detail
    assert row.id not in (failed.error_detail or "")  # the server's file name stays private
    assert run_dirs(ctx, row) == [] and failed.video_name is None
    assert [json.loads(d["body"])["type"] for d in sent] == ["analysis.failed"]


@pytest.mark.mediapipe
def test_an_option_the_video_cannot_take_fails_the_job(ctx: JobContext) -> None:
    row = add_queued(ctx, clip("studio_d0_glance.mp4").read_bytes(), participant="3")
    assert run_analysis(ctx, row.id) == "failed"
    assert current(ctx, row).error_reason == "invalid_option"


@pytest.mark.mediapipe
def test_cancel_stops_a_running_job(ctx: JobContext, tmp_path: Path) -> None:
    row = add_queued(ctx, clip("talk_glasses.mp4").read_bytes())
    claim = ctx.leases.claim

    def claim_then_cancel(analysis_id: str, token: str, worker: str, now: datetime) -> Any:
        claimed = claim(analysis_id, token, worker, now)
        ctx.store.cancel(analysis_id)  # the client cancels right after the job started
        return claimed

    ctx.leases.claim = claim_then_cancel  # type: ignore[method-assign]
    assert run_analysis(ctx, row.id) == "canceled"
    assert current(ctx, row).status == "canceled" and run_dirs(ctx, row) == []
    assert [r.outcome for r in ctx.store.runs(row.id)] == ["canceled"]


def test_a_job_no_longer_queued_is_skipped(ctx: JobContext) -> None:
    row = add_queued(ctx)
    ctx.store.cancel(row.id)
    assert run_analysis(ctx, row.id) == "skipped"
    assert ctx.store.runs(row.id) == []


def test_status_reads_do_not_wait_for_a_writer(ctx: JobContext) -> None:
    """A worker in the middle of a write (SQLite's write lock held) does not hold up a status
    read: reads begin deferred and see the last committed state."""
    row = add_queued(ctx)
    path = ctx.settings.db_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE analyses SET stage = 'mid-write' WHERE id = ?", (row.id,))
        other = sqlite3.connect(path, isolation_level=None, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # the lock is really held: a writer would wait
        other.close()
        seen = ctx.store.get("alice", row.id)  # used to wait the 30 s busy timeout, then fail
        assert seen is not None and seen.stage == "queued"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
