"""The A2E success envelope: {"code": 0, "data": ..., "trace_id": "<uuid>"}."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from videotwin.api.errors import trace_id

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """Every answer. Errors have a non-zero code, a `msg` and `data: null`."""

    code: int = 0
    data: T
    trace_id: str


def ok(request: Request, data: Any) -> JSONResponse:
    """Wrap `data` (a model, a list of models, or plain JSON values) in the success envelope."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    elif isinstance(data, list):
        data = [d.model_dump(mode="json", by_alias=True) if isinstance(d, BaseModel) else jsonable_encoder(d)
                for d in data]
    elif not isinstance(data, str | int | float | bool | type(None)):
        data = jsonable_encoder(data)
    return JSONResponse({"code": 0, "data": data, "trace_id": trace_id(request)})
