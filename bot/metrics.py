"""Health and metrics for a supervisor (``METRICS_PORT``, off by default).

* ``GET /healthz``: 200 ``{"ready": true}`` only when the gateway is connected and the index is
  loaded, else 503 with what is missing (a systemd or Kubernetes check restarts on it).
* ``GET /metrics``: Prometheus text format (prometheus-client): questions by path and outcome,
  answer latency, reindex durations and passages, gateway latency, feedback votes.

Served by aiohttp (discord.py's own HTTP library) on ``METRICS_HOST`` (127.0.0.1 by default).
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter("statement_bot_questions", "Questions answered, by path and outcome",
                                 ["path", "outcome"], registry=self.registry)
        self.latency = Histogram("statement_bot_answer_seconds", "Question to reply, in seconds", ["path"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                                 registry=self.registry)
        self.reindex_seconds = Histogram("statement_bot_reindex_seconds", "Reindex durations, in seconds",
                                         buckets=(1, 5, 15, 60, 300, 900, 3600), registry=self.registry)
        self.passages = Gauge("statement_bot_passages", "Passages in the index now serving", registry=self.registry)
        self.gateway_latency = Gauge("statement_bot_gateway_latency_seconds", "Discord gateway heartbeat latency",
                                     registry=self.registry)
        self.votes = Counter("statement_bot_feedback_votes", "Feedback votes, by vote", ["vote"],
                             registry=self.registry)
        self.waiting = Gauge("statement_bot_records_waiting", "Answers and votes waiting for the database "
                             "(bot/outbox.py): above 0 for long, the database is away", registry=self.registry)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def answered(self, path: str, outcome: str, seconds: float) -> None:
        self.questions.labels(path, outcome).inc()
        self.latency.labels(path).observe(seconds)

    async def start(self, host: str, port: int, health) -> int:
        """Serve /healthz and /metrics; ``health()`` returns (ready, details). Returns the port."""

        async def healthz(_request: web.Request) -> web.Response:
            ready, details = health()
            return web.json_response({"ready": ready, **details}, status=200 if ready else 503)

        async def metrics(_request: web.Request) -> web.Response:
            return web.Response(body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

        app = web.Application()
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/metrics", metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("health and metrics on http://%s:%d/healthz and /metrics", host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
