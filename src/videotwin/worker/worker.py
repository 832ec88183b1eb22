"""The worker: takes job ids from the queue, leases the job, runs its pipeline, records the end.

A lease keeper thread renews the lease and writes progress; a reaper thread re-queues jobs whose
worker died, re-sends lost queue messages and sends pending webhooks.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

from pydantic import ValidationError

from videotwin.domain import jobs, leases, outbox, workers
from videotwin.errors import scrub_paths
from videotwin.pipelines.base import JobCancelled, JobContext, PipelineError, ProgressThrottle
from videotwin.pipelines.registry import Pipelines
from videotwin.runtime import Runtime
from videotwin.storage.inputs import fetch_input
from videotwin.storage.keys import job_prefix
from videotwin.worker import webhooks

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class _LeaseKeeper(threading.Thread):
    """Renews the lease every lease/3 seconds and writes progress about once a second."""

    def __init__(self, runtime: Runtime, job_id: str, worker_id: str) -> None:
        super().__init__(name=f"lease-{job_id}", daemon=True)
        s = runtime.settings
        self.runtime = runtime
        self.job_id = job_id
        self.worker_id = worker_id
        self.lease = s.job_lease_seconds
        self.throttle = ProgressThrottle(s.progress_interval_seconds)
        self.tick = min(max(s.progress_interval_seconds, 0.05), self.lease / 3)
        self.stop_event = threading.Event()
        self.lost = False
        self.cancel_requested = False
        self._written_progress: float | None = None
        self._last_renewal = time.monotonic()

    def offer_progress(self, fraction: float) -> None:
        self.throttle.offer(fraction)

    def should_stop(self) -> bool:
        return self.lost or self.cancel_requested

    def run(self) -> None:
        while not self.stop_event.wait(self.tick):
            progress = self.throttle.latest
            changed = progress is not None and progress != self._written_progress
            if not changed and time.monotonic() - self._last_renewal < self.lease / 3:
                continue
            try:
                with self.runtime.db.write() as session:
                    state = leases.heartbeat(session, self.job_id, self.worker_id, self.lease,
                                           progress if changed else None)
            except Exception:  # noqa: BLE001 - keep trying; the lease has slack for a few misses
                log.exception("heartbeat for job %s failed", self.job_id)
                continue
            self._last_renewal = time.monotonic()
            if changed:
                self._written_progress = progress
            if not state.held:
                log.warning("job %s: lease lost; stopping this attempt", self.job_id)
                self.lost = True
                return
            self.cancel_requested = state.cancel_requested


class Worker:
    """Runs jobs in this process: `runtime` must have a model registry (build_runtime(models=True))."""

    def __init__(self, runtime: Runtime, pipelines: Pipelines, worker_id: str | None = None) -> None:
        if runtime.models is None:
            raise ValueError("a worker runs models: build its runtime with models=True")
        self.runtime = runtime
        self.pipelines = pipelines
        self.id = worker_id or new_worker_id()
        self.tmp_root = runtime.settings.data_dir / "tmp"
        self._running: set[str] = set()
        self._running_lock = threading.Lock()

    # ---- one job ---------------------------------------------------------------------------

    def execute(self, job_id: str) -> None:
        lease = self.runtime.settings.job_lease_seconds
        with self.runtime.db.write() as session:
            job = leases.claim(session, job_id, self.id, lease)
        if job is None:
            log.info("job %s: not claimable (taken, ended or cancelled); message dropped", job_id)
            return
        log.info("job %s (%s) attempt %d started by %s", job.id, job.kind, job.attempts, self.id)
        keeper = _LeaseKeeper(self.runtime, job.id, self.id)
        keeper.start()
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{job.id}-a{job.attempts}-", dir=self.tmp_root))
        with self._running_lock:
            self._running.add(job.id)
        try:
            self._run(job, keeper, workdir)
        finally:
            with self._running_lock:
                self._running.discard(job.id)
            keeper.stop_event.set()
            keeper.join(timeout=5)
            shutil.rmtree(workdir, ignore_errors=True)
        webhooks.deliver(self.runtime, job.id)

    def _run(self, job: jobs.Job, keeper: _LeaseKeeper, workdir: Path) -> None:
        pipeline = self.pipelines.get(job.kind)
        db = self.runtime.db
        if pipeline is None:
            with db.write() as session:
                leases.fail(session, job.id, self.id, jobs.ERR_UNKNOWN_KIND,
                            f"this server has no pipeline for task kind {job.kind!r}")
            return
        try:
            inputs = pipeline.inputs.model_validate(job.inputs)
        except ValidationError as exc:
            log.error("job %s: inputs not valid for %s: %s", job.id, job.kind, exc)
            with db.write() as session:
                leases.fail(session, job.id, self.id, jobs.ERR_INTERNAL,
                            "this task's inputs cannot be read by this version of the server; the credits were "
                            "refunded, start it again")
            return
        ctx = JobContext(
            job_id=job.id, kind=job.kind, owner_id=job.owner_id, attempt=job.attempts, blobs=self.runtime.blobs,
            models=self.runtime.models, workdir=workdir, settings=self.runtime.settings,
            cancel_flag=keeper.should_stop, report_progress=keeper.offer_progress,
            fetch=functools.partial(fetch_input, blobs=self.runtime.blobs, signer=self.runtime.signer,
                                    rules=self.runtime.fetch_rules),
        )
        try:
            outputs = pipeline.run(ctx, inputs).model_dump(mode="json")
        except JobCancelled:
            if keeper.lost:
                return  # another worker owns the job now; leave everything to it
            with db.write() as session:
                leases.cancelled_while_running(session, job.id, self.id)
            # A cancelled job has no result: drop what this attempt stored (its record may be gone).
            self._drop_attempt(job, job.attempts)
            log.info("job %s cancelled while running", job.id)
            return
        except PipelineError as exc:
            with db.write() as session:
                leases.fail(session, job.id, self.id, exc.code, self._public(exc.message, workdir))
            log.info("job %s failed: %s", job.id, exc.message)
            return
        except Exception:  # noqa: BLE001 - a bug in one job must not take the worker down
            log.exception("job %s crashed", job.id)
            with db.write() as session:
                leases.fail(session, job.id, self.id, jobs.ERR_INTERNAL,
                          "an internal error stopped this task; the credits were refunded")
            return
        with db.write() as session:
            done = leases.succeed(session, job.id, self.id, outputs)
        if done is None:
            log.warning("job %s finished but its lease was lost; result discarded", job.id)
            return
        self._drop_other_attempts(done)
        log.info("job %s succeeded", job.id)

    def _public(self, message: str, workdir: Path) -> str:
        """A failure message as the user reads it: the last line of defence against a server path in
        it (the messages are written without them; one built from a tool's output may slip through)."""
        return scrub_paths(message, [workdir, self.tmp_root, self.runtime.settings.data_dir, tempfile.gettempdir()])

    def _drop_other_attempts(self, job: jobs.Job) -> None:
        """Files of earlier, dead attempts are not part of the result."""
        for attempt in range(1, job.attempts):
            self._drop_attempt(job, attempt)

    def _drop_attempt(self, job: jobs.Job, attempt: int) -> None:
        try:
            self.runtime.blobs.delete_prefix(job_prefix(job.owner_id, job.id, attempt))
        except (OSError, ValueError):
            log.exception("could not delete attempt %d files of job %s", attempt, job.id)

    # ---- housekeeping ------------------------------------------------------------------------

    def housekeeping(self) -> None:
        """One round of the reaper: expired leases, lost queue messages, pending webhooks, presence."""
        s = self.runtime.settings
        with self.runtime.db.write() as session:
            reaped = leases.reap_expired(session)
            stale = leases.stale_queued(session, s.requeue_after_seconds)
            workers.announce(session, self.id)
        self._resend(reaped.requeued + stale)
        if reaped.requeued:
            log.warning("re-queued jobs whose worker stopped: %s", ", ".join(reaped.requeued))
        with self.runtime.db.read() as session:
            pending = outbox.pending_webhooks(session)
        for job_id in reaped.failed + pending:
            webhooks.deliver(self.runtime, job_id)

    def shutdown(self) -> list[str]:
        """Stopping: hand running jobs back to the queue now rather than after their lease expires,
        and leave the workers table. Returns the ids handed back."""
        with self._running_lock:
            running = list(self._running)
        released = []
        with self.runtime.db.write() as session:
            for job_id in running:
                if leases.release(session, job_id, self.id):
                    released.append(job_id)
            workers.leave(session, self.id)
        self._resend(released)
        for job_id in released:
            log.info("job %s handed back to the queue", job_id)
        return released

    def _resend(self, job_ids: list[str]) -> None:
        """Send each job again to its own pool's queue."""
        if not job_ids:
            return
        with self.runtime.db.read() as session:
            found = [jobs.get_any(session, job_id) for job_id in job_ids]
        for job in found:
            if job is not None:
                self.runtime.queue.enqueue(job.id, queue=job.queue)
