"""The worker process: a Huey consumer running our job executor, plus the reaper thread."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading

from huey.consumer import Consumer

from videotwin.config import Settings
from videotwin.pipelines.base import build_registry
from videotwin.queue.worker import Worker
from videotwin.runtime import build_runtime

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
QUEUE_POLL_MIN_SECONDS = 0.05


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM us when the `serve` process that started us dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def run_worker(settings: Settings, parent_pid: int | None = None) -> None:
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    if settings.worker_niceness:
        os.nice(settings.worker_niceness)
    registry = build_registry(settings.plugins)
    holder: dict[str, Worker] = {}
    runtime = build_runtime(settings, execute=lambda job_id: holder["worker"].execute(job_id))
    worker = holder["worker"] = Worker(runtime, registry)
    stop = threading.Event()

    def reaper() -> None:
        while not stop.wait(settings.reaper_interval_seconds):
            try:
                worker.housekeeping()
            except Exception:  # noqa: BLE001 - the reaper must outlive a busy database
                log.exception("reaper round failed")

    threading.Thread(target=reaper, name="reaper", daemon=True).start()
    log.info("worker %s ready: kinds %s, pool %s, queue %s", worker.id, ", ".join(registry.kinds()) or "(none)",
             settings.worker_pool, settings.resolved_queue_url)
    consumer = Consumer(
        runtime.queue.huey, workers=settings.worker_concurrency, worker_type="thread", periodic=False,
        initial_delay=QUEUE_POLL_MIN_SECONDS, max_delay=settings.queue_poll_max_seconds,
    )
    try:
        worker.housekeeping()
        consumer.run()
    finally:
        stop.set()
        try:
            worker.shutdown()
        except Exception:  # noqa: BLE001
            log.exception("worker %s could not hand back its jobs; their leases will expire", worker.id)
        runtime.close()
