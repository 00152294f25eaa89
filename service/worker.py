"""`cuewatch worker`: a Huey consumer that runs analysis jobs and the periodic upkeep.

One job at a time per process (MediaPipe is CPU-bound and not thread-safe to share); scale
by running more processes, on any machine that sees the data dir, database and queue.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from typing import Any

from service import schema, webhooks
from service.db import make_engine, utcnow
from service.db_command import schema_problem
from service.jobs import JobContext, run_analysis
from service.leases import Leases
from service.maintenance import Maintenance
from service.queue import HueyQueue
from service.settings import Settings, SettingsError, apply_cli_overrides
from service.storage import Storage
from service.store import Store

log = logging.getLogger(__name__)


class WorkerRuntime:
    """The worker's database, storage, queue and job context (the queue's task runner).

    Args:
        settings: service settings.
    """

    def __init__(self, settings: Settings) -> None:
        storage = Storage(settings.data_dir)  # first: it creates the data dir
        engine = make_engine(settings.db_url)
        schema.prepare(engine)
        self.settings = settings
        self.store = Store(engine)
        self.queue = HueyQueue(settings, runner=self)
        self.ctx = JobContext(
            settings=settings,
            store=self.store,
            leases=Leases(
                self.store, settings.lease_s, settings.max_attempts, settings.retention_days
            ),
            storage=storage,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            notify=self.queue.enqueue_webhook,
        )

    def analyze(self, analysis_id: str) -> None:
        run_analysis(self.ctx, analysis_id)

    def deliver(self, delivery: dict[str, Any], attempt: int) -> bool:
        return webhooks.deliver(self.settings, delivery)

    def release_active(self) -> None:
        """Hands running jobs back to the queue so that another worker starts them at once."""
        for analysis_id, token in list(self.ctx.active.items()):
            if self.ctx.leases.release(analysis_id, token, utcnow()):
                self.queue.enqueue_analysis(analysis_id)
                log.info("analysis %s: handed back to the queue", analysis_id)


def worker_main(args: argparse.Namespace) -> int:
    """Runs a worker until SIGTERM or SIGINT.

    Args:
        args: `data_dir` (optional) from the command line.
    """
    try:
        settings = apply_cli_overrides(data_dir=args.data_dir)
    except SettingsError as exc:
        print(f"cuewatch worker: {exc}", file=sys.stderr)
        return 2
    if problem := schema_problem(settings):
        print(f"cuewatch worker: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(message)s")
    runtime = WorkerRuntime(settings)
    upkeep = Maintenance(
        runtime.ctx,
        runtime.queue.enqueue_analysis,
        settings.heartbeat_s,
        in_queue=runtime.queue.queued_analyses,
    )
    consumer = runtime.queue.huey.create_consumer(
        workers=1,
        worker_type="thread",
        periodic=False,
        initial_delay=0.1,
        max_delay=1.0,
    )
    upkeep.start()
    log.info("worker %s ready (queue %s)", runtime.ctx.worker, settings.queue_name)
    try:
        consumer.run()
    finally:
        upkeep.stop()
        runtime.release_active()
    return 0
