"""The analysis job as a worker runs it: claim, analyse with a heartbeat, finish, tidy up.

Only this module (inside `run_analysis`) imports the pipeline's analysis, and with it
mediapipe; the API process never calls it.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from service.db import Analysis, Status, utcnow
from service.leases import Leases, Outcome
from service.links import analysis_links
from service.settings import Settings
from service.storage import Storage, public_message
from service.store import Store
from service.webhooks import event_for

if TYPE_CHECKING:
    from pipeline.transcript.utterances import Transcript

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What a job needs from its worker.

    Attributes:
        settings: service settings.
        store: analysis rows.
        leases: lease operations on them.
        storage: the data dir.
        worker: this worker's name in the run history (host:pid).
        notify: enqueues a webhook delivery.
        active: analysis id -> lease token of runs in progress (released on shutdown).
    """

    settings: Settings
    store: Store
    leases: Leases
    storage: Storage
    worker: str
    notify: Callable[[dict[str, Any]], None]
    active: dict[str, str] = field(default_factory=dict)


# Share of the whole run each pipeline stage covers: the landmark models take nearly all of
# the time, the stages after them a few percent.
STAGE_SPANS = {"landmarks": (0.0, 0.9), "signals": (0.9, 0.97), "done": (1.0, 1.0)}


def overall_progress(stage: str, fraction: float, previous: float) -> float:
    """Progress over the whole run, never going back; unknown stages leave it where it was.

    Args:
        stage: the pipeline's stage name.
        fraction: how far that stage is, 0-1.
        previous: the progress reported so far.
    """
    if stage not in STAGE_SPANS:
        return previous
    start, end = STAGE_SPANS[stage]
    return max(previous, start + (end - start) * min(1.0, max(0.0, float(fraction))))


class Heartbeat:
    """Renews a run's lease and reports its progress every `interval_s` in a thread.

    `lost` is set as soon as a renewal finds the run no longer owns the job (canceled,
    deleted, or re-queued by a reaper that took it for dead): the analysis then stops.
    """

    def __init__(self, leases: Leases, analysis_id: str, token: str, interval_s: float) -> None:
        self.leases, self.analysis_id, self.token = leases, analysis_id, token
        self.interval_s = interval_s
        self.stage, self.progress = "starting", 0.0
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def report(self, stage: str, fraction: float) -> None:
        """Takes the pipeline's (stage, fraction of that stage) as overall progress."""
        self.stage, self.progress = stage, overall_progress(stage, fraction, self.progress)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        """One renewal; sets `lost` when the job is no longer this run's."""
        try:
            owned = self.leases.renew(
                self.analysis_id, self.token, utcnow(), self.stage[:32], self.progress
            )
        except Exception:  # a database hiccup: keep the run, the lease has slack
            log.exception("analysis %s: heartbeat failed", self.analysis_id)
            return
        if not owned:
            self.lost.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s) and not self.lost.is_set():
            self.beat()


def run_analysis(ctx: JobContext, analysis_id: str) -> str:
    """Runs one analysis job if it is still queued; safe to call twice for the same id.

    Args:
        ctx: the worker's context.
        analysis_id: the job.

    Returns:
        The run's outcome: succeeded, failed, canceled, or skipped (not queued any more).
    """
    token = secrets.token_hex(12)
    row = ctx.leases.claim(analysis_id, token, ctx.worker, utcnow())
    if row is None:
        log.info("analysis %s: not queued any more; skipped", analysis_id)
        return "skipped"
    ctx.active[analysis_id] = token
    try:
        with Heartbeat(ctx.leases, analysis_id, token, ctx.settings.heartbeat_s) as heartbeat:
            outcome = _analyse(ctx, row, token, heartbeat)
        owned = ctx.leases.finish(analysis_id, token, utcnow(), outcome)
    finally:
        ctx.active.pop(analysis_id, None)
    _tidy(ctx, row, token, outcome if owned else None)
    log.info("analysis %s: %s", analysis_id, outcome.status if owned else "given up")
    return outcome.status.value if owned else "canceled"


def _transcript(ctx: JobContext, row: Analysis) -> Transcript | None:
    from pipeline.transcript.parse import parse_transcript
    from pipeline.transcript.utterances import TranscriptError

    info = row.options.get("transcript")
    if not info:
        return None
    # Checked at upload; parsed again here from the stored bytes (the job may run elsewhere).
    try:
        raw = ctx.storage.transcript(row.id).read_bytes()
    except OSError:
        raise TranscriptError("the uploaded transcript is gone") from None
    return parse_transcript(raw, str(info.get("filename", "transcript")))


def _analyse(ctx: JobContext, row: Analysis, token: str, heartbeat: Heartbeat) -> Outcome:
    from pipeline.analyze import Canceled, analyze_video
    from pipeline.config import PipelineConfig
    from pipeline.types import DecodeError

    options, warnings = row.options, list[str]()
    if row.video_name is None:
        return Outcome(Status.FAILED, "video_missing", "the uploaded video is gone")
    video = ctx.storage.video(row.video_name)
    config = PipelineConfig(fps=float(options["fps"])) if options.get("fps") else None
    try:
        transcript = _transcript(ctx, row)
        analyze_video(
            video,
            ctx.storage.run_dir(row.id, token),
            config,
            participant=str(options.get("participant", "auto")),
            annotate=bool(options.get("annotate")),
            on_progress=heartbeat.report,
            should_cancel=heartbeat.lost.is_set,
            on_warning=warnings.append,
            transcript=transcript,
            interviewer_speaker=options.get("interviewer_speaker"),
        )
    except DecodeError as exc:
        detail = public_message(str(exc), video, row.filename)
        return Outcome(Status.FAILED, "undecodable_video", detail, tuple(warnings))
    except ValueError as exc:  # an option the pipeline could not apply to this video
        return Outcome(Status.FAILED, "invalid_option", str(exc).splitlines()[0], tuple(warnings))
    except Canceled:
        return Outcome(Status.CANCELED, warnings=tuple(warnings))
    except Exception as exc:
        log.exception("analysis %s: pipeline crashed", row.id)
        detail = f"the analysis stopped on an internal error ({type(exc).__name__})"
        return Outcome(Status.FAILED, "internal_error", detail, tuple(warnings))
    return Outcome(Status.SUCCEEDED, warnings=tuple(warnings))


def _tidy(ctx: JobContext, row: Analysis, token: str, outcome: Outcome | None) -> None:
    if outcome is None:  # another run or a delete owns the job now: only remove our files
        ctx.storage.drop_run(row.id, token)
    elif outcome.status is Status.SUCCEEDED:
        ctx.storage.keep_only(row.id, token)
    else:
        ctx.storage.delete_all(row.id, None)
    if outcome is not None:
        after_final(ctx, row.client, row.id)


def after_final(ctx: JobContext, client: str, analysis_id: str) -> None:
    """Deletes the video unless kept and sends the webhook, once a job has ended.

    Args:
        ctx: the worker's context.
        client: the analysis's owner.
        analysis_id: the analysis.
    """
    row = ctx.store.get(client, analysis_id)
    if row is None or not Status(row.status).final:
        return
    if not row.options.get("keep_video"):
        ctx.storage.delete_video(row.video_name)
        ctx.store.forget_video(row.id)
    if row.options.get("webhook_url") and row.status != Status.CANCELED:
        links = analysis_links(row.id, ctx.settings.public_url, bool(row.options.get("annotate")))
        ctx.notify(event_for(row, links))
