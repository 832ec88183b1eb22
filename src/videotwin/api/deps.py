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


async def single_query_values(request: Request) -> None:
    """A query parameter an endpoint reads once is given once: `?pageNum=1&pageNum=9` is refused,
    not read as one of the two. (async: most requests have no query, and this costs them nothing.)"""
    query = request.query_params
    given = query.multi_items()
    if len(given) == len(query):
        return
    route = request.scope.get("route")
    declared = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
    for name in declared:
        count = sum(1 for key, _ in given if key == name)
        if count > 1:
            raise BadInput(name, f"is given {count} times; give it once")


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
