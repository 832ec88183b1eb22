"""Shared wire pieces: the request base (unknown fields refused, JSON types kept apart), ids in three
spellings, paging."""

from __future__ import annotations

import functools
import re
import types
import typing
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from videotwin.ids import INTEGER_TEXT, NUMBER_TEXT

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
# The highest page number a list may be asked for: far past any real list (100 million rows at the
# largest page size), and it keeps the row offset, (page - 1) * size, well inside a database integer.
MAX_PAGE_NUM = 1_000_000
# The largest integer a JavaScript client can send exactly (Number.MAX_SAFE_INTEGER): the cap of number
# fields that have no smaller natural limit (it is also well inside SQLite's 64-bit integers).
MAX_SAFE_INTEGER = 2**53 - 1


# In a JSON body a number may also come as a string of plain decimal digits (ids.INTEGER_TEXT, NUMBER_TEXT).
_TEXT_OF = {int: re.compile(INTEGER_TEXT), float: re.compile(NUMBER_TEXT)}
_JSON_SCALARS = (bool, int, float, str)


@functools.cache
def _scalars(model: type[BaseModel], field: str) -> frozenset[type]:
    """The JSON scalar types (bool, int, float, str) a body field's annotation admits at the top."""
    annotation = model.model_fields[field].annotation
    members = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) \
        else (annotation,)
    return frozenset(m for m in members if m in _JSON_SCALARS)


def _check_json_type(value: Any, kinds: frozenset[type]) -> None:
    """Booleans are not numbers and numbers are not booleans: `true` for a count, or `1` or "yes" for
    a switch, is refused rather than read as 1 or true."""
    numbers = [k for k in (int, float) if k in kinds]
    if isinstance(value, bool):
        if bool not in kinds and numbers:
            raise PydanticCustomError(f"{numbers[0].__name__}_type", "a number, not true or false")
    elif bool in kinds and not numbers and value is not None:
        raise PydanticCustomError("bool_type", "true or false")
    elif isinstance(value, str) and numbers and str not in kinds:
        if not any(_TEXT_OF[k].match(value) for k in numbers):
            raise PydanticCustomError(f"{numbers[0].__name__}_parsing", "a number")


NUL_MESSAGE = "contains a NUL character (\\u0000), which text may not hold"


def _refuse_nul(value: Any) -> None:
    """No text may hold a NUL character: PostgreSQL cannot store one, and no real input has one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("string_nul", NUL_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


def _document_number_text(schema: dict[str, Any], model: type) -> None:
    """Say in the schema what the body accepts: numbers as JSON numbers or as digit strings."""
    for prop in schema.get("properties", {}).values():
        alternatives = prop.get("anyOf", [prop])
        for alt in list(alternatives):
            pattern = {"integer": INTEGER_TEXT, "number": NUMBER_TEXT}.get(alt.get("type"))
            if pattern is None:
                continue
            if alt is prop:  # a plain number field becomes "a number, or digits"
                number = {k: prop.pop(k) for k in list(prop) if k not in ("title", "description", "default")}
                prop["anyOf"] = [number, {"type": "string", "pattern": pattern}]
            else:
                alternatives.append({"type": "string", "pattern": pattern})


class Body(BaseModel):
    """Request bodies: A2E spellings, unknown fields refused with a clear message. JSON types are kept
    apart: a boolean field takes only true or false, a number field refuses booleans (and NaN or
    Infinity), and takes a number or a string of decimal digits (INTEGER_TEXT, NUMBER_TEXT). No text
    in a body may hold a NUL character."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False,
                              json_schema_extra=_document_number_text)

    @field_validator("*", mode="wrap")
    @classmethod
    def _json_types(cls, value: Any, handler, info: ValidationInfo) -> Any:
        kinds = _scalars(cls, info.field_name)
        if kinds:
            _check_json_type(value, kinds)
        _refuse_nul(value)
        return handler(value)


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


PageNum = Annotated[int, Field(ge=1, le=MAX_PAGE_NUM, description=f"page number, 1-{MAX_PAGE_NUM}")]
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
    """A page of a list, newest first. A2E clients read a list's items under `rows`, `list` or `data`,
    depending on the endpoint, so every page carries them under all three (a page is small)."""

    rows: list[T] = Field(description="the page's items (the same under `list` and `data`)")
    items: list[T] = Field(alias="list", description="the page's items")
    data: list[T] = Field(description="the page's items")
    total: int = Field(description="how many there are on all pages")
    pageNum: int = Field(description="this page's number, from 1")
    pageSize: int = Field(description="at most this many items per page")

    @classmethod
    def of(cls, items: list, total: int, page_num: int, page_size: int, **spelled: int):
        """The page; `spelled` adds a group's own names for the number and size (e.g. current)."""
        return cls(rows=items, list=items, data=items, total=total, pageNum=page_num, pageSize=page_size,
                   **spelled)


def iso(dt: datetime | None) -> str | None:
    """Times on the wire: ISO 8601 in UTC with milliseconds, as A2E sends them."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
