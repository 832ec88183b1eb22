"""Personalised lip-sync models (A2E's "continue training"): a job of kind lipsync.train per run.

A run fine-tunes the lip-sync model on the avatar's own footage and measures it against the
universal model on held-out footage (pipelines/lipsync_train.py). Which model an avatar speaks with
follows from the runs: the newest completed run that beat the universal model; else the universal
model. Nothing has to be switched by hand, and a later run that does not beat it leaves the earlier
personalised model in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.db.tables import JobRow, LipsyncModelRow, VideoTwinRow
from videotwin.domain import jobs
from videotwin.domain.errors import BadInput, Conflict, NotFound
from videotwin.domain.ids import is_id, new_id, utcnow

if TYPE_CHECKING:
    from videotwin.runtime import Runtime

KIND = "lipsync.train"
STATUS_WORDS = jobs.StatusWords(accepted="initialized", requeued="sent")
UNIVERSAL = "universal"
PERSONAL = "personal"


@dataclass(frozen=True)
class LipsyncModel:
    id: str
    owner_id: str
    twin_id: str
    anchor_id: str
    created_at: datetime
    job: jobs.Job

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.job)

    @property
    def better(self) -> bool:
        """Completed and better than the universal model on the held-out footage."""
        return self.job.status == jobs.SUCCEEDED and bool(self.job.outputs.get("use"))

    @property
    def model_key(self) -> str | None:
        return self.job.outputs.get("files", {}).get("model") if self.better else None

    @property
    def reason(self) -> str:
        return self.job.outputs.get("reason", "") or self.job.error_message

    @property
    def metrics(self) -> dict:
        return self.job.outputs.get("metrics", {})


@dataclass(frozen=True)
class InUse:
    """The model an avatar speaks with, and why."""

    kind: str  # universal | personal
    model_id: str | None
    model_key: str | None
    reason: str


def _from(row: LipsyncModelRow, job: JobRow) -> LipsyncModel:
    return LipsyncModel(row.id, row.owner_id, row.twin_id, row.anchor_id, row.created_at, jobs.Job.from_row(job))


def runs(session: Session, owner_id: str | None, twin_id: str | None = None) -> list[LipsyncModel]:
    """Training runs, newest first: one owner's (all avatars or one), or one avatar's (owner_id None)."""
    conds = []
    if owner_id is not None:
        conds.append(LipsyncModelRow.owner_id == owner_id)
    if twin_id is not None:
        conds.append(LipsyncModelRow.twin_id == twin_id)
    rows = session.execute(select(LipsyncModelRow, JobRow).join(JobRow, JobRow.id == LipsyncModelRow.job_id)
                           .where(*conds)
                           .order_by(LipsyncModelRow.created_at.desc(), LipsyncModelRow.id.desc())).all()
    return [_from(r, j) for r, j in rows]


def in_use(session: Session, twin_id: str) -> InUse:
    return in_use_of(runs(session, None, twin_id))


def in_use_of(history: list[LipsyncModel]) -> InUse:
    """The model in use, from one avatar's runs (newest first)."""
    for run in history:
        if run.better:
            return InUse(PERSONAL, run.id, run.model_key, run.reason)
    finished = [r for r in history if r.job.finished]
    if finished:
        return InUse(UNIVERSAL, None, None, finished[0].reason)
    return InUse(UNIVERSAL, None, None, "no personalised model has been trained (userVideoTwin/continueTraining)")


def start(runtime: Runtime, owner_id: str, twin_id: str, webhook_url: str | None = None,
          webhook_token: str | None = None) -> LipsyncModel:
    """Accept a continue-training request: the avatar must be ready and made from a video, and not
    in training already; charged in diamonds (refunded if the run fails)."""
    price = runtime.settings.prices.lipsync_training_diamonds
    with runtime.db.write() as session:
        twin = session.get(VideoTwinRow, twin_id) if is_id(twin_id) else None
        if twin is None or twin.owner_id != owner_id:
            raise NotFound(f"_id: no avatar {twin_id!r}")
        made = jobs.Job.from_row(session.get(JobRow, twin.job_id))
        if made.status != jobs.SUCCEEDED:
            raise BadInput("_id", f"avatar {twin_id!r} is not ready yet ({made.status}); train it once it is "
                                  "completed")
        if twin.source_kind != "video":
            raise BadInput("_id", "a photo avatar has no footage of the person speaking to learn from; continue "
                                  "training needs an avatar made from a video")
        if any(not r.job.finished for r in runs(session, None, twin_id)):
            raise Conflict(f"_id: avatar {twin_id!r} is already being trained; wait for that run to end")
        files = made.outputs.get("files", {})
        job = jobs.submit(session, owner_id=owner_id, kind=KIND, name=f"lip-sync training: {twin.name}",
                          inputs={"twin_id": twin_id, "files": {k: files[k] for k in ("footage", "track")
                                                                if k in files}},
                          max_attempts=runtime.settings.job_max_attempts,
                          cost=jobs.Cost("diamonds", price) if price else None, webhook_url=webhook_url,
                          webhook_token=webhook_token)
        row = LipsyncModelRow(id=new_id(), owner_id=owner_id, twin_id=twin_id, anchor_id=twin.anchor_id,
                              job_id=job.id, created_at=utcnow())
        session.add(row)
        session.flush()
        run = _from(row, session.get(JobRow, job.id))
    runtime.queue.enqueue(run.job.id)
    return run


def remove_for_twin(session: Session, owner_id: str, twin_id: str) -> list[str]:
    """The avatar is being removed: stop its training, forget its runs. Returns their job ids (whose
    files the caller deletes)."""
    job_ids = []
    for run in runs(session, owner_id, twin_id):
        if not run.job.finished:
            jobs.cancel(session, owner_id, run.job.id)
        session.delete(session.get(LipsyncModelRow, run.id))
        job_ids.append(run.job.id)
    return job_ids
