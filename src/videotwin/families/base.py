"""The shape of a task family: one A2E task group, declared once.

A Family names the group's job kind (its pipeline, with typed Inputs and Outputs), A2E's status
words, its price, its record table and how a record is read, the input builder that turns a start
request into a Submission, the presenter that shows a record on the wire, and the group's routes.
From that declaration the API builds the group's endpoints (api/families.py), the domain runs its
use cases (domain/tasks.py) and the worker sends its webhooks (worker/webhooks.py). See
docs/adding-a-task-group.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.domain import tasks
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Deletion, Submission
from videotwin.pipelines.base import JobInputs, Pipeline

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

Rec = TypeVar("Rec")
UrlFor = Callable[[str], str]
ID = "{_id}"  # a route path that takes the record's id in the path


class Words(Protocol):
    """A2E's words for a job's state in one group (jobs.StatusWords, or the avatar videos' own)."""

    def of(self, job: Job) -> str: ...


# ---- the routes a family has -------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    """How a paged list is asked for and answered: A2E spells the page number pageNum, current or page."""

    page: str = "pageNum"
    size: str = "pageSize"


PAGE_NUM = Paging("pageNum", "pageSize")
CURRENT = Paging("current", "pageSize")


@dataclass(frozen=True)
class Start:
    """Start a task: the body goes through the family's input builder; the answer is the new record
    (or `answer(services, record, url_for)`, a wire shape of type `answer_type`). `errors`: HTTP error
    statuses the input builder may answer beyond bad input, credits, a named record and the group's
    admission rule (e.g. 503 when it asks the model server)."""

    paths: tuple[str, ...]
    body: type[BaseModel]
    summary: str = ""
    answer: Callable[[Services, Any, UrlFor], BaseModel] | None = None
    answer_type: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()


@dataclass(frozen=True)
class Records:
    """A page of records, newest first; `filters` maps the words of a ?status= filter to job states."""

    path: str
    paging: Paging = PAGE_NUM
    methods: tuple[Literal["GET", "POST"], ...] = ("GET",)
    filters: dict[str, tuple[str, ...]] | None = None
    summary: str = ""


@dataclass(frozen=True)
class Listing:
    """Every record whose job is in `statuses` (None: those in progress, as the family defines it),
    newest first, as a plain array."""

    path: str
    statuses: tuple[str, ...] | None = None
    summary: str = ""


@dataclass(frozen=True)
class Detail:
    """One record: its id in the path (path "{_id}"), in a JSON body (`_id`) or in a query parameter.
    `as_list`: answered as a one-element array, as A2E's video/awsResult is."""

    path: str = ID
    by: Literal["path", "body", "query"] = "path"
    query: str = "_id"
    as_list: bool = False
    summary: str = ""


@dataclass(frozen=True)
class Batch:
    """Several records by id ({ids}); unknown and other users' ids are left out."""

    path: str = "batchDetail"


@dataclass(frozen=True)
class Delete:
    """Delete a record (the family's Deletion rule): DELETE {_id}, or POST with {_id} in the body."""

    path: str = ID
    summary: str = ""


@dataclass(frozen=True)
class Retry:
    """Run a failed record again (charged again only if it was refunded)."""

    path: str = "retry"


@dataclass(frozen=True)
class Cancel:
    """Cancel a record's job: refunded if it had not started."""

    path: str = "cancel"
    summary: str = ""


Route = Start | Records | Listing | Detail | Batch | Delete | Retry | Cancel


@dataclass(frozen=True)
class Routes:
    prefix: str  # e.g. /api/v1/userVideoTwin
    tag: str  # the group's heading in /docs
    items: tuple[Route, ...]


def generic_routes(prefix: str, tag: str, body: type[BaseModel], start: str = "start") -> Routes:
    """The endpoints most A2E task groups have: start, allRecords, allProcessing, {_id} (GET and
    DELETE), batchDetail and retry."""
    return Routes(prefix, tag, (Start((start,), body), Records("allRecords"), Listing("allProcessing"),
                                Batch(), Retry(), Detail(), Delete()))


# ---- the family --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family(Generic[Rec]):
    noun: str  # in messages: "no avatar 'x'"
    pipeline: Pipeline  # the job kind, with its typed Inputs and Outputs
    words: Words
    price: Callable[[Prices, JobInputs], Cost | None]
    table: type  # the record table: db.tables.TaskRecordColumns plus the group's own columns
    record: Callable[[Session, Any, Job], Rec]  # a row and its job -> the group's domain object
    build: Callable[[Services, str, BaseModel], Submission]  # the input builder: (services, owner, body)
    present: Callable[[Rec, UrlFor], BaseModel]  # the presenter: a record on the wire
    out: type[BaseModel]  # the wire record's type
    routes: Routes
    deletion: Deletion = Deletion.CANCEL_QUEUED
    admit: Callable[[Session, str, Submission], None] = field(default=tasks.admit_all)
    attach: Callable[[Session, Any, Job], None] = field(default=tasks.attach_nothing)
    detach: Callable[[Session, Any], list[str]] = field(default=tasks.detach_nothing)
    in_progress: Callable[[type], ColumnElement[bool]] = field(default=tasks.queued_or_running)

    @property
    def kind(self) -> str:
        return self.pipeline.kind

    def start(self, services: Services, owner_id: str, body: BaseModel) -> Rec:
        return tasks.start(services, self, owner_id, self.build(services, owner_id, body))
