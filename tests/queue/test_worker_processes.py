"""Real worker processes against one database and queue: crashes, concurrency, exactly-once charging."""

from __future__ import annotations

import collections
import os
import signal

import pytest

from tests.support.plugin import Steps
from tests.support.processes import env_for, start, stop, wait_until
from videotwin.domain import credits, jobs

pytestmark = pytest.mark.slow


def job(runtime, job_id):
    with runtime.db.read() as session:
        return jobs.get_any(session, job_id)


def test_a_worker_killed_mid_job_leaves_a_job_another_worker_completes_charging_once(runtime, alice, tmp_path):
    log = tmp_path / "runs.log"
    j = jobs.start(runtime, owner_id=alice.id, kind="test.steps", cost=jobs.Cost("coins", 10),
                   inputs=Steps(steps=30, step_seconds=0.1, log=str(log)))
    env = env_for(runtime.settings)
    first = start(["worker"], env, tmp_path / "w1.log")
    try:
        wait_until(lambda: job(runtime, j.id).progress > 0.1, 30, "the first worker to make progress")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    second = start(["worker"], env, tmp_path / "w2.log")
    try:
        done = wait_until(lambda: (d := job(runtime, j.id)).status in jobs.FINISHED and d, 60,
                          "the second worker to finish the job")
    finally:
        stop(second)
    assert done.status == "succeeded" and done.attempts == 2
    runs = [line.split() for line in log.read_text().splitlines()]
    assert [(r[1], r[2]) for r in runs] == [(str(first.pid), "1"), (str(second.pid), "2")]
    key = done.outputs["files"]["result"]
    with runtime.blobs.open(key) as stored:
        assert "/a2/" in key and stored.read().decode().startswith(f"done by {second.pid}")
    with runtime.db.read() as session:
        assert [(e.reason, e.amount) for e in credits.entries_for_job(session, j.id)] == [("spend", -10)]
        assert credits.balances(session, alice.id).coins == 990


def test_two_worker_processes_never_run_the_same_job_even_with_duplicate_messages(runtime, alice, tmp_path):
    log = tmp_path / "runs.log"
    ids = []
    for _ in range(12):
        j = jobs.start(runtime, owner_id=alice.id, kind="test.steps", cost=jobs.Cost("coins", 1),
                       inputs=Steps(steps=3, step_seconds=0.05, log=str(log)))
        runtime.queue.enqueue(j.id)  # a duplicate message must not lead to a second run
        ids.append(j.id)
    env = env_for(runtime.settings)
    workers = [start(["worker"], env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        wait_until(lambda: all(job(runtime, i).status in jobs.FINISHED for i in ids), 90, "all jobs to finish")
    finally:
        for w in workers:
            stop(w)
    runs = collections.Counter(line.split()[0] for line in log.read_text().splitlines())
    assert runs == {i: 1 for i in ids}
    assert all(job(runtime, i).status == "succeeded" and job(runtime, i).attempts == 1 for i in ids)
    with runtime.db.read() as session:
        assert credits.balances(session, alice.id).coins == 1000 - 12


def test_a_worker_stopped_politely_hands_its_job_back_at_once(runtime, alice, tmp_path):
    settings = runtime.settings.model_copy(update={"job_lease_seconds": 60.0})  # expiry would take a minute
    j = jobs.start(runtime, owner_id=alice.id, kind="test.steps", cost=jobs.Cost("coins", 10),
                   inputs=Steps(steps=40, step_seconds=0.1))
    env = env_for(settings)
    first = start(["worker"], env, tmp_path / "w1.log")
    try:
        wait_until(lambda: job(runtime, j.id).progress > 0.05, 30, "the first worker to make progress")
        first.terminate()
        first.wait(15)
        assert job(runtime, j.id).status == "queued"
    finally:
        stop(first)
    second = start(["worker"], env, tmp_path / "w2.log")
    try:
        done = wait_until(lambda: (d := job(runtime, j.id)).status in jobs.FINISHED and d, 30, "the job to finish")
    finally:
        stop(second)
    assert done.status == "succeeded" and done.attempts == 2 and "/a2/" in done.outputs["files"]["result"]
    with runtime.db.read() as session:
        assert credits.balances(session, alice.id).coins == 990


def test_one_worker_works_queued_jobs_off_in_the_order_they_were_sent(runtime, alice, tmp_path):
    log = tmp_path / "runs.log"
    ids = [jobs.start(runtime, owner_id=alice.id, kind="test.steps",
                      inputs=Steps(steps=2, step_seconds=0.05, log=str(log))).id for _ in range(5)]
    worker = start(["worker"], env_for(runtime.settings), tmp_path / "w.log")
    try:
        wait_until(lambda: all(job(runtime, i).status in jobs.FINISHED for i in ids), 60, "all jobs to finish")
    finally:
        stop(worker)
    assert [line.split()[0] for line in log.read_text().splitlines()] == ids


def test_a_pool_worker_takes_only_its_pools_jobs(runtime, alice, tmp_path):
    def submit(queue: str) -> str:
        with runtime.db.write() as session:
            j = jobs.submit(session, owner_id=alice.id, kind="test.steps", inputs=Steps(steps=2, step_seconds=0.05),
                            max_attempts=3, queue=queue)
        runtime.queue.enqueue(j.id, queue=queue)
        return j.id

    pooled, shared = submit("studio"), submit(jobs.DEFAULT_QUEUE)
    env = env_for(runtime.settings)
    studio = start(["worker", "--pool", "studio"], env, tmp_path / "studio.log")
    try:
        wait_until(lambda: job(runtime, pooled).status == "succeeded", 60, "the studio worker to run its job")
        assert job(runtime, shared).status == "queued"  # not the studio worker's
    finally:
        stop(studio)
    default = start(["worker"], env, tmp_path / "default.log")
    try:
        wait_until(lambda: job(runtime, shared).status == "succeeded", 60, "a shared worker to run the other job")
    finally:
        stop(default)
