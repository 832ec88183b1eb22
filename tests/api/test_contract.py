"""The API contract A2E clients rely on: list shapes, bounded numbers, JSON types, and an OpenAPI
schema that says what the API answers (errors included)."""

from __future__ import annotations

import typing

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from tests.api.test_wire_format import assert_error
from tests.support.fixtures import fixture
from videotwin.wire.common import MAX_PAGE_NUM, MAX_SAFE_INTEGER

HUGE = 2764820453964099092480  # past 64 bits: once a 500 (OverflowError in the database layer)
PAGED = [("/api/v1/video/awsList", "current"), ("/api/v1/video/awsList", "pageSize"),
         ("/api/v1/userVideoTwin/records", "pageNum"), ("/api/v1/userVideoTwin/records", "pageSize"),
         ("/api/v1/jobs", "pageNum"), ("/api/v1/transactionRecord/creditsHistory", "pageNum")]
ITEM_NAMES = ("rows", "list", "data")


def start_avatar(client, runtime, account) -> dict:
    key = f"users/{account.id}/uploads/me.mp4"
    runtime.blobs.put_file(key, fixture("video/v05_woman_bluebg.mp4"), "video/mp4")
    resp = client.post("/api/v1/userVideoTwin/startTraining", headers=account.headers,
                       json={"name": "me", "video_url": runtime.url_for(key)})
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


# ---- list shapes -------------------------------------------------------------------------------


def test_a_paged_list_carries_its_items_under_rows_list_and_data(client, runtime, alice):
    twin = start_avatar(client, runtime, alice)
    page = client.get("/api/v1/userVideoTwin/records", headers=alice.headers).json()["data"]
    assert [r["_id"] for r in page["rows"]] == [twin["_id"]]  # what a client that reads `rows` shows
    assert page["rows"] == page["list"] == page["data"]
    assert (page["total"], page["pageNum"], page["pageSize"]) == (1, 1, 10)
    history = client.get("/api/v1/transactionRecord/creditsHistory?pageSize=2", headers=alice.headers).json()["data"]
    assert len(history["rows"]) == 2 and history["rows"] == history["list"] == history["data"]
    jobs = client.get("/api/v1/jobs", headers=alice.headers).json()["data"]
    assert [j["_id"] for j in jobs["list"]] == [twin["_id"]] and jobs["rows"] == jobs["data"] == jobs["list"]


def test_a_group_with_its_own_page_spelling_answers_it_too(client, alice):
    for resp in (client.get("/api/v1/video/awsList?current=3&pageSize=5", headers=alice.headers),
                 client.post("/api/v1/video/awsList", json={"current": 3, "pageSize": 5}, headers=alice.headers)):
        page = resp.json()["data"]
        assert page == {"rows": [], "list": [], "data": [], "total": 0, "pageNum": 3, "current": 3, "pageSize": 5}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_every_paged_list_is_documented_with_the_three_names(client):
    schema = client.get("/openapi.json").json()
    paged = 0
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            asked = {p["name"] for p in op.get("parameters", [])}
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                body = _resolve(schema, body.get("anyOf", [body])[0])
                asked |= set(body.get("properties", {}))
            page_names = asked & {"pageNum", "current", "page"}
            if not page_names:
                continue
            paged += 1
            answer = _resolve(schema, op["responses"]["200"]["content"]["application/json"]["schema"])
            data = _resolve(schema, answer["properties"]["data"])
            assert {*ITEM_NAMES, "total", "pageNum", "pageSize", *page_names} <= set(data["properties"]), \
                f"{method} {path}"
    assert paged >= 5  # records, awsList (GET and POST), jobs, creditsHistory


def test_lists_that_a2e_answers_as_arrays_stay_arrays(client, runtime, alice):
    twin = start_avatar(client, runtime, alice)
    for method, path, body in (("GET", "/api/v1/anchor/character_list", None),
                               ("POST", "/api/v1/anchor/character_list", None),
                               ("GET", "/api/v1/userVoice/completedRecord", None),
                               ("GET", "/api/v1/userVoice/trainingRecord", None),
                               ("GET", "/api/v1/userVideoTwin/trainingRecords", None),
                               ("POST", "/api/v1/userVideoTwin/batchDetail", {"ids": [twin["_id"]]}),
                               ("GET", "/api/v1/token/list", None),
                               ("POST", "/api/v1/custom_back/list", None)):
        resp = client.request(method, path, json=body, headers=alice.headers)
        assert resp.status_code == 200 and isinstance(resp.json()["data"], list), (path, resp.text)


# ---- bounded numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "name"), PAGED)
def test_a_page_number_or_size_too_large_is_a_400_naming_the_field_and_its_range(client, alice, path, name):
    resp = client.get(f"{path}?{name}={HUGE}", headers=alice.headers)
    upper = MAX_PAGE_NUM if name in ("pageNum", "current") else 100
    assert_error(resp, 400, 10001, f"{name}: expected a whole number from 1 to {upper}", str(HUGE))


def test_json_body_paging_is_bounded_too(client, alice):
    resp = client.post("/api/v1/video/awsList", json={"current": HUGE}, headers=alice.headers)
    assert_error(resp, 400, 10001, f"current: expected a whole number from 1 to {MAX_PAGE_NUM}")


def test_the_last_page_number_allowed_answers_an_empty_page(client, alice):
    page = client.get(f"/api/v1/jobs?pageNum={MAX_PAGE_NUM}&pageSize=100", headers=alice.headers).json()["data"]
    assert page["rows"] == [] and page["pageNum"] == MAX_PAGE_NUM


def test_balances_beyond_a_database_integer_are_refused(client, admin_token):
    admin = {"Authorization": f"Bearer {admin_token}"}
    for field in ("coins", "diamonds"):
        # PostgreSQL's INTEGER columns hold at most 2**31 - 1; 2**64 did not fit SQLite either
        for value in (2**31, 2**64):
            resp = client.post("/api/v1/user/add", json={"username": f"rich-{field}", field: value}, headers=admin)
            assert_error(resp, 400, 10001, field, "from 0 to 1000000000")


def test_video_numbers_are_bounded_before_anything_is_looked_up(client, alice):
    for field, value in (("anchor_type", HUGE), ("resolution", HUGE), ("anchor_type", -1)):
        body = {"anchor_id": "0" * 24, "anchor_type": 1, "audioSrc": "https://example.com/a.mp3", field: value}
        assert_error(client.post("/api/v1/video/generate", json=body, headers=alice.headers), 400, 10001, field)


def _scalar_kinds(annotation) -> tuple:
    return typing.get_args(annotation) or (annotation,)


def _request_numbers(app):
    """(where, name, FieldInfo) of every integer a request can carry: query, path and body fields."""
    def dependants(d):
        yield d
        for sub in d.dependencies:
            yield from dependants(sub)

    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        for d in dependants(route.dependant):
            for p in d.query_params + d.path_params + d.header_params:
                yield f"{route.path_format} {p.alias}", p.field_info
            for p in d.body_params:
                for model in _scalar_kinds(p.field_info.annotation):
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        for name, f in model.model_fields.items():
                            yield f"{route.path_format} {model.__name__}.{name}", f


def test_every_integer_a_request_carries_is_bounded(client):
    unbounded = []
    for where, info in _request_numbers(client.app):
        if int not in _scalar_kinds(info.annotation):
            continue
        low = next((b.ge for b in info.metadata if getattr(b, "ge", None) is not None), None)
        high = next((b.le for b in info.metadata if getattr(b, "le", None) is not None), None)
        if low is None or high is None or max(abs(low), abs(high)) > MAX_SAFE_INTEGER:
            unbounded.append(f"{where}: {low}..{high}")
    assert not unbounded, unbounded


# ---- JSON types --------------------------------------------------------------------------------


def test_a_boolean_is_not_a_number(client, alice):
    resp = client.post("/api/v1/r2/upload-presigned-url", json={"key": "a.mp4", "fileSize": True},
                       headers=alice.headers)
    assert_error(resp, 400, 10001, "fileSize: expected a whole number, got true")


@pytest.mark.parametrize("value", [1, 0, "true", "yes", None])
def test_a_boolean_field_takes_only_true_or_false(client, alice, value):
    resp = client.post("/api/v1/video/auto-public-pool", json={"isAutoToPublicPool": value}, headers=alice.headers)
    assert_error(resp, 400, 10001, "isAutoToPublicPool")


def test_numbers_may_come_as_digit_strings_but_nothing_else(client, alice):
    ok = client.post("/api/v1/r2/upload-presigned-url", json={"key": "a.mp4", "fileSize": "1000"},
                     headers=alice.headers)
    assert ok.status_code == 200 and ok.json()["data"]["maxBytes"] == 1000
    for text in ("1e3", "0x10", " 1000", "1_000", "ten"):
        resp = client.post("/api/v1/r2/upload-presigned-url", json={"key": "a.mp4", "fileSize": text},
                           headers=alice.headers)
        assert_error(resp, 400, 10001, "fileSize: expected a whole number")


def test_nan_and_infinity_are_not_numbers(client, alice):
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = ('{"anchor_id": "000000000000000000000000", "anchor_type": 1, "audioSrc": "https://example.com/a.mp3",'
                f' "web_bg_width": {literal}, "web_bg_height": 720}}')
        resp = client.post("/api/v1/video/generate", content=body,
                           headers={**alice.headers, "Content-Type": "application/json"})
        assert_error(resp, 400, 10001, "web_bg_width")


def test_the_schema_says_numbers_may_be_digit_strings(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    file_size = schemas["PresignBody"]["properties"]["fileSize"]["anyOf"]
    assert {"type": "string", "pattern": "^-?[0-9]+$"} in file_size
    assert schemas["AutoPoolBody"]["properties"]["isAutoToPublicPool"]["type"] == "boolean"


def test_a_query_parameter_given_twice_is_refused(client, alice):
    resp = client.get("/api/v1/jobs?pageNum=1&pageNum=2", headers=alice.headers)
    assert_error(resp, 400, 10001, "pageNum: is given 2 times")
    # parameters the endpoint does not read are ignored, however often (clients add cache busters)
    assert client.get("/api/v1/jobs?_t=1&_t=2", headers=alice.headers).status_code == 200


# ---- the OpenAPI schema ------------------------------------------------------------------------


def test_every_operation_documents_its_error_answers_as_the_envelope(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["required"]) == {"code", "msg", "message", "data", "trace_id"}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            answers = op["responses"]
            assert "422" not in answers, f"{method} {path}"
            takes_input = op.get("parameters") or op.get("requestBody") or method != "get"
            assert not takes_input or "400" in answers, f"{method} {path}"
            assert not op.get("security") or "401" in answers, f"{method} {path}"
            for status, answer in answers.items():
                if status.startswith(("4", "5")) and status != "416":
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorEnvelope"), f"{method} {path} {status}"
    expected = {("post", "/api/v1/user/add"): {"401", "403", "409"},
                ("post", "/api/v1/user/exchangeDiamonds"): {"402"},
                ("post", "/api/v1/video/generate"): {"402", "503"},
                ("post", "/api/v1/userVoice/training"): {"402", "409"},
                ("post", "/api/v1/userVideoTwin/continueTraining"): {"402", "404", "409"},
                ("post", "/api/v1/userVideoTwin/addVoiceClone"): {"402", "404", "409"},
                ("post", "/api/v1/token/delete"): {"404"},
                ("get", "/api/v1/userVideoTwin/{record_id}"): {"404"},
                ("post", "/api/v1/video/awsResult"): {"404"}}
    for (method, path), statuses in expected.items():
        assert statuses <= set(schema["paths"][path][method]["responses"]), f"{method} {path}"


def test_a_405_says_which_methods_the_path_accepts(client):
    paths = client.get("/openapi.json").json()["paths"]
    for template, ops in paths.items():
        path = template.replace("{key}", "users/x/a.mp4").replace("{", "").replace("}", "")
        declared = {m.upper() for m in ops}
        unused = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in declared)
        resp = client.request(unused, path)
        assert_error(resp, 405, 10009)
        allowed = {m.strip() for m in resp.headers["allow"].split(",")}
        assert declared <= allowed and unused not in allowed, (template, allowed)
        assert ", ".join(sorted(allowed)) in resp.json()["msg"]


def test_text_with_a_nul_character_is_refused_wherever_it_comes(client, alice):
    # PostgreSQL cannot store NUL in text: these were 500s there (found by the schema fuzz run)
    body = client.post("/api/v1/token/generate", json={"alias": "a\u0000b"}, headers=alice.headers)
    assert_error(body, 400, 10001, "alias: contains a NUL character")
    nested = client.post("/api/v1/userVoice/training", json={"name": "v", "voice_urls": ["https://a.example/\u0000"]},
                         headers=alice.headers)
    assert_error(nested, 400, 10001, "voice_urls: contains a NUL character")
    query = client.get("/api/v1/anchor/character_list?user_video_twin_id=%00", headers=alice.headers)
    assert_error(query, 400, 10001, "user_video_twin_id: contains a NUL character")
    path = client.get("/api/v1/userVoice/ab%00cd", headers=alice.headers)
    assert_error(path, 400, 10001, "record_id: contains a NUL character")
