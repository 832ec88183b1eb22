"""A task family that exists only in tests, declared exactly as a new A2E group would be (its table
lives in a metadata of its own, created by the tests instead of a migration)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import Field
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from videotwin.config import Prices
from videotwin.db.tables import TaskRecordColumns
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.families.base import Family, generic_routes
from videotwin.pipelines import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError
from videotwin.pipelines.registry import Pipelines
from videotwin.wire.common import Body, TaskFields
from videotwin.wire.presenters import GENERIC_WORDS, task_fields, url_or_none

PRICE_COINS = 7


class TestBase(DeclarativeBase):
    pass


class TestTaskRow(TaskRecordColumns, TestBase):
    __tablename__ = "test_tasks"
    owner_id: Mapped[str] = mapped_column(String(24))  # no foreign key: users is in the real metadata
    label: Mapped[str] = mapped_column(String(64))


class Flaky(JobInputs):
    """Fails until the file `marker` exists."""

    marker: str


class Made(JobOutputs):
    files: dict[str, str]


def run(ctx: JobContext, inputs: Flaky) -> Made:
    if not Path(inputs.marker).exists():
        raise PipelineError("the marker is missing; create it and retry", code=77)
    out = ctx.workdir / "made.txt"
    out.write_text("made\n")
    return Made(files={"result": ctx.store(out, "text/plain")})


FLAKY = Pipeline("test.flaky", Flaky, Made, run)


class StartBody(Body):
    label: str = Field(max_length=64)
    marker: str


class TestTaskOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    label: str
    current_status: str
    result_url: str | None


@dataclass(frozen=True)
class TestTask:
    id: str
    label: str
    created_at: datetime
    job: Job


def build(services, owner_id: str, body: StartBody) -> Submission:
    return Submission(inputs=Flaky(marker=body.marker), name=body.label, columns={"label": body.label})


def record(session: Session, row: TestTaskRow, job: Job) -> TestTask:
    return TestTask(row.id, row.label, row.created_at, job)


def present(task: TestTask, url_for) -> TestTaskOut:
    made = task.job.result(Made)
    return TestTaskOut(id=task.id, label=task.label, current_status=GENERIC_WORDS.of(task.job),
                       result_url=url_or_none(url_for, made and made.files["result"]),
                       **task_fields(task.job, task.created_at))


def price(prices: Prices, inputs: Flaky) -> Cost:
    return Cost("coins", PRICE_COINS)


FAMILY = Family(noun="test task", pipeline=FLAKY, words=GENERIC_WORDS, price=price, table=TestTaskRow,
                record=record, build=build, present=present, out=TestTaskOut,
                routes=generic_routes("/api/v1/testTask", "test tasks", StartBody))


def register_pipelines(pipelines: Pipelines) -> None:
    pipelines.add(FLAKY)
