"""`videotwin serve`, `serve --no-worker` and `admin` as a user runs them, from an empty data dir."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import make_settings
from tests.support.plugin import Steps
from tests.support.processes import REPO_ROOT, env_for, free_port, start, stop, wait_until
from videotwin.domain import jobs
from videotwin.runtime import build_runtime

pytestmark = pytest.mark.slow


def get(url: str, token: str | None = None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
    except OSError:
        return None, None


def test_serve_starts_from_nothing_writes_the_admin_token_and_runs_a_worker(tmp_path):
    settings = make_settings(tmp_path)
    port = free_port()
    env = env_for(settings, VIDEOTWIN_PORT=str(port))
    log = tmp_path / "serve.log"
    server = start(["serve"], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(f"{base}/health")[0] == 200, 60, "the server to answer /health")
        token_file = settings.data_dir / "admin_token"
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        assert str(token_file.resolve()) in log.read_text()
        token = token_file.read_text().strip()
        assert get(f"{base}/api/v1/user/remainingCoins", token)[1]["code"] == 0
        # The worker `serve` started runs jobs.
        rt = build_runtime(settings)
        with rt.db.read() as session:
            from videotwin.domain import accounts
            admin = accounts.find_user(session, "admin")
        j = jobs.start(rt, owner_id=admin.id, kind="test.steps", inputs=Steps(steps=2, step_seconds=0.01))
        wait_until(lambda: get(f"{base}/api/v1/jobs/{j.id}", token)[1]["data"]["status"] == "succeeded", 30,
                   "the job to succeed")
        assert get(f"{base}/health")[1]["data"]["workers"] == 1
        rt.close()
    finally:
        stop(server)
    assert server.returncode == 0
    wait_until(lambda: "Consumer exiting" in log.read_text(), 10, "the worker child to stop")


def test_a_second_start_keeps_the_admin_token(tmp_path):
    settings = make_settings(tmp_path)
    env = env_for(settings)
    for _ in range(2):
        port = free_port()
        env["VIDEOTWIN_PORT"] = str(port)
        server = start(["serve", "--no-worker"], env, tmp_path / "serve.log")
        try:
            wait_until(lambda port=port: get(f"http://127.0.0.1:{port}/health")[0] == 200, 60, "health")
            token = (settings.data_dir / "admin_token").read_text().strip()
            status, body = get(f"http://127.0.0.1:{port}/api/v1/user/remainingCoins", token)
            assert status == 200, body
        finally:
            stop(server)


def test_admin_commands_create_users_and_grant_credits(tmp_path):
    settings = make_settings(tmp_path)
    env = env_for(settings)

    def admin(*args):
        return subprocess.run([sys.executable, "-m", "videotwin", "admin", *args], env=env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=60)

    made = admin("create-user", "zoe", "--password", "a-long-password", "--coins", "30")
    assert made.returncode == 0 and "30 coins" in made.stdout, made.stderr
    granted = admin("grant", "zoe", "--coins", "12", "--diamonds", "2")
    assert "42 coins, 2 diamonds" in granted.stdout
    token = admin("create-token", "zoe").stdout.strip()
    assert token.startswith("sk_")
    missing = admin("grant", "nobody", "--coins", "1")
    assert missing.returncode == 2 and "nobody" in missing.stderr


def test_a_bad_setting_is_reported_by_name(tmp_path):
    env = env_for(make_settings(tmp_path), VIDEOTWIN_PORT="eighty")
    result = subprocess.run([sys.executable, "-m", "videotwin", "serve"], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "port" in result.stderr.lower()


def test_an_operator_adds_a_system_avatar_every_user_sees(tmp_path):
    from tests.support.fixtures import fixture
    from videotwin.bootstrap import ensure_admin, migrate
    from videotwin.domain import accounts, avatars

    clip = fixture("video/v05_woman_bluebg.mp4")
    settings = make_settings(tmp_path, min_training_seconds=5)
    migrate(settings)
    rt = build_runtime(settings)
    ensure_admin(rt)
    env = env_for(settings, VIDEOTWIN_MIN_TRAINING_SECONDS="5")
    result = subprocess.run([sys.executable, "-m", "videotwin", "admin", "add-system-avatar", str(clip), "--name",
                             "Blue", "--gender", "female"], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with rt.db.write() as session:
        user = accounts.create_user(session, "viewer", "viewer-password")
    with rt.db.read() as session:
        seen = avatars.anchors(session, user.id)
    assert [(a.name, a.anchor_type) for a in seen] == [("Blue", avatars.SYSTEM)]
    rt.close()


def test_add_system_avatar_reports_the_real_outcome_when_a_running_worker_takes_the_job(tmp_path, monkeypatch,
                                                                                       capsys):
    """`serve`'s worker may take the making before the command does: the command waits for that job's
    outcome (not an empty error), and asking again for the same name never makes a second avatar."""
    import threading
    import time

    from tests.support.fixtures import fixture
    from videotwin import cli
    from videotwin.bootstrap import ensure_admin, migrate
    from videotwin.db.tables import VideoTwinRow
    from videotwin.domain import tasks
    from videotwin.families.index import worker_pipelines
    from videotwin.worker.worker import Worker

    clip = fixture("video/v05_woman_bluebg.mp4")
    settings = make_settings(tmp_path, min_training_seconds=5)
    migrate(settings)
    rt = build_runtime(settings, models=True)
    ensure_admin(rt)
    other_worker = Worker(rt, worker_pipelines(settings.plugins))
    real_start = tasks.start

    def start_and_let_the_running_worker_take_it(*args, **kwargs):
        record = real_start(*args, **kwargs)
        threading.Thread(target=other_worker.execute, args=(record.job.id,), daemon=True).start()
        while jobs_status(rt, record.job.id) == jobs.QUEUED:
            time.sleep(0.01)
        return record

    monkeypatch.setattr(tasks, "start", start_and_let_the_running_worker_take_it)
    args = cli.build_parser().parse_args(["admin", "add-system-avatar", str(clip), "--name", "Blue"])
    assert cli._add_system_avatar(settings, args) == 0
    out = capsys.readouterr()
    assert "ready: anchor_id" in out.out and "error" not in out.err, out
    # Again (the name typed with a space), with nothing taking the job: the avatar of that name is
    # reported, not made twice.
    monkeypatch.setattr(tasks, "start", real_start)
    again = cli.build_parser().parse_args(["admin", "add-system-avatar", str(clip), "--name", "Blue "])
    assert cli._add_system_avatar(settings, again) == 0
    assert "exists already" in capsys.readouterr().out
    with rt.db.read() as session:
        assert session.query(VideoTwinRow).filter(VideoTwinRow.system.is_(True)).count() == 1
    rt.close()


def jobs_status(rt, job_id: str) -> str:
    with rt.db.read() as session:
        return jobs.get_any(session, job_id).status
