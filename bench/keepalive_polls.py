"""A2E clients polling over one kept-alive connection (issue 12, item 4).

    .venv/bin/python bench/keepalive_polls.py [--polls 200] [--interval 5] [--clients 4]

A fresh `videotwin serve` (as `make run` starts it); --clients clients each poll
`user/remainingCoins` --polls times, --interval seconds apart, every client over one HTTP/1.1
connection it never reopens, as the published A2E clients do (requests.Session, one socket). Counted:
answers that are not 200, and every reset, closed or timed-out connection (a client that hits one
reports it and opens a new connection, as requests would, so later polls still count). Target: 0
resets in 200 polls at 5 s (with uvicorn's default 5 s keep-alive, about 1 poll in 15 was reset).
Writes bench/results/keepalive_polls.json."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.processes import answers_health, free_port, start, stop, wait_until  # noqa: E402

from videotwin.bootstrap import migrate  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.domain import accounts  # noqa: E402
from videotwin.runtime import build_runtime  # noqa: E402


def poller(port: int, token: str, polls: int, interval: float, offset: float, out: dict) -> None:
    time.sleep(offset)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(polls):
        started = time.monotonic()
        try:
            conn.request("GET", "/api/v1/user/remainingCoins", headers=headers)
            resp = conn.getresponse()
            resp.read()
            out["ok" if resp.status == 200 else "bad_status"] += 1
        except (ConnectionError, http.client.HTTPException, TimeoutError, OSError) as exc:
            out["resets"] += 1
            out["errors"].append(f"{type(exc).__name__}: {exc}"[:200])
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--polls", type=int, default=200)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--set", action="append", default=[], metavar="VIDEOTWIN_X=VALUE",
                    help="a setting for the measured server, e.g. VIDEOTWIN_API_KEEP_ALIVE_SECONDS=5 (the old value)")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="videotwin-keepalive-"))
    port = free_port()
    settings = Settings(data_dir=root / "data", port=port, model_server_url=None)
    migrate(settings)
    rt = build_runtime(settings)
    with rt.db.write() as session:
        user = accounts.create_user(session, "poller", "poller-password")
        token = accounts.create_api_token(session, user.id, "bench").plaintext
    rt.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOTWIN_")}
    env.update(VIDEOTWIN_DATA_DIR=str(settings.data_dir), VIDEOTWIN_PORT=str(port), PYTHONPATH=str(REPO))
    env.update(dict(item.split("=", 1) for item in args.set))
    server = start(["serve", "--no-worker"], env, root / "serve.log")
    results = [{"ok": 0, "bad_status": 0, "resets": 0, "errors": []} for _ in range(args.clients)]
    try:
        wait_until(lambda: answers_health(port), 60, "the server to answer")
        threads = [threading.Thread(target=poller, args=(port, token, args.polls, args.interval,
                                                         k * args.interval / args.clients, results[k]))
                   for k in range(args.clients)]
        begun = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - begun
    finally:
        stop(server)
    summary = {"polls_per_client": args.polls, "interval_seconds": args.interval, "clients": args.clients,
               "settings": args.set, "seconds": round(seconds, 1),
               "ok": sum(r["ok"] for r in results), "bad_status": sum(r["bad_status"] for r in results),
               "resets": sum(r["resets"] for r in results),
               "first_errors": [e for r in results for e in r["errors"]][:10]}
    out = REPO / "bench" / "results" / "keepalive_polls.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0 if summary["resets"] == 0 and summary["bad_status"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
