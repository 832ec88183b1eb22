"""TaskQueue on Huey: SqliteHuey by default, RedisHuey when VIDEOTWIN_QUEUE_URL is redis://."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

TASK_NAME = "videotwin.run_job"
# SQLite busy timeout for the queue database, seconds.
QUEUE_SQLITE_TIMEOUT_SECONDS = 30


def build_huey(queue_url: str, name: str = "videotwin") -> Huey:
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name=name, filename=str(path), results=False, utc=True,
                          timeout=QUEUE_SQLITE_TIMEOUT_SECONDS)
    if queue_url.startswith(("redis://", "rediss://")):
        return RedisHuey(name=name, url=queue_url, results=False, utc=True)
    raise ValueError(f"VIDEOTWIN_QUEUE_URL: {queue_url!r} is neither sqlite:///path nor redis://...")


DEFAULT_POOL = "default"


def huey_name(pool: str) -> str:
    return "videotwin" if pool == DEFAULT_POOL else f"videotwin-{pool}"


def _elsewhere(job_id: str) -> None:
    raise RuntimeError(f"job {job_id} belongs to another pool's workers")


class TaskQueue:
    """Sends job ids to workers, one Huey queue per pool. The worker side passes `execute` to run each
    id it receives from its own pool."""

    def __init__(self, queue_url: str, execute: Callable[[str], None] | None = None, pool: str = DEFAULT_POOL
                 ) -> None:
        self.queue_url, self.pool = queue_url, pool
        self.huey = build_huey(queue_url, huey_name(pool))
        self._execute = execute

        def run_job(job_id: str) -> None:
            if self._execute is None:
                raise RuntimeError("this process only enqueues jobs")
            self._execute(job_id)

        self._senders = {pool: self.huey.task(name=TASK_NAME)(run_job)}

    def enqueue(self, job_id: str, queue: str = DEFAULT_POOL) -> None:
        sender = self._senders.get(queue)
        if sender is None:
            sender = self._senders[queue] = build_huey(self.queue_url, huey_name(queue)).task(name=TASK_NAME)(
                _elsewhere)
        sender(job_id)

    def pending_count(self) -> int:
        return self.huey.pending_count()
