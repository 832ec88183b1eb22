"""Start real `videotwin` server and worker processes for end-to-end tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

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


def answers_health(port: int) -> bool:
    """Whether a server on 127.0.0.1:port answers GET /health with 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


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


MODEL_SERVER_START_SECONDS = 60


@contextmanager
def model_server_for_tests(root: Path) -> Iterator[str]:
    """A `videotwin model-server` process on a unix socket under `root`; yields its URL once it answers."""
    sock = root / "models.sock"
    url = f"unix://{sock}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOTWIN_")}
    env.update({"VIDEOTWIN_DATA_DIR": str(root / "data"), "VIDEOTWIN_MODEL_SERVER_URL": url,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))})
    proc = start(["model-server", "--parent-pid", str(os.getpid())], env, root / "model-server.log")
    client = httpx.Client(transport=httpx.HTTPTransport(uds=str(sock)), base_url="http://models", timeout=2)

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the model server exited: {(root / 'model-server.log').read_text()[-2000:]}")
        try:
            return client.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, MODEL_SERVER_START_SECONDS, "the model server to answer", interval=0.1)
        yield url
    finally:
        client.close()
        stop(proc)
