"""Task families: one declaration gives a group its A2E routes (start, allRecords, allProcessing,
{_id}, batchDetail, delete, retry), its records and their rules, and its webhook record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.support import family
from tests.support.plugin import Steps
from videotwin.api.families import family_router
from videotwin.app import create_app
from videotwin.domain import jobs, leases, tasks, user_voices
from videotwin.families import voices
from videotwin.families.index import worker_pipelines
from videotwin.worker import webhooks
from videotwin.worker.worker import Worker

PREFIX = "/api/v1/testTask"


@pytest.fixture
def app_client(runtime) -> Iterator[TestClient]:
    family.TestBase.metadata.create_all(runtime.db.engine)
    app = create_app(runtime)
    app.include_router(family_router(family.FAMILY))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def worker(runtime) -> Worker:
    return Worker(runtime, worker_pipelines([*runtime.settings.plugins, "tests.support.family"]))


def coins(client, account) -> int:
    return client.get("/api/v1/user/remainingCoins", headers=account.headers).json()["data"]["coins"]


def start(client, account, label, marker) -> dict:
    resp = client.post(f"{PREFIX}/start", headers=account.headers, json={"label": label, "marker": str(marker)})
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def test_one_declaration_gives_the_group_every_a2e_route(app_client):
    paths = app_client.get("/openapi.json").json()["paths"]
    assert {f"{PREFIX}/{p}" for p in ("start", "allRecords", "allProcessing", "batchDetail", "retry")} | {
        f"{PREFIX}/{{record_id}}"} <= set(paths)
    assert set(paths[f"{PREFIX}/{{record_id}}"]) == {"get", "delete"}
    assert {p["name"] for p in paths[f"{PREFIX}/allRecords"]["get"]["parameters"]} == {"pageNum", "pageSize"}


def test_starting_charges_the_price_and_the_record_is_listed_newest_first_in_pages(app_client, alice, tmp_path):
    first = start(app_client, alice, "first", tmp_path / "m")
    second = start(app_client, alice, "second", tmp_path / "m")
    assert coins(app_client, alice) == 1000 - 2 * family.PRICE_COINS
    assert first["current_status"] == "initialized" and first["coins"] == family.PRICE_COINS
    page = app_client.get(f"{PREFIX}/allRecords?pageNum=1&pageSize=1", headers=alice.headers).json()["data"]
    assert page["total"] == 2 and page["pageNum"] == 1 and page["pageSize"] == 1
    assert [r["_id"] for r in page["data"]] == [second["_id"]]
    rest = app_client.get(f"{PREFIX}/allRecords?pageNum=2&pageSize=1", headers=alice.headers).json()["data"]
    assert [r["label"] for r in rest["data"]] == ["first"]
    assert_error(app_client.get(f"{PREFIX}/allRecords?pageSize=1000", headers=alice.headers), 400, 10001, "pageSize")


def test_records_are_their_owners_alone_and_batch_detail_keeps_the_order_asked_for(app_client, alice, bob, tmp_path):
    a = start(app_client, alice, "a", tmp_path / "m")
    b = start(app_client, alice, "b", tmp_path / "m")
    theirs = start(app_client, bob, "bob's", tmp_path / "m")
    assert app_client.get(f"{PREFIX}/{a['_id']}", headers=alice.headers).json()["data"]["label"] == "a"
    for other in (theirs["_id"], "f" * 24, "not-an-id"):  # another user's looks exactly like a missing one
        assert_error(app_client.get(f"{PREFIX}/{other}", headers=alice.headers), 404, 10004, "_id")
    found = app_client.post(f"{PREFIX}/batchDetail", headers=alice.headers,
                            json={"ids": [b["_id"], theirs["_id"], "f" * 24, a["_id"]]}).json()["data"]
    assert [r["_id"] for r in found] == [b["_id"], a["_id"]]


def test_processing_lists_what_is_not_finished(app_client, runtime, worker, alice, tmp_path):
    (tmp_path / "m").touch()
    done = start(app_client, alice, "done", tmp_path / "m")
    waiting = start(app_client, alice, "waiting", tmp_path / "m")
    worker.execute(done["_id"])
    listed = app_client.get(f"{PREFIX}/allProcessing", headers=alice.headers).json()["data"]
    assert [r["_id"] for r in listed] == [waiting["_id"]]
    finished = app_client.get(f"{PREFIX}/{done['_id']}", headers=alice.headers).json()["data"]
    assert finished["current_status"] == "completed" and finished["result_url"] and finished["process"] == 100


def test_deleting_a_queued_task_refunds_it_a_running_one_is_refused_a_finished_one_goes(
        app_client, runtime, worker, alice, tmp_path):
    queued = start(app_client, alice, "queued", tmp_path / "m")
    assert app_client.delete(f"{PREFIX}/{queued['_id']}", headers=alice.headers).json()["code"] == 0
    kept = app_client.get(f"{PREFIX}/{queued['_id']}", headers=alice.headers).json()["data"]
    assert kept["current_status"] == "failed" and kept["hasRefundCoin"] is True
    running = start(app_client, alice, "running", tmp_path / "m")
    with runtime.db.write() as session:
        leases.claim(session, running["_id"], "someone", 30)
    assert_error(app_client.delete(f"{PREFIX}/{running['_id']}", headers=alice.headers), 400, 10006, "cancel")
    (tmp_path / "m").touch()
    done = start(app_client, alice, "done", tmp_path / "m")
    worker.execute(done["_id"])
    files = runtime.settings.blob_dir / "users" / alice.id / "jobs" / done["_id"]
    assert files.is_dir()
    assert app_client.delete(f"{PREFIX}/{done['_id']}", headers=alice.headers).json()["code"] == 0
    assert_error(app_client.get(f"{PREFIX}/{done['_id']}", headers=alice.headers), 404)
    assert not files.exists()
    assert coins(app_client, alice) == 1000 - 2 * family.PRICE_COINS  # running and done were charged


def test_a_failed_task_is_retried_as_a_new_job_charged_again_and_keeps_its_id(
        app_client, runtime, worker, alice, tmp_path):
    marker = tmp_path / "m"
    task = start(app_client, alice, "flaky", marker)
    worker.execute(task["_id"])
    failed = app_client.get(f"{PREFIX}/{task['_id']}", headers=alice.headers).json()["data"]
    assert failed["current_status"] == "failed" and failed["failed_code"] == 77 and failed["hasRefundCoin"]
    assert coins(app_client, alice) == 1000
    marker.touch()
    again = app_client.post(f"{PREFIX}/retry", headers=alice.headers, json={"_id": task["_id"]}).json()["data"]
    assert again["_id"] == task["_id"] and again["current_status"] == "initialized" and again["failed_code"] == 0
    assert coins(app_client, alice) == 1000 - family.PRICE_COINS  # the failed run was refunded: charged again
    with runtime.db.read() as session:
        job_id = session.get(family.TestTaskRow, task["_id"]).job_id
    assert job_id != task["_id"]
    worker.execute(job_id)
    done = app_client.get(f"{PREFIX}/{task['_id']}", headers=alice.headers).json()["data"]
    assert done["current_status"] == "completed"
    assert_error(app_client.post(f"{PREFIX}/retry", headers=alice.headers, json={"_id": task["_id"]}), 400, 10006,
                 "only a failed task")


def test_a_webhook_carries_the_groups_own_record_and_other_kinds_the_generic_one(runtime, alice):
    submission = user_voices.submission(runtime, name="Hook", voice_urls=["https://example.com/voice.wav"],
                                        gender="female", language="en", denoise=False)
    voice = tasks.start(runtime, voices.FAMILY, alice.id, submission)
    sent = webhooks.record(runtime, voice.job)
    assert sent["_id"] == voice.id and sent["current_status"] == "sent" and sent["voice_urls"]
    assert "kind" not in sent  # A2E's voice record, not the generic task record
    plain = jobs.start(runtime, owner_id=alice.id, kind="test.steps", inputs=Steps())
    generic = webhooks.record(runtime, plain)
    assert generic["kind"] == "test.steps" and generic["current_status"] == "initialized"
