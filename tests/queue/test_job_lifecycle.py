"""Jobs run in-process by a Worker: charging, refunds, progress, cancel, per-attempt outputs, webhooks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.plugin import Burn, Nothing, Steps
from videotwin.domain import credits, jobs, leases
from videotwin.families.index import worker_pipelines
from videotwin.worker.worker import Worker


@pytest.fixture
def worker(runtime) -> Worker:
    return Worker(runtime, worker_pipelines(runtime.settings.plugins))


def start(runtime, account, kind="test.steps", cost=10, **inputs):
    typed = {"test.steps": Steps, "test.burn": Burn}.get(kind, Nothing)(**inputs)
    return jobs.start(runtime, owner_id=account.id, kind=kind, inputs=typed,
                      cost=jobs.Cost("coins", cost) if cost else None)


def job(runtime, job_id):
    with runtime.db.read() as session:
        return jobs.get_any(session, job_id)


def ledger(runtime, job_id):
    with runtime.db.read() as session:
        return [(e.reason, e.amount) for e in credits.entries_for_job(session, job_id)]


def balance(runtime, account):
    with runtime.db.read() as session:
        return credits.balances(session, account.id).coins


def test_accepting_a_job_reserves_its_credits_and_success_keeps_them(runtime, worker, alice):
    j = start(runtime, alice, steps=2, step_seconds=0.01)
    assert balance(runtime, alice) == 990 and job(runtime, j.id).status == "queued"
    worker.execute(j.id)
    done = job(runtime, j.id)
    assert done.status == "succeeded" and done.progress == 1.0 and done.attempts == 1
    assert ledger(runtime, j.id) == [("spend", -10)]
    key = done.outputs["files"]["result"]
    assert f"/jobs/{j.id}/a1/" in key and runtime.blobs.exists(key)


def test_a_job_the_user_cannot_afford_is_refused_and_nothing_is_recorded(runtime, alice):
    from videotwin.errors import InsufficientCredits

    with pytest.raises(InsufficientCredits):
        start(runtime, alice, cost=5000)
    with runtime.db.read() as session:
        assert jobs.list_jobs(session, alice.id)[1] == 0
    assert balance(runtime, alice) == 1000


def test_a_failed_job_records_why_and_refunds(runtime, worker, alice):
    j = start(runtime, alice, kind="test.fails")
    worker.execute(j.id)
    done = job(runtime, j.id)
    assert done.status == "failed" and done.error_code == 42 and "no face" in done.error_message
    assert done.refunded and ledger(runtime, j.id) == [("spend", -10), ("refund", 10)]
    assert balance(runtime, alice) == 1000


def test_a_failure_message_never_shows_a_server_path(runtime, worker, alice):
    """The last line of defence where the failure is recorded: the workdir, the data dir and any other
    absolute path become a neutral word; a URL stays as it is."""
    j = start(runtime, alice, kind="test.leaks")
    worker.execute(j.id)
    done = job(runtime, j.id)
    message = done.error_message
    assert done.status == "failed" and done.error_code == 43 and done.refunded
    assert message.startswith("audioSrc: not readable as audio (a file: Invalid data found"), message
    for leak in (str(runtime.settings.data_dir), str(runtime.settings.data_dir.resolve()), "/tmp/", "/usr/lib",
                 "videotwin.db"):
        assert leak not in message, message
    assert "http://127.0.0.1:8000/files/users/a.wav stays" in message


def test_a_crashing_pipeline_fails_the_job_with_a_refund_and_the_worker_lives_on(runtime, worker, alice):
    j = start(runtime, alice, kind="test.crashes")
    worker.execute(j.id)
    assert job(runtime, j.id).status == "failed" and balance(runtime, alice) == 1000
    k = start(runtime, alice, steps=1, step_seconds=0.01)
    worker.execute(k.id)
    assert job(runtime, k.id).status == "succeeded"


def test_cancelling_a_queued_job_refunds_it_and_a_worker_then_skips_it(runtime, worker, alice):
    j = start(runtime, alice)
    with runtime.db.write() as session:
        jobs.cancel(session, alice.id, j.id)
    assert balance(runtime, alice) == 1000
    assert ledger(runtime, j.id) == [("spend", -10), ("refund", 10)]
    worker.execute(j.id)
    assert job(runtime, j.id).status == "cancelled" and job(runtime, j.id).attempts == 0


def test_cancelling_a_running_job_stops_it_at_its_next_check(runtime, worker, alice):
    j = start(runtime, alice, steps=200, step_seconds=0.02, partial=True)
    t = threading.Thread(target=worker.execute, args=(j.id,))
    t.start()
    deadline = time.monotonic() + 10
    while job(runtime, j.id).status != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    attempt_dir = runtime.settings.blob_dir / "users" / alice.id / "jobs" / j.id / "a1"
    deadline = time.monotonic() + 10
    while not attempt_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert attempt_dir.exists()
    with runtime.db.write() as session:
        jobs.cancel(session, alice.id, j.id)
    t.join(timeout=10)
    done = job(runtime, j.id)
    assert done.status == "cancelled" and done.progress < 1.0
    assert ledger(runtime, j.id) == [("spend", -10)]  # the work done was charged
    assert not attempt_dir.exists()  # a cancelled job keeps no files


def test_progress_is_written_while_the_job_runs(runtime, worker, alice):
    j = start(runtime, alice, steps=20, step_seconds=0.05)
    t = threading.Thread(target=worker.execute, args=(j.id,))
    t.start()
    seen = set()
    while t.is_alive():
        seen.add(round(job(runtime, j.id).progress, 2))
        time.sleep(0.05)
    assert len({p for p in seen if 0 < p < 1}) >= 2, seen


def test_a_finished_job_cannot_be_cancelled(runtime, worker, alice):
    from videotwin.errors import InvalidState

    j = start(runtime, alice, steps=1, step_seconds=0.01)
    worker.execute(j.id)
    with runtime.db.write() as session, pytest.raises(InvalidState):
        jobs.cancel(session, alice.id, j.id)


def test_a_worker_cannot_finish_a_job_whose_lease_another_worker_holds(runtime, alice):
    j = start(runtime, alice)
    with runtime.db.write() as session:
        assert leases.claim(session, j.id, "w1", 30) is not None
        assert leases.claim(session, j.id, "w2", 30) is None
        assert leases.succeed(session, j.id, "w2", {}) is None
        assert leases.fail(session, j.id, "w2", 1, "x") is None
    assert job(runtime, j.id).status == "running"


def test_an_expired_lease_is_requeued_then_given_up_with_a_refund(runtime, alice):
    j = start(runtime, alice)
    for attempt in range(1, runtime.settings.job_max_attempts + 1):
        with runtime.db.write() as session:
            assert leases.claim(session, j.id, f"dead-{attempt}", 0.01).attempts == attempt
        time.sleep(0.02)
        with runtime.db.write() as session:
            result = leases.reap_expired(session)
    assert result.failed == [j.id]
    done = job(runtime, j.id)
    assert done.status == "failed" and "stopped 3 times" in done.error_message
    assert balance(runtime, alice) == 1000


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers.get("X-A2e-Webhook-Token"), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_the_webhook_is_posted_once_with_its_token_when_the_job_ends(tmp_path, hook_server):
    from tests.conftest import make_account, make_settings
    from videotwin.bootstrap import migrate
    from videotwin.runtime import build_runtime

    settings = make_settings(tmp_path, fetch_allow_hosts=["127.0.0.1"])
    migrate(settings)
    rt = build_runtime(settings, models=True)
    w = Worker(rt, worker_pipelines(settings.plugins))
    acct = make_account(rt, "hooked", coins=100)
    url = f"http://127.0.0.1:{hook_server.server_port}/hook"
    ok = jobs.start(rt, owner_id=acct.id, kind="test.steps", inputs=Steps(steps=1, step_seconds=0.01),
                    webhook_url=url, webhook_token="s3cret")
    bad = jobs.start(rt, owner_id=acct.id, kind="test.fails", inputs=Nothing(), webhook_url=url)
    w.execute(ok.id)
    w.execute(bad.id)
    w.housekeeping()  # a second chance to send must not send again
    events = [(token, body["event"], body["data"]["_id"]) for token, body in _Hook.received]
    assert events == [("s3cret", "task.completed", ok.id), (None, "task.failed", bad.id)]
    assert _Hook.received[0][1]["data"]["current_status"] == "completed"
    assert _Hook.received[1][1]["data"]["failed_message"].startswith("the input has no face")
    rt.close()


def test_a_webhook_to_a_private_address_is_not_sent(runtime, worker, alice, hook_server):
    url = f"http://127.0.0.1:{hook_server.server_port}/hook"  # loopback, and not on the allow list
    j = jobs.start(runtime, owner_id=alice.id, kind="test.steps", inputs=Steps(steps=1, step_seconds=0.01),
                   webhook_url=url)
    worker.execute(j.id)
    assert _Hook.received == []
    with runtime.db.read() as session:
        from videotwin.db.tables import JobRow

        row = session.get(JobRow, j.id)
        assert row.webhook_state == "failed" and "loopback" in row.webhook_result


def test_deleting_follows_a2e_rules_queued_refunded_running_refused_finished_removed(runtime, worker, alice):
    from videotwin.errors import InvalidState, NotFound

    queued = start(runtime, alice)
    with runtime.db.write() as session:
        assert jobs.delete(session, alice.id, queued.id).status == "cancelled"
    assert balance(runtime, alice) == 1000
    running = start(runtime, alice)
    with runtime.db.write() as session:
        leases.claim(session, running.id, "w", 30)
    with runtime.db.write() as session, pytest.raises(InvalidState):
        jobs.delete(session, alice.id, running.id)
    finished = start(runtime, alice, steps=1, step_seconds=0.01)
    worker.execute(finished.id)
    with runtime.db.write() as session:
        jobs.delete(session, alice.id, finished.id)
    with runtime.db.read() as session, pytest.raises(NotFound):
        jobs.get(session, alice.id, finished.id)
