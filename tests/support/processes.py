"""Start real `videotwin` server and worker processes for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from videotwin.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOTWIN_")}
    env.update({
        "VIDEOTWIN_DATA_DIR": str(settings.data_dir),
        "VIDEOTWIN_DATABASE_URL": settings.resolved_database_url,
        "VIDEOTWIN_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
        "VIDEOTWIN_REAPER_INTERVAL_SECONDS": str(settings.reaper_interval_seconds),
        "VIDEOTWIN_PROGRESS_INTERVAL_SECONDS": str(settings.progress_interval_seconds),
        "VIDEOTWIN_QUEUE_POLL_MAX_SECONDS": str(settings.queue_poll_max_seconds),
        "VIDEOTWIN_PLUGINS": ",".join(settings.plugins),
        "VIDEOTWIN_WORKER_NICENESS": str(settings.worker_niceness),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")])),
    })
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen([sys.executable, "-m", "videotwin", *args], env=env, stdout=out,
                            stderr=subprocess.STDOUT, cwd=REPO_ROOT)


def wait_until(check: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
