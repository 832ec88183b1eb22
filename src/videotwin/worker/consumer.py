"""The worker process: a Huey consumer running our job executor, plus the reaper thread."""

from __future__ import annotations

import logging
import os
import threading

from huey.consumer import Consumer

from videotwin.children import die_with_parent
from videotwin.config import Settings
from videotwin.families.index import worker_pipelines
from videotwin.runtime import build_runtime
from videotwin.worker.worker import Worker

log = logging.getLogger(__name__)
QUEUE_POLL_MIN_SECONDS = 0.05


def run_worker(settings: Settings, parent_pid: int | None = None) -> None:
    if parent_pid is not None:
        die_with_parent(parent_pid)
    if settings.worker_niceness:
        os.nice(settings.worker_niceness)
    pipelines = worker_pipelines(settings.plugins)
    holder: dict[str, Worker] = {}
    runtime = build_runtime(settings, execute=lambda job_id: holder["worker"].execute(job_id), models=True)
    worker = holder["worker"] = Worker(runtime, pipelines)
    runtime.models.start_sweeper()
    if settings.model_keep_warm:
        threading.Thread(target=runtime.models.keep_warm, args=(settings.model_keep_warm,), name="model-warm",
                         daemon=True).start()
    stop = threading.Event()

    def reaper() -> None:
        while not stop.wait(settings.reaper_interval_seconds):
            try:
                worker.housekeeping()
            except Exception:  # noqa: BLE001 - the reaper must outlive a busy database
                log.exception("reaper round failed")

    threading.Thread(target=reaper, name="reaper", daemon=True).start()
    log.info("worker %s ready: kinds %s, pool %s, queue %s", worker.id, ", ".join(pipelines.kinds()) or "(none)",
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
