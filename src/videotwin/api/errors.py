"""A2E error envelopes: a non-zero `code`, a `msg` naming the field and what was expected."""

from __future__ import annotations

import logging
import typing
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from videotwin import errors as de
from videotwin.errors import echo

log = logging.getLogger(__name__)

# Error codes on the wire. A2E clients read `code`; each kind of failure keeps its number.
CODE_BAD_INPUT = 10001
CODE_UNAUTHORIZED = 10002
CODE_FORBIDDEN = 10003
CODE_NOT_FOUND = 10004
CODE_INSUFFICIENT_CREDITS = 10005
CODE_INVALID_STATE = 10006
CODE_FETCH_FAILED = 10007
CODE_CONFLICT = 10008
CODE_METHOD_NOT_ALLOWED = 10009
CODE_INTERNAL = 50000
CODE_UNAVAILABLE = 50003
# Unavailable answers say when to try again, seconds.
RETRY_AFTER_SECONDS = 5

_DOMAIN_MAP: list[tuple[type[de.DomainError], int, int]] = [
    (de.InputFetchError, 400, CODE_FETCH_FAILED),
    (de.BadInput, 400, CODE_BAD_INPUT),
    (de.Unauthorized, 401, CODE_UNAUTHORIZED),
    (de.Forbidden, 403, CODE_FORBIDDEN),
    (de.NotFound, 404, CODE_NOT_FOUND),
    (de.InsufficientCredits, 402, CODE_INSUFFICIENT_CREDITS),
    (de.InvalidState, 400, CODE_INVALID_STATE),
    (de.Conflict, 409, CODE_CONFLICT),
    (de.Unavailable, 503, CODE_UNAVAILABLE),
]
_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "a string", "list_type": "a JSON array",
}
MAX_ERRORS_SHOWN = 3
_OUT_OF_RANGE = {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}


class ApiError(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


def trace_id(request: Request) -> str:
    return getattr(request.state, "trace_id", "")


def error_response(request: Request, status: int, code: int, msg: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    # `message` repeats `msg`: published A2E clients read either.
    body = {"code": code, "msg": msg, "message": msg, "data": None, "trace_id": trace_id(request)}
    return JSONResponse(body, status_code=status, headers=headers)



def _dependants(dependant: Any) -> list[Any]:
    found = [dependant] if dependant is not None else []
    for sub in getattr(dependant, "dependencies", []) or []:
        found += _dependants(sub)
    return found


def _body_model(request: Request) -> type[BaseModel] | None:
    """The model the endpoint reads its JSON body into (also when the body is optional)."""
    for dependant in _dependants(getattr(request.scope.get("route"), "dependant", None)):
        for param in dependant.body_params:
            annotation = param.field_info.annotation
            for candidate in (annotation, *typing.get_args(annotation)):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    return candidate
    return None


def _accepted_fields(request: Request) -> list[str]:
    model = _body_model(request)
    return [f.alias or name for name, f in model.model_fields.items()] if model else []


def _field_info(request: Request, loc: tuple) -> FieldInfo | None:
    """The declaration of the parameter or top-level body field an error is about."""
    if len(loc) != 2:
        return None
    where, name = loc
    if where == "body":
        model = _body_model(request)
        fields = model.model_fields if model else {}
        return next((f for key, f in fields.items() if name in (key, f.alias, *_choices(f))), None)
    for dependant in _dependants(getattr(request.scope.get("route"), "dependant", None)):
        for param in getattr(dependant, f"{where}_params", []):
            if param.alias == name:
                return param.field_info
    return None


def _choices(f: FieldInfo) -> tuple[str, ...]:
    choices = getattr(f.validation_alias, "choices", None) or ()
    return tuple(c for c in choices if isinstance(c, str))


def _accepted_range(err: dict[str, Any], request: Request) -> str | None:
    """`a whole number from 1 to 1000000` for a value outside a field's bounds."""
    info = _field_info(request, tuple(err.get("loc", ())))
    if info is None:
        return None
    low = next((b.ge for b in info.metadata if getattr(b, "ge", None) is not None), None)
    high = next((b.le for b in info.metadata if getattr(b, "le", None) is not None), None)
    kinds = typing.get_args(info.annotation) or (info.annotation,)
    noun = "a whole number" if int in kinds and float not in kinds else "a number"
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    return f"{noun} of at least {low}" if low is not None else f"{noun} of at most {high}" if high is not None \
        else None


def describe_validation_error(err: dict[str, Any], request: Request) -> str:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc)
    kind = err.get("type", "")
    given = err.get("input")
    if kind == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        return f"the request body is not valid JSON ({detail})" if detail else "the request body is not valid JSON"
    if kind == "missing":
        if not field:
            return "the request body is required: send a JSON object"
        return f"{field}: is required"
    if kind == "extra_forbidden":
        accepted = _accepted_fields(request)
        hint = f"; accepted fields: {', '.join(accepted)}" if accepted else ""
        return f"{field}: is not a field of this endpoint{hint}"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{field or 'the request body'}: expected a JSON object, got {type(given).__name__} {echo(given)}"
    if kind in _EXPECTED:
        return f"{field or 'body'}: expected {_EXPECTED[kind]}, got {echo(given)}"
    if kind in _OUT_OF_RANGE and (accepted := _accepted_range(err, request)):
        return f"{field}: expected {accepted}, got {echo(given)}"
    message = err.get("msg", "is not valid")
    message = message[0].lower() + message[1:] if message else message
    return f"{field or 'body'}: {message}; got {echo(given)}"


async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    parts = [describe_validation_error(e, request) for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        parts.append(f"and {len(errors) - MAX_ERRORS_SHOWN} more")
    return error_response(request, 400, CODE_BAD_INPUT, "; ".join(parts))


async def domain_handler(request: Request, exc: de.DomainError) -> JSONResponse:
    for cls, status, code in _DOMAIN_MAP:
        if isinstance(exc, cls):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            if status == 503:
                headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            # A few errors keep A2E's own number (e.g. 30005: two background ids).
            return error_response(request, status, getattr(exc, "code", code), exc.message, headers)
    return error_response(request, 400, CODE_BAD_INPUT, exc.message)


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(request, exc.status, exc.code, exc.msg)


async def http_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        msg = f"no endpoint {request.method} {request.url.path}; the list is at /docs"
        return error_response(request, 404, CODE_NOT_FOUND, msg)
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        msg = f"{request.method} is not allowed on {request.url.path}; it accepts {', '.join(allowed)}"
        return error_response(request, 405, CODE_METHOD_NOT_ALLOWED, msg, headers={"Allow": ", ".join(allowed)})
    code = {401: CODE_UNAUTHORIZED, 403: CODE_FORBIDDEN}.get(exc.status_code, CODE_BAD_INPUT)
    return error_response(request, exc.status_code, code, str(exc.detail))


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path accepts (a path's methods are often several routes)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s (trace %s)", request.method, request.url.path, trace_id(request))
    return error_response(request, 500, CODE_INTERNAL,
                          f"internal error; quote trace_id {trace_id(request)} when reporting it")


def install(app) -> None:
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(de.DomainError, domain_handler)
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(Exception, unhandled_handler)
