"""The job queue: Huey on SQLite (embedded default) or Redis (`CUEWATCH_QUEUE_URL=redis://`).

The API only enqueues; workers build the same queue with a runner that executes the tasks.
Tasks carry ids, never video bytes. Huey delivers each message at most once: `service.leases`
makes up for a worker that dies holding one.
"""

from __future__ import annotations

from typing import Any, Protocol

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from service.settings import Settings

# Webhook retry delays in seconds: quick at first (a receiver restarting), then spread over
# about a day, like the Standard Webhooks reference schedule.
WEBHOOK_BACKOFF_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)


class JobQueue(Protocol):
    """What the API needs from the queue (tests substitute their own)."""

    def enqueue_analysis(self, analysis_id: str) -> None: ...

    def pending(self) -> int: ...


class Runner(Protocol):
    """What a worker does with the tasks it receives."""

    def analyze(self, analysis_id: str) -> None: ...

    def deliver(self, delivery: dict[str, Any], attempt: int) -> bool: ...


def make_huey(settings: Settings) -> Huey:
    """The Huey instance for these settings (results are not stored: state is in the database)."""
    if settings.uses_redis:
        return RedisHuey(settings.queue_name, url=settings.queue_url, results=False, utc=True)
    settings.queue_file.parent.mkdir(parents=True, exist_ok=True)
    filename = str(settings.queue_file)
    return SqliteHuey(settings.queue_name, filename=filename, results=False, utc=True)


class HueyQueue:
    """Both tasks, registered on one Huey instance.

    Args:
        settings: where the queue is.
        runner: executes the tasks; None in the API process, which only enqueues.
    """

    def __init__(self, settings: Settings, runner: Runner | None = None) -> None:
        self.huey = make_huey(settings)
        self.retries = settings.webhook_retries
        self._runner = runner

        def analyze(analysis_id: str) -> None:
            self._worker().analyze(analysis_id)

        def deliver_webhook(delivery: dict[str, Any], attempt: int = 0) -> None:
            if not self._worker().deliver(delivery, attempt):
                self.retry_webhook(delivery, attempt)

        self._analyze = self.huey.task(name="analyze")(analyze)
        self._webhook = self.huey.task(name="deliver_webhook")(deliver_webhook)

    def enqueue_analysis(self, analysis_id: str) -> None:
        self._analyze(analysis_id)

    def enqueue_webhook(self, delivery: dict[str, Any]) -> None:
        self._webhook(delivery, 0)

    def retry_webhook(self, delivery: dict[str, Any], attempt: int) -> bool:
        """Schedules the next delivery attempt with backoff; False once retries are used up."""
        if attempt >= self.retries:
            return False
        delay = WEBHOOK_BACKOFF_S[min(attempt, len(WEBHOOK_BACKOFF_S) - 1)]
        self._webhook.schedule(args=(delivery, attempt + 1), delay=delay)
        return True

    def queued_analyses(self) -> set[str]:
        """The ids of the analysis messages waiting in the queue; raises if it is unreachable."""
        return {str(task.args[0]) for task in self.huey.pending() if task.name == "analyze"}

    def pending(self) -> int:
        """Messages waiting in the queue; raises if the queue cannot be reached."""
        return int(self.huey.pending_count())

    def _worker(self) -> Runner:
        if self._runner is None:
            raise RuntimeError("this process only enqueues; tasks run in `cuewatch worker`")
        return self._runner
