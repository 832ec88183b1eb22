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
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete

from videotwin.db.tables import WorkerRow
from videotwin.domain import jobs
from videotwin.domain.ids import utcnow
from videotwin.pipelines.base import JobCancelled, JobContext, PipelineError, ProgressThrottle, Registry
from videotwin.queue import webhooks
from videotwin.runtime import Runtime
from videotwin.storage.inputs import fetch_input
from videotwin.storage.keys import user_prefix

log = logging.getLogger(__name__)
# Workers not seen for this long are dropped from the workers table.
WORKER_FORGET_SECONDS = 3600


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
                    state = jobs.heartbeat(session, self.job_id, self.worker_id, self.lease,
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
    def __init__(self, runtime: Runtime, registry: Registry, worker_id: str | None = None) -> None:
        self.runtime = runtime
        self.registry = registry
        self.id = worker_id or new_worker_id()
        self.tmp_root = runtime.settings.data_dir / "tmp"
        self._running: set[str] = set()
        self._running_lock = threading.Lock()

    # ---- one job ---------------------------------------------------------------------------

    def execute(self, job_id: str) -> None:
        lease = self.runtime.settings.job_lease_seconds
        with self.runtime.db.write() as session:
            job = jobs.claim(session, job_id, self.id, lease)
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
        spec = self.registry.get(job.kind)
        db = self.runtime.db
        if spec is None:
            with db.write() as session:
                jobs.fail(session, job.id, self.id, jobs.ERR_UNKNOWN_KIND,
                          f"this server has no pipeline for task kind {job.kind!r}")
            return
        ctx = JobContext(
            job_id=job.id, kind=job.kind, owner_id=job.owner_id, attempt=job.attempts, inputs=job.inputs,
            blobs=self.runtime.blobs, workdir=workdir, settings=self.runtime.settings,
            cancel_flag=keeper.should_stop, report_progress=keeper.offer_progress,
            fetch=functools.partial(fetch_input, blobs=self.runtime.blobs, signer=self.runtime.signer,
                                    rules=self.runtime.fetch_rules),
        )
        try:
            outputs = spec.run(ctx)
        except JobCancelled:
            if keeper.lost:
                return  # another worker owns the job now; leave everything to it
            with db.write() as session:
                jobs.cancelled_while_running(session, job.id, self.id)
            # A cancelled job has no result: drop what this attempt stored (its record may be gone).
            self._drop_attempt(job, job.attempts)
            log.info("job %s cancelled while running", job.id)
            return
        except PipelineError as exc:
            with db.write() as session:
                jobs.fail(session, job.id, self.id, exc.code, exc.message)
            log.info("job %s failed: %s", job.id, exc.message)
            return
        except Exception:  # noqa: BLE001 - a bug in one job must not take the worker down
            log.exception("job %s crashed", job.id)
            with db.write() as session:
                jobs.fail(session, job.id, self.id, jobs.ERR_INTERNAL,
                          "an internal error stopped this task; the credits were refunded")
            return
        with db.write() as session:
            done = jobs.succeed(session, job.id, self.id, outputs)
        if done is None:
            log.warning("job %s finished but its lease was lost; result discarded", job.id)
            return
        self._drop_other_attempts(done)
        log.info("job %s succeeded", job.id)

    def _drop_other_attempts(self, job: jobs.Job) -> None:
        """Files of earlier, dead attempts are not part of the result."""
        for attempt in range(1, job.attempts):
            self._drop_attempt(job, attempt)

    def _drop_attempt(self, job: jobs.Job, attempt: int) -> None:
        try:
            self.runtime.blobs.delete_prefix(f"{user_prefix(job.owner_id)}jobs/{job.id}/a{attempt}/")
        except (OSError, ValueError):
            log.exception("could not delete attempt %d files of job %s", attempt, job.id)

    # ---- housekeeping ------------------------------------------------------------------------

    def housekeeping(self) -> None:
        """One round of the reaper: expired leases, lost queue messages, pending webhooks, presence."""
        s = self.runtime.settings
        with self.runtime.db.write() as session:
            reaped = jobs.reap_expired(session)
            stale = jobs.stale_queued(session, s.requeue_after_seconds)
            self._announce(session)
        self._resend(reaped.requeued + stale)
        if reaped.requeued:
            log.warning("re-queued jobs whose worker stopped: %s", ", ".join(reaped.requeued))
        with self.runtime.db.read() as session:
            pending = jobs.pending_webhooks(session)
        for job_id in reaped.failed + pending:
            webhooks.deliver(self.runtime, job_id)

    def _announce(self, session) -> None:
        now = utcnow()
        row = session.get(WorkerRow, self.id)
        if row is None:
            session.add(WorkerRow(id=self.id, hostname=socket.gethostname(), pid=os.getpid(),
                                  started_at=now, seen_at=now))
        else:
            row.seen_at = now
        session.execute(delete(WorkerRow).where(WorkerRow.seen_at < now - timedelta(seconds=WORKER_FORGET_SECONDS)))

    def shutdown(self) -> list[str]:
        """Stopping: hand running jobs back to the queue now rather than after their lease expires,
        and leave the workers table. Returns the ids handed back."""
        with self._running_lock:
            running = list(self._running)
        released = []
        with self.runtime.db.write() as session:
            for job_id in running:
                if jobs.release(session, job_id, self.id):
                    released.append(job_id)
            session.execute(delete(WorkerRow).where(WorkerRow.id == self.id))
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
