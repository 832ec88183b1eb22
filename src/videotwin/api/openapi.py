"""The OpenAPI schema as the API behaves.

FastAPI documents each operation's success answer. This adds the error answers each operation can
give, every one the A2E error envelope, and drops FastAPI's `422 Validation Error`: a request that does
not validate is answered 400 with the envelope (api/errors.py). What an operation can answer is read
from the route itself: 400 when it takes input, 401 when it needs a token, 403 when it is for
administrators, 404 when its path names a record; a route adds what only it knows (402 where it
charges, 409 where a conflict can happen, 503 where it needs the model server) with `may_answer()`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from videotwin.api.deps import get_admin, get_principal

ERROR_ANSWERS = {
    400: "Bad input: the `msg` names the field, the value and what was expected (nothing is charged)",
    401: "No token, or a token that is not valid, expired or deleted",
    402: "Not enough coins or diamonds for this",
    403: "For administrators only (or a file link that is invalid or expired)",
    404: "No such record (another user's record answers exactly like a missing one)",
    409: "Conflicts with what exists or runs (e.g. a name that is taken, a training already running)",
    416: "The byte range lies outside the file",
    503: "A service this call needs is busy or restarting; try again after `Retry-After` seconds",
}
# FastAPI's own answer for requests that do not validate, which this API never gives (it answers 400).
FASTAPI_VALIDATION = ("422", ("HTTPValidationError", "ValidationError"))
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorEnvelope(BaseModel):
    """Every error answer."""

    code: int = Field(description="non-zero: the kind of failure (docs/API.md lists them)")
    msg: str = Field(description="what was wrong: the field, the value and what was expected")
    message: str = Field(description="the same as msg (some A2E clients read this name)")
    data: None = Field(description="always null")
    trace_id: str = Field(description="quote it when reporting a problem; also the X-Trace-Id header")


def may_answer(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: the error answers only the route knows it can give."""
    return {status: {"description": ERROR_ANSWERS[status]} for status in statuses}


# A stored file (GET /files/...): its bytes in its own media type, a part of them, or the store's link.
FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file, in its own media type", "content": {"*/*": {}}},
    206: {"description": "The byte range asked for (Range: bytes=...)", "content": {"*/*": {}}},
    307: {"description": "The store's own short-lived link to the file (stores that offer one)"},
    416: {"description": ERROR_ANSWERS[416], "content": {}},  # no body, a Content-Range header
    **may_answer(403, 404),
}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _inferred(route) -> set[int]:
    """The error answers that follow from the route's parameters and dependencies."""
    every = list(_dependants(route.dependant))
    calls = {d.call for d in every}
    path_params = any(d.path_params for d in every)
    takes_input = path_params or any(d.query_params or d.header_params or d.body_params for d in every)
    found = set()
    # Bodies are read (and refused over the size limit) on every method that carries one.
    if takes_input or route.methods & _BODY_METHODS:
        found.add(400)
    if get_principal in calls:
        found.add(401)
    if get_admin in calls:
        found.add(403)
    if path_params:
        found.add(404)
    return found


def build_schema(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ErrorEnvelope.__name__] = ErrorEnvelope.model_json_schema()
    error_body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorEnvelope.__name__}"}}}
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            responses = schema["paths"][route.path_format][method.lower()]["responses"]
            responses.pop(FASTAPI_VALIDATION[0], None)
            for status in _inferred(route):
                responses.setdefault(str(status), {"description": ERROR_ANSWERS[status]})
            for status, answer in responses.items():
                if str(status).isdigit() and int(status) >= 400 and "content" not in answer:
                    answer["content"] = error_body
    for name in FASTAPI_VALIDATION[1]:
        components.pop(name, None)
    return schema


def install(app: FastAPI) -> None:
    """Serve the schema above at /openapi.json (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_schema(app)
        return app.openapi_schema

    app.openapi = openapi
