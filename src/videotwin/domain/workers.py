"""The workers table: who is alive (each worker announces itself from its reaper)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from videotwin.db.tables import WorkerRow
from videotwin.ids import utcnow

# Workers not seen for this long are dropped from the workers table.
WORKER_FORGET_SECONDS = 3600


def announce(session: Session, worker_id: str) -> None:
    now = utcnow()
    row = session.get(WorkerRow, worker_id)
    if row is None:
        session.add(WorkerRow(id=worker_id, hostname=socket.gethostname(), pid=os.getpid(), started_at=now,
                              seen_at=now))
    else:
        row.seen_at = now
    session.execute(delete(WorkerRow).where(WorkerRow.seen_at < now - timedelta(seconds=WORKER_FORGET_SECONDS)))


def leave(session: Session, worker_id: str) -> None:
    session.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))


def alive(session: Session, within_seconds: float) -> int:
    """How many workers reported within this many seconds."""
    window = timedelta(seconds=within_seconds)
    return session.scalar(select(func.count()).select_from(WorkerRow).where(WorkerRow.seen_at > utcnow() - window)) or 0
