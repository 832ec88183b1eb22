"""A task family's endpoints, built from its declaration (families/base.py).

Each route of the declaration becomes one FastAPI endpoint with the usual thin shape: validate, one
domain call, present. The endpoints' parameters depend on the declaration (the start body, the
paging spelling, the filter words), so each endpoint is given its signature explicitly and this
module does not use postponed annotations."""

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field, create_model

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.openapi import may_answer
from videotwin.domain import tasks
from videotwin.families.base import (
    ID,
    Batch,
    Cancel,
    Delete,
    Detail,
    Family,
    Listing,
    Records,
    Retry,
    Route,
    Start,
)
from videotwin.wire.common import DEFAULT_PAGE_SIZE, BatchBody, Body, IdBody, Page, PageNum, PageSize

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
RECORD_ID = Annotated[str, Path(min_length=1, max_length=64, description="the record's `_id`")]


def _endpoint(fn: Callable, params: dict[str, Any]) -> Callable:
    """Give `fn(**kwargs)` the signature FastAPI reads its parameters from: name -> annotation, or
    name -> (annotation, default)."""
    parameters = []
    for name, spec in {"request": Request, "runtime": RuntimeDep, "me": PrincipalDep, **params}.items():
        annotation, default = spec if isinstance(spec, tuple) else (spec, inspect.Parameter.empty)
        parameters.append(inspect.Parameter(name, _KEYWORD, annotation=annotation, default=default))
    fn.__signature__ = inspect.Signature(parameters)
    return fn


def _name(family: Family) -> str:
    return "".join(part.title() for part in family.kind.replace(".", " ").split())


def _errors(family: Family, route: Route) -> tuple[int, ...]:
    """The error answers of a route that its parameters do not show (api/openapi.py adds those)."""
    if isinstance(route, Start):
        looks_up = "id" in route.body.model_fields  # a start that names a record (continueTraining)
        conflicts = family.admit is not tasks.admit_all
        return (402, *(404,) * looks_up, *(409,) * conflicts, *route.errors)
    if isinstance(route, Retry):
        return 402, 404, *(409,) * (family.admit is not tasks.admit_all)
    if isinstance(route, Detail | Delete | Cancel):
        return (404,)
    return ()


def _add(router: APIRouter, family: Family, route: Route, path: str, fn: Callable, method: str,
         answer: Any, default_summary: str) -> None:
    router.add_api_route("/{record_id}" if path == ID else f"/{path}", fn, methods=[method],
                         response_model=Envelope[answer], summary=getattr(route, "summary", "") or default_summary,
                         name=f"{family.kind} {type(route).__name__.lower()} {path}",
                         responses=may_answer(*_errors(family, route)))


def _present(family: Family, runtime, records: list) -> list:
    return [family.present(r, runtime.url_for) for r in records]


def _start(router: APIRouter, family: Family, route: Start) -> None:
    async def start(request: Request, runtime, me, body):
        record = await run_slow(request, family.start, runtime, me.user.id, body)
        if route.answer is not None:
            return ok(request, await run_slow(request, route.answer, runtime, record, runtime.url_for))
        return ok(request, family.present(record, runtime.url_for))

    _endpoint(start, {"body": route.body})
    for path in route.paths:
        _add(router, family, route, path, start, "POST", route.answer_type or family.out, f"Start a {family.noun}")


def _records(router: APIRouter, family: Family, route: Records) -> None:
    paging = route.paging
    # The shared page, plus the group's own spelling of the page number or size (video/awsList: current).
    spelled = {name: (int, Field(description="the same as pageNum" if name == paging.page else "the same as "
                                 "pageSize")) for name in (paging.page, paging.size) if name not in Page.model_fields}
    page_type = create_model(f"{_name(family)}Page", __base__=Page[family.out], **spelled)

    def answer(request, runtime, me, page_num: int, page_size: int, status: str | None):
        where = [tasks.with_status(route.filters[status])] if status else []
        with runtime.db.read() as session:
            found, total = tasks.page(session, family, me.user.id, where=where, page_num=page_num,
                                      page_size=page_size)
        names = {paging.page: page_num, paging.size: page_size}
        return ok(request, page_type.of(_present(family, runtime, found), total, page_num, page_size,
                                        **{name: names[name] for name in spelled}))

    if "GET" in route.methods:
        params: dict[str, Any] = {
            "page_num": (Annotated[PageNum, Query(alias=paging.page)], 1),
            "page_size": (Annotated[PageSize, Query(alias=paging.size)], DEFAULT_PAGE_SIZE)}
        if route.filters:
            words = Literal[tuple(route.filters)]
            params["status"] = (Annotated[words | None, Query(description="only records in this state")], None)

        def get_page(request, runtime, me, page_num, page_size, status=None):
            return answer(request, runtime, me, page_num, page_size, status)

        _add(router, family, route, route.path, _endpoint(get_page, params), "GET", page_type,
             f"Your {family.noun}s, newest first")
    if "POST" in route.methods:
        body_type = create_model(f"{_name(family)}PageBody", __base__=Body,
                                 **{paging.page: (PageNum, 1), paging.size: (PageSize, DEFAULT_PAGE_SIZE)})

        def post_page(request, runtime, me, body=None):
            body = body or body_type()
            return answer(request, runtime, me, getattr(body, paging.page), getattr(body, paging.size), None)

        _add(router, family, route, route.path, _endpoint(post_page, {"body": (body_type | None, None)}), "POST",
             page_type, f"Your {family.noun}s, newest first")


def _listing(router: APIRouter, family: Family, route: Listing) -> None:
    def listing(request, runtime, me):
        with runtime.db.read() as session:
            if route.statuses is None:
                found = tasks.in_progress(session, family, me.user.id)
            else:
                found = tasks.page(session, family, me.user.id, where=[tasks.with_status(route.statuses)],
                                   page_size=None)[0]
        return ok(request, _present(family, runtime, found))

    _add(router, family, route, route.path, _endpoint(listing, {}), "GET", list[family.out],
         f"Your {family.noun}s in progress")


def _detail(router: APIRouter, family: Family, route: Detail) -> None:
    def answer(request, runtime, me, record_id: str):
        with runtime.db.read() as session:
            shown = family.present(tasks.get(session, family, me.user.id, record_id), runtime.url_for)
        return ok(request, [shown] if route.as_list else shown)

    shape = list[family.out] if route.as_list else family.out
    summary = f"One {family.noun}"
    if route.by == "path":
        _add(router, family, route, route.path, _endpoint(lambda request, runtime, me, record_id: answer(
            request, runtime, me, record_id), {"record_id": RECORD_ID}), "GET", shape, summary)
    elif route.by == "body":
        _add(router, family, route, route.path, _endpoint(lambda request, runtime, me, body: answer(
            request, runtime, me, body.id), {"body": IdBody}), "POST", shape, summary)
    else:
        query = Annotated[str, Query(alias=route.query, min_length=1, max_length=64)]
        _add(router, family, route, route.path, _endpoint(lambda request, runtime, me, record_id: answer(
            request, runtime, me, record_id), {"record_id": query}), "GET", shape, summary)


def _batch(router: APIRouter, family: Family, route: Batch) -> None:
    def batch(request, runtime, me, body):
        with runtime.db.read() as session:
            found = tasks.many(session, family, me.user.id, body.ids)
        return ok(request, _present(family, runtime, found))

    _add(router, family, route, route.path, _endpoint(batch, {"body": BatchBody}), "POST", list[family.out],
         f"Several {family.noun}s by id")


def _delete(router: APIRouter, family: Family, route: Delete) -> None:
    def delete(request, runtime, me, record_id):
        tasks.delete(runtime, family, me.user.id, record_id)
        return ok(request, {})

    summary = f"Delete a {family.noun}"
    if route.path == ID:
        _add(router, family, route, route.path, _endpoint(delete, {"record_id": RECORD_ID}), "DELETE", dict, summary)
    else:
        _add(router, family, route, route.path, _endpoint(lambda request, runtime, me, body: delete(
            request, runtime, me, body.id), {"body": IdBody}), "POST", dict, summary)


def _change(use_case: Callable, summary: str):
    def build(router: APIRouter, family: Family, route: Retry | Cancel) -> None:
        def change(request, runtime, me, body):
            return ok(request, family.present(use_case(runtime, family, me.user.id, body.id), runtime.url_for))

        _add(router, family, route, route.path, _endpoint(change, {"body": IdBody}), "POST", family.out,
             summary.format(noun=family.noun))

    return build


_BUILDERS = {Start: _start, Records: _records, Listing: _listing, Detail: _detail, Batch: _batch, Delete: _delete,
             Retry: _change(tasks.retry, "Run a failed {noun} again (charged again only if it was refunded)"),
             Cancel: _change(tasks.cancel, "Cancel a {noun}")}


def family_router(family: Family) -> APIRouter:
    """The family's endpoints under its prefix; routes with the id in the path come last, so they do
    not shadow fixed paths such as /records."""
    router = APIRouter(prefix=family.routes.prefix, tags=[family.routes.tag])
    for route in sorted(family.routes.items, key=lambda r: getattr(r, "path", "") == ID):
        _BUILDERS[type(route)](router, family, route)
    return router
