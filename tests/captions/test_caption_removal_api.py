"""userCaptionRemoval through the HTTP API: the group's routes, its bad requests (refused before
anything is charged) and a source that cannot be fetched (the task fails naming source_url, and is
refunded)."""

from __future__ import annotations

import pytest

from tests.api.test_wire_format import assert_error
from tests.conftest import make_settings
from tests.support.processes import free_port
from videotwin.families.index import worker_pipelines
from videotwin.worker.worker import Worker

PREFIX = "/api/v1/userCaptionRemoval"
PRICE = 10  # config.Prices.caption_removal_coins' default


@pytest.fixture
def settings(tmp_path):
    # 127.0.0.1 may be fetched, so an unreachable source is really tried (and refused by the port).
    return make_settings(tmp_path, fetch_allow_hosts=["127.0.0.1"])


def coins(client, account) -> int:
    return client.get("/api/v1/user/remainingCoins", headers=account.headers).json()["data"]["coins"]


def test_the_group_has_every_a2e_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("start", "retry", "batchDetail"):
        assert set(paths[f"{PREFIX}/{p}"]) == {"post"}, p
    for p in ("allRecords", "allProcessing"):
        assert set(paths[f"{PREFIX}/{p}"]) == {"get"}, p
    assert set(paths[f"{PREFIX}/{{record_id}}"]) == {"get", "delete"}
    assert {p["name"] for p in paths[f"{PREFIX}/allRecords"]["get"]["parameters"]} == {"pageNum", "pageSize"}


def test_a_bad_start_is_refused_naming_the_field_and_charges_nothing(client, alice):
    url = f"http://127.0.0.1:{free_port()}/clip.mp4"
    start = f"{PREFIX}/start"
    assert_error(client.post(start, headers=alice.headers, json={"source_url": url}), 400, 10001, "name")
    assert_error(client.post(start, headers=alice.headers, json={"name": "x"}), 400, 10001, "source_url")
    assert_error(client.post(start, headers=alice.headers, json={"name": "x" * 129, "source_url": url}), 400, 10001,
                 "name")
    for bad in ("ftp://example.com/clip.mp4", "not a url", "", "https://example.com/a clip.mp4", 7):
        assert_error(client.post(start, headers=alice.headers, json={"name": "x", "source_url": bad}), 400, None,
                     "source_url")
    assert_error(client.post(start, headers=alice.headers, json={"name": "x", "source_url": url, "video_url": url}),
                 400, 10001, "video_url")
    assert_error(client.post(start, headers=alice.headers, json={"name": "x", "source_url": url,
                                                                 "webhook_token": "t" * 257}), 400, 10001,
                 "webhook_token")
    assert coins(client, alice) == 1000
    page = client.get(f"{PREFIX}/allRecords", headers=alice.headers).json()["data"]
    assert page["total"] == 0


def test_a_start_is_charged_recorded_and_a_queued_one_cancelled_on_delete(client, alice, bob):
    url = f"http://127.0.0.1:{free_port()}/clip.mp4"
    resp = client.post(f"{PREFIX}/start", headers=alice.headers, json={"name": "clean", "source_url": url})
    assert resp.status_code == 200, resp.text
    task = resp.json()["data"]
    assert (task["name"], task["source_url"], task["current_status"]) == ("clean", url, "initialized")
    assert task["result_url"] is None and task["text_found"] is None and task["notes"] == []
    assert task["coins"] == PRICE and coins(client, alice) == 1000 - PRICE
    quote = client.post("/api/v1/generation/quote", headers=alice.headers, json={
        "endpoint": f"{PREFIX}/start", "requestBody": {"name": "clean", "source_url": url}}).json()["data"]
    assert quote["coins"] == PRICE and quote["currency"] == "coins"
    assert [r["_id"] for r in client.get(f"{PREFIX}/allProcessing", headers=alice.headers).json()["data"]] == [
        task["_id"]]
    page = client.get(f"{PREFIX}/allRecords?pageNum=1&pageSize=10", headers=alice.headers).json()["data"]
    assert [r["_id"] for r in page["rows"]] == [task["_id"]]
    assert_error(client.get(f"{PREFIX}/{task['_id']}", headers=bob.headers), 404, 10004)
    assert client.delete(f"{PREFIX}/{task['_id']}", headers=alice.headers).json()["code"] == 0
    kept = client.get(f"{PREFIX}/{task['_id']}", headers=alice.headers).json()["data"]
    assert kept["current_status"] == "failed" and kept["hasRefundCoin"] is True
    assert coins(client, alice) == 1000


def test_an_unreachable_source_fails_the_task_naming_source_url_and_refunds_it(client, runtime, alice):
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/clip.mp4"
    resp = client.post(f"{PREFIX}/start", headers=alice.headers, json={"name": "gone", "source_url": url})
    assert resp.status_code == 200, resp.text
    task = resp.json()["data"]
    assert coins(client, alice) == 1000 - PRICE
    Worker(runtime, worker_pipelines(runtime.settings.plugins)).execute(task["_id"])
    failed = client.get(f"{PREFIX}/{task['_id']}", headers=alice.headers).json()["data"]
    assert failed["current_status"] == "failed", failed
    assert "source_url" in failed["failed_message"] and f"127.0.0.1:{port}" in failed["failed_message"], failed
    assert failed["failed_code"] != 0 and failed["hasRefundCoin"] is True
    assert failed["result_url"] is None and failed["text_found"] is None
    assert coins(client, alice) == 1000
