"""Personalised lip-sync models (A2E's "continue training"): a job of kind lipsync.train per run,
whose task record (lipsync_models) belongs to one avatar.

A run fine-tunes the lip-sync model on the avatar's own footage and measures it against the
universal model on held-out footage (pipelines/lipsync_train.py). Which model an avatar speaks with
follows from the runs: the newest completed run that beat the universal model; else the universal
model. Nothing has to be switched by hand, and a later run that does not beat it leaves the earlier
personalised model in use."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.db.tables import JobRow, LipsyncModelRow, VideoTwinRow
from videotwin.domain import jobs
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput, Conflict, NotFound
from videotwin.ids import is_id
from videotwin.pipelines import lipsync_train
from videotwin.pipelines.pack import AvatarPack

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

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
    job: Job
    in_use: bool = False  # the avatar speaks with this model now

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.job)

    def with_in_use(self, in_use: bool) -> LipsyncModel:
        return dataclasses.replace(self, in_use=in_use)

    @cached_property
    def outcome(self) -> lipsync_train.Outputs | None:
        return self.job.result(lipsync_train.Outputs)

    @property
    def better(self) -> bool:
        """Completed and better than the universal model on the held-out footage."""
        return self.outcome is not None and self.outcome.use

    @property
    def model_key(self) -> str | None:
        return self.outcome.files.model if self.better else None

    @property
    def reason(self) -> str:
        return self.outcome.reason if self.outcome is not None else self.job.error_message

    @property
    def metrics(self) -> dict:
        return self.outcome.metrics if self.outcome is not None else {}


@dataclass(frozen=True)
class InUse:
    """The model an avatar speaks with, and why."""

    kind: str  # universal | personal
    model_id: str | None
    model_key: str | None
    reason: str


def _from(row: LipsyncModelRow, job: Job, in_use: bool = False) -> LipsyncModel:
    return LipsyncModel(row.id, row.owner_id, row.twin_id, row.anchor_id, row.created_at, job, in_use)


def model_record(session: Session, row: LipsyncModelRow, job: Job) -> LipsyncModel:
    """The group's record: one run, and whether its avatar speaks with it now."""
    return _from(row, job, in_use(session, row.twin_id).model_id == row.id)


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
    return [_from(r, Job.from_row(j)) for r, j in rows]


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


def price(prices: Prices, inputs: lipsync_train.Inputs) -> Cost | None:
    return Cost("diamonds", prices.lipsync_training_diamonds) if prices.lipsync_training_diamonds else None


def submission(services: Services, owner_id: str, twin_id: str, webhook_url: str | None = None,
               webhook_token: str | None = None) -> Submission:
    """The input builder: the avatar must be ready and made from a video."""
    with services.db.read() as session:
        twin = session.get(VideoTwinRow, twin_id) if is_id(twin_id) else None
        if twin is None or twin.owner_id != owner_id:
            raise NotFound(f"_id: no avatar {twin_id!r}")
        made = Job.from_row(session.get(JobRow, twin.job_id))
    pack = made.result(AvatarPack)
    if pack is None:
        raise BadInput("_id", f"avatar {twin_id!r} is not ready yet ({made.status}); train it once it is "
                              "completed")
    if pack.kind != "video":
        raise BadInput("_id", "a photo avatar has no footage of the person speaking to learn from; continue "
                              "training needs an avatar made from a video")
    inputs = lipsync_train.Inputs(twin_id=twin_id, files=lipsync_train.Footage(footage=pack.files.footage,
                                                                               track=pack.files.track))
    return Submission(inputs=inputs, name=f"lip-sync training: {twin.name}", webhook_url=webhook_url,
                      webhook_token=webhook_token, columns={"twin_id": twin_id, "anchor_id": twin.anchor_id})


def admit(session: Session, owner_id: str, submission: Submission) -> None:
    """One training at a time per avatar (checked in the transaction that records the new one)."""
    twin_id = submission.columns["twin_id"]
    if any(not r.job.finished for r in runs(session, None, twin_id)):
        raise Conflict(f"_id: avatar {twin_id!r} is already being trained; wait for that run to end")


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
