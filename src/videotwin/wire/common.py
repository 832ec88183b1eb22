"""Shared wire pieces: the request base (unknown fields refused), ids in three spellings, paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10


class Body(BaseModel):
    """Request bodies: A2E spellings, unknown fields refused with a clear message."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# `_id` on the wire; `id` and `task_id` accepted on input, as A2E does.
IdIn = Annotated[str, Field(validation_alias=AliasChoices("_id", "id", "task_id"), min_length=1, max_length=64,
                            description="record id (`_id`; `id` and `task_id` are accepted too)")]
IdOut = Annotated[str, Field(serialization_alias="_id")]


class IdBody(Body):
    id: IdIn


MAX_BATCH_IDS = 100


class BatchBody(Body):
    ids: list[str] = Field(min_length=1, max_length=MAX_BATCH_IDS, description="record ids (`_id`)")


PageNum = Annotated[int, Field(ge=1, description="page number, from 1")]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, 1-{MAX_PAGE_SIZE}")]


class TaskFields(Out):
    """What every task record carries, whatever the product."""

    process: int = Field(description="progress 0-100")
    coins: int = Field(description="what the task cost (in its currency)")
    hasRefundCoin: bool = Field(description="true when the cost was refunded (failed or cancelled before start)")
    failed_code: int
    failed_message: str
    createdAt: str | None
    updatedAt: str | None


class Page(Out, Generic[T]):
    data: list[T]
    total: int
    pageNum: int
    pageSize: int


def iso(dt: datetime | None) -> str | None:
    """Times on the wire: ISO 8601 in UTC with milliseconds, as A2E sends them."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
