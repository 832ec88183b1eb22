"""Request dependencies: the runtime, the authenticated user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from videotwin.domain import accounts
from videotwin.domain.accounts import Token, User
from videotwin.errors import BadInput, Forbidden, Unauthorized
from videotwin.runtime import Runtime
from videotwin.wire.common import NUL_MESSAGE

_bearer = HTTPBearer(auto_error=False, description="An sk_ API token, or a login token from /api/login/account")


async def get_runtime(request: Request) -> Runtime:
    # async: a plain attribute read must not cost a trip through the thread pool
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
R = TypeVar("R")


async def run_slow(request: Request, fn: Callable[..., R], *args) -> R:
    """Run blocking work that may take long (network fetches, password hashing) on the slow pool,
    so it never takes the threads that quick requests need."""
    return await anyio.to_thread.run_sync(fn, *args, limiter=request.app.state.slow_limiter)


async def plain_parameters(request: Request) -> None:
    """Path and query parameters an endpoint reads hold no NUL character (PostgreSQL cannot store one),
    and a query parameter is given once: `?pageNum=1&pageNum=9` is refused, not read as one of the two.
    (async: most requests have neither, and this costs them nothing.)"""
    for name, value in request.path_params.items():
        if "\x00" in str(value):
            raise BadInput(name, NUL_MESSAGE)
    given = request.query_params.multi_items()
    if not given:
        return
    route = request.scope.get("route")
    declared = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
    for name in declared:
        values = [value for key, value in given if key == name]
        if len(values) > 1:
            raise BadInput(name, f"is given {len(values)} times; give it once")
        if values and "\x00" in values[0]:
            raise BadInput(name, NUL_MESSAGE)


@dataclass(frozen=True)
class Principal:
    user: User
    token: Token


def get_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("send your token as 'Authorization: Bearer sk_...'")
    with runtime.db.read() as session:
        user, token = accounts.authenticate(session, credentials.credentials.strip())
    return Principal(user, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_admin(principal: PrincipalDep) -> Principal:
    if not principal.user.is_admin:
        raise Forbidden("this endpoint is for administrators only")
    return principal


AdminDep = Annotated[Principal, Depends(get_admin)]
