"""Prometheus metrics of the API process, in a registry of its own (one per app)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class _JobCollector(Collector):
    """Analyses per status and queue depth, read from the database and queue at scrape time."""

    def __init__(self, counts: Callable[[], dict[str, int]], pending: Callable[[], int]):
        self.counts, self.pending = counts, pending

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts, pending = self.counts(), self.pending()
        except Exception as exc:  # a scrape must not fail because a dependency is down
            log.warning("metrics: job state unavailable (%s)", type(exc).__name__)
            return
        family = GaugeMetricFamily("cuewatch_analyses", "Analyses by status", labels=["status"])
        for status in ("queued", "running", "succeeded", "failed", "canceled"):
            family.add_metric([status], counts.get(status, 0))
        yield family
        yield GaugeMetricFamily(
            "cuewatch_queue_pending", "Messages waiting in the job queue", value=pending
        )


class Metrics:
    """The API's counters and the job gauges.

    Args:
        counts: analyses per status.
        pending: messages in the queue.
    """

    def __init__(self, counts: Callable[[], dict[str, int]], pending: Callable[[], int]):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cuewatch_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cuewatch_http_request_duration_seconds",
            "Time to answer",
            ["method", "route"],
            registry=self.registry,
        )
        self.uploads = Counter(
            "cuewatch_uploads", "Analyses created (replays excluded)", registry=self.registry
        )
        self.upload_bytes = Counter(
            "cuewatch_upload_bytes", "Video bytes accepted", registry=self.registry
        )
        self.refusals = Counter(
            "cuewatch_limit_refusals",
            "Uploads refused by a per-client limit or a full disk",
            ["limit"],
            registry=self.registry,
        )
        self.registry.register(_JobCollector(counts, pending))

    def uploaded(self, size_bytes: int, replayed: bool) -> None:
        if not replayed:
            self.uploads.inc()
            self.upload_bytes.inc(size_bytes)

    def refused(self, limit: str) -> None:
        self.refusals.labels(limit).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        metrics = self.metrics()
        if metrics is None:
            return
        route = getattr(scope.get("route"), "path", "unmatched")
        metrics.requests.labels(scope["method"], route, str(status)).inc()
        metrics.latency.labels(scope["method"], route).observe(seconds)
