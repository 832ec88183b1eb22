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
