"""The A2E envelope, and clear 400s for every kind of malformed request."""

from __future__ import annotations

import uuid


def assert_error(resp, status: int, code: int | None = None, *words: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] != 0 and body["data"] is None and body["message"] == body["msg"]
    uuid.UUID(body["trace_id"])
    if code is not None:
        assert body["code"] == code
    for word in words:
        assert word in body["msg"], body["msg"]
    return body


def test_success_answers_carry_code_zero_data_and_a_trace_id(client, alice):
    resp = client.get("/api/v1/user/remainingCoins", headers=alice.headers)
    body = resp.json()
    assert resp.status_code == 200
    assert body["code"] == 0 and body["data"] == {"coins": 1000, "diamonds": 5}
    assert uuid.UUID(body["trace_id"]) and resp.headers["x-trace-id"] == body["trace_id"]
    took = resp.headers["server-timing"]  # the server's own time, for operators and the load benchmark
    assert took.startswith("app;dur=") and 0 <= float(took.split("dur=")[1]) < 10_000


def test_malformed_json_is_a_400_that_says_so(client, admin_token):
    resp = client.post("/api/v1/user/add", content=b'{"username": "x",', headers={
        "Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"})
    assert_error(resp, 400, 10001, "not valid JSON")


def test_a_wrong_type_names_the_field_the_value_and_what_was_expected(client, admin_token):
    resp = client.post("/api/v1/user/add", json={"username": "carol", "coins": "ten"},
                       headers={"Authorization": f"Bearer {admin_token}"})
    assert_error(resp, 400, 10001, "coins", "whole number", "'ten'")


def test_an_unknown_field_is_refused_and_the_accepted_fields_listed(client, admin_token):
    resp = client.post("/api/v1/user/add", json={"username": "carol", "coinz": 5},
                       headers={"Authorization": f"Bearer {admin_token}"})
    assert_error(resp, 400, 10001, "coinz", "username, password, coins, diamonds")


def test_a_missing_required_field_is_named(client, alice):
    resp = client.post("/api/v1/token/generate", json={}, headers=alice.headers)
    assert_error(resp, 400, 10001, "alias: is required")


def test_a_body_that_is_not_an_object_is_refused(client, alice):
    resp = client.post("/api/v1/token/generate", json=["alias"], headers=alice.headers)
    assert_error(resp, 400, 10001, "expected a JSON object")


def test_an_oversized_body_is_refused_before_it_is_parsed(client, alice, settings):
    big = "x" * (settings.max_json_body_bytes + 10)
    resp = client.post("/api/v1/token/generate", json={"alias": big}, headers=alice.headers)
    assert_error(resp, 400, 10001, "at most", "bytes")


def test_an_oversized_chunked_body_without_content_length_is_refused(client, alice, settings):
    def chunks():
        for _ in range(settings.max_json_body_bytes // 65536 + 2):
            yield b"x" * 65536

    resp = client.post("/api/v1/token/generate", content=chunks(),
                       headers={**alice.headers, "Content-Type": "application/json"})
    assert_error(resp, 400, 10001, "at most")


def test_a_missing_token_is_401(client):
    assert_error(client.get("/api/v1/user/remainingCoins"), 401, 10002, "Bearer")


def test_an_invalid_token_is_401(client):
    resp = client.get("/api/v1/user/remainingCoins", headers={"Authorization": "Bearer sk_not-a-real-token"})
    assert_error(resp, 401, 10002, "not valid")


def test_an_unknown_path_is_a_404_envelope(client):
    assert_error(client.get("/api/v1/no/such/thing"), 404, 10004, "/docs")


def test_a_wrong_method_is_a_405_envelope(client):
    assert_error(client.delete("/api/v1/user/remainingCoins"), 405)


def test_out_of_range_paging_is_a_400(client, alice):
    resp = client.get("/api/v1/transactionRecord/creditsHistory?pageSize=1000", headers=alice.headers)
    assert_error(resp, 400, 10001, "pageSize")


def test_openapi_lists_every_endpoint_with_a2e_field_names(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/login/account", "/api/v1/token/generate", "/api/v1/token/list", "/api/v1/token/delete",
                 "/api/v1/user/add", "/api/v1/user/remainingCoins", "/api/v1/user/exchangeDiamonds",
                 "/api/v1/transactionRecord/creditsHistory", "/api/v1/tos/transferToStorage",
                 "/api/v1/r2/upload-presigned-url", "/api/v1/r2/get_upload_presigned_url", "/health"):
        assert path in paths, path
    history = {p["name"] for p in paths["/api/v1/transactionRecord/creditsHistory"]["get"]["parameters"]}
    assert {"pageNum", "pageSize", "is_consumption", "startDate", "endDate"} <= history
    presign = spec["components"]["schemas"]["PresignBody"]["properties"]
    assert {"key", "bucket", "urlPrefix", "cdnDomain", "expiresIn", "contentType", "fileSize"} <= set(presign)
    assert client.get("/docs").status_code == 200


def test_health_answers_once_ready(client):
    resp = client.get("/health")
    assert resp.status_code == 200 and resp.json()["data"]["status"] == "ok"
