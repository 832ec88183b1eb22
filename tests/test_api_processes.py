"""`serve` as users run it: the API processes run no models (the model server beside them does), so
the first send_tts on a fresh server costs no connection, and a connection kept alive between polls
stays usable."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import make_account, make_settings
from tests.support.processes import answers_health, env_for, free_port, start, stop, wait_until
from videotwin.bootstrap import migrate
from videotwin.runtime import build_runtime

pytestmark = pytest.mark.slow
# Shared libraries that running a model needs: none may be mapped in an API process.
MODEL_RUNTIMES = ("onnxruntime", "ctranslate2", "lingua", "mediapipe", "deepfilter")
# A2E clients poll every 3-10 s: a connection idle for longer than the old 5 s keep-alive.
POLL_GAP_SECONDS = 6.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def mapped(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def call(port: int, method: str, path: str, token: str, body: dict | None = None,
         conn: http.client.HTTPConnection | None = None) -> tuple[int, dict]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Authorization": f"Bearer {token}",
                                                          "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        if own:
            conn.close()


def test_the_first_model_calls_on_a_fresh_server_lose_nothing_and_api_processes_load_no_model(tmp_path):
    settings = make_settings(tmp_path, api_processes=2)
    migrate(settings)
    rt = build_runtime(settings)
    acct = make_account(rt, "caller", coins=100)
    rt.close()
    port = free_port()
    log = tmp_path / "serve.log"
    server = start(["serve"], env_for(settings, VIDEOTWIN_PORT=str(port), VIDEOTWIN_API_PROCESSES="2"), log)
    try:
        wait_until(lambda: answers_health(port), 60, "the server to answer /health")
        results: list[tuple[str, int, int]] = []

        def speak(i: int) -> None:
            status, body = call(port, "POST", "/api/v1/video/send_tts", acct.token,
                                {"msg": f"Call number {i} on a cold server.", "tts_id": "en-US-joe"})
            results.append(("send_tts", status, body["code"]))
            status, body = call(port, "POST", "/api/v1/video/lang_classify", acct.token,
                                {"msg": "Dies ist ein deutscher Satz, ganz ohne Zweifel."})
            results.append(("lang_classify", status, body["code"]))
            assert body["data"] == "de", body

        callers = [threading.Thread(target=speak, args=(i,)) for i in range(4)]
        for t in callers:
            t.start()
        polls = 0
        while any(t.is_alive() for t in callers):  # the API keeps answering while models load
            status, body = call(port, "GET", "/api/v1/user/remainingCoins", acct.token)
            assert status == 200 and body["code"] == 0
            polls += 1
        for t in callers:
            t.join()
        assert len(results) == 8 and all(status == 200 and code == 0 for _, status, code in results), results
        assert polls > 0

        # A client polling over one kept-alive connection, with pauses longer than the old keep-alive.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):
            assert call(port, "GET", "/api/v1/user/remainingCoins", acct.token, conn=conn)[0] == 200
            time.sleep(POLL_GAP_SECONDS)
        conn.close()

        kids = {pid: cmdline(pid) for pid in children(server.pid)}
        model_server = [p for p, c in kids.items() if "model-server" in c]
        api = [p for p, c in kids.items() if "spawn_main" in c]  # not the resource tracker
        assert len(model_server) == 1 and len(api) == 2, kids
        for pid in api:
            maps = mapped(pid)
            assert not [lib for lib in MODEL_RUNTIMES if lib in maps], f"an API process maps a model runtime: {pid}"
        assert "onnxruntime" in mapped(model_server[0])  # the check can see a loaded model where there is one
    finally:
        stop(server)
    assert "died" not in log.read_text()

