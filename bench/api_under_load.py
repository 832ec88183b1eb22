"""The API under load while a worker renders (issue 11, item 5).

    .venv/bin/python bench/api_under_load.py [--seconds 60] [--pollers 32] [--speakers 8] [--poll-interval 1]

A fresh `videotwin serve` (two API processes, the worker and the model server, as `make run` starts
them) on an avatar made beforehand from ../shared/fixtures/video/v05. The moment it answers, a video
of that avatar saying a long audio is started, and for --seconds:
- --pollers clients poll that video's status (video/awsResult) every --poll-interval seconds (A2E
  clients poll every 3-10 s; 0: back to back), each over one kept-alive connection, their first polls
  spread over one interval (independent clients do not all poll in the same millisecond: when they
  did here, each one's first poll made the whole slowest 1 %, at 0.2 s, and nothing later did);
- --speakers clients call send_tts (a sentence) then lang_classify, back to back, from the first
  call on a cold model server.
Counted: every answer that is not 200 with code 0, and every dropped or reset connection. Reported:
status-poll latency (p50/p95/p99/max), send_tts and lang_classify latency (p50/p99, the first calls
apart), that the render went on throughout, and whether any API process was restarted. Targets: 0
errors, 0 dropped connections, status polls p99 under 100 ms. Writes bench/results/api_under_load.json."""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fixtures import FIXTURES  # noqa: E402
from tests.support.processes import answers_health, free_port, start, stop, wait_until  # noqa: E402

from videotwin.bootstrap import ensure_admin, migrate  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.domain import accounts, avatars, tasks  # noqa: E402
from videotwin.families import avatars as avatar_family  # noqa: E402
from videotwin.families.index import worker_pipelines  # noqa: E402
from videotwin.media.audio import decode, write_wav  # noqa: E402
from videotwin.runtime import build_runtime  # noqa: E402
from videotwin.worker.worker import Worker  # noqa: E402

RESULTS = REPO / "bench" / "results" / "api_under_load.json"
AVATAR_CLIP = FIXTURES / "video" / "v05_woman_bluebg.mp4"
SPEECH = FIXTURES / "audio" / "a07_en_openvoice_spk2.mp3"
# The video's audio: long enough that the worker renders for the whole run.
VIDEO_AUDIO_SECONDS = 240
SENTENCES = [
    "The quarterly numbers are in, and they look better than expected.",
    "Please remember to lock the door when you leave the office tonight.",
    "Our new avatar speaks every language the team needs for the launch.",
    "Rain is expected this afternoon, so bring an umbrella just in case.",
]
LANGUAGE_TEXT = "Ceci est une phrase en français, écrite pour la détection de la langue."
POLLER_PROCESSES = 2
# How often the benchmark itself looks at the video's progress, seconds.
PROGRESS_EVERY_SECONDS = 2.0
TIMEOUT_SECONDS = 180


def _request(conn: http.client.HTTPConnection, method: str, path: str, token: str, body: dict | None) -> tuple:
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=payload, headers={"Authorization": f"Bearer {token}",
                                                      "Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    timing = resp.getheader("Server-Timing") or ""
    server_s = float(timing.split("dur=")[1]) / 1000 if "dur=" in timing else float("nan")
    return resp.status, json.loads(data), server_s


def _client(port: int, seconds: float, token: str, calls: list[tuple[str, str, dict | None]], pause: float,
            offset: float, out: list, errors: list, drops: list) -> None:
    """One client on one kept-alive connection: after `offset` seconds, the calls in turn, `pause`
    apart, until `seconds` pass."""
    stop_at = time.monotonic() + seconds
    time.sleep(offset)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    i = 0
    while time.monotonic() < stop_at:
        name, path, body = calls[i % len(calls)]
        i += 1
        t0 = time.perf_counter()
        try:
            status, answer, server_s = _request(conn, "POST", path, token, body)
            if status != 200 or answer.get("code") != 0:
                errors.append(f"{name}: HTTP {status} {str(answer)[:160]}")
        except (OSError, http.client.HTTPException) as exc:
            drops.append(f"{name}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
            continue
        out.append((name, time.time(), time.perf_counter() - t0, server_s))
        if pause:
            time.sleep(pause)
    conn.close()


def client_process(port: int, seconds: float, token: str, threads: int, calls, pause: float, queue,
                   first: int = 0, clients: int = 1) -> None:
    """`threads` clients; client k (of `clients` in all, this process's from `first` on) starts k/clients
    of a polling interval late: independent clients poll at independent moments, not all at once."""
    out, errors, drops = [], [], []
    pool = [threading.Thread(target=_client, args=(port, seconds, token, calls, pause,
                                                   pause * (first + i) / clients, out, errors, drops))
            for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((out, errors, drops))


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ms = np.array(values) * 1000
    return {"count": len(values), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)}


def prepare(root: Path, settings: Settings) -> tuple[str, str, str]:
    """An account, an avatar made here (so the measured server starts cold), a long audio in the store."""
    migrate(settings)
    runtime = build_runtime(settings, models=True)
    ensure_admin(runtime)
    with runtime.db.write() as session:
        user = accounts.create_user(session, "loaded", "a-long-password", coins=100_000, diamonds=10)
        token = accounts.create_api_token(session, user.id, "bench").plaintext
    footage = f"users/{user.id}/uploads/avatar.mp4"
    runtime.blobs.put_file(footage, AVATAR_CLIP, "video/mp4")
    submission = avatars.submission(runtime, name="Loaded", gender="female", video_url=runtime.url_for(footage),
                                    image_url=None)
    twin = tasks.start(runtime, avatar_family.FAMILY, user.id, submission)
    print("making the avatar...", flush=True)
    Worker(runtime, worker_pipelines([])).execute(twin.job.id)
    with runtime.db.read() as session:
        twin = tasks.get(session, avatar_family.FAMILY, user.id, twin.id)
    if not twin.ready:
        raise SystemExit(f"the avatar could not be made: {twin.job.error_message}")
    speech = decode(SPEECH, 16000)
    long_audio = root / "long.wav"
    write_wav(long_audio, np.tile(speech, VIDEO_AUDIO_SECONDS * 16000 // len(speech) + 1)[:VIDEO_AUDIO_SECONDS * 16000],
              16000)
    audio_key = f"users/{user.id}/uploads/long.wav"
    runtime.blobs.put_file(audio_key, long_audio, "audio/wav")
    audio_url = runtime.url_for(audio_key)
    runtime.close()
    return token, twin.anchor_id, audio_url


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pollers", type=int, default=32)
    ap.add_argument("--speakers", type=int, default=8)
    ap.add_argument("--poll-interval", type=float, default=1.0, help="seconds between one client's polls")
    ap.add_argument("--set", action="append", default=[], metavar="VIDEOTWIN_X=VALUE",
                    help="a setting for the measured server (repeatable), e.g. VIDEOTWIN_MODEL_SERVER_NICENESS=10")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="videotwin-underload-"))
    port = free_port()
    settings = Settings(data_dir=root / "data", port=port, model_server_url=None, min_training_seconds=5,
                        max_video_audio_seconds=VIDEO_AUDIO_SECONDS + 10)
    token, anchor_id, audio_url = prepare(root, settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEOTWIN_")}
    env.update(VIDEOTWIN_DATA_DIR=str(settings.data_dir), VIDEOTWIN_PORT=str(port), PYTHONPATH=str(REPO),
               VIDEOTWIN_MIN_TRAINING_SECONDS="5", VIDEOTWIN_MAX_VIDEO_AUDIO_SECONDS=str(VIDEO_AUDIO_SECONDS + 10),
               VIDEOTWIN_LOG_LEVEL="info")
    env.update(dict(item.split("=", 1) for item in args.set))
    log = root / "serve.log"
    server = start(["serve"], env, log)
    try:
        wait_until(lambda: answers_health(port), 60, "the server to answer")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, answer, _ = _request(conn, "POST", "/api/v1/video/generate", token,
                                  {"anchor_id": anchor_id, "anchor_type": 1, "audioSrc": audio_url, "resolution": 720})
        assert status == 200, answer
        video_id = answer["data"]["_id"]
        # The clients start at once: the model server is as cold as the first call on a fresh server.
        queue: mp.Queue = mp.Queue()
        poll = [("status", "/api/v1/video/awsResult", {"_id": video_id})]
        speak = []
        for sentence in SENTENCES:
            speak += [("send_tts", "/api/v1/video/send_tts", {"msg": sentence, "tts_id": "en-US-joe"}),
                      ("lang_classify", "/api/v1/video/lang_classify", {"msg": LANGUAGE_TEXT})]
        per_process = args.pollers // POLLER_PROCESSES
        procs = [mp.Process(target=client_process, args=(port, args.seconds, token, per_process, poll,
                                                          args.poll_interval, queue, k * per_process, args.pollers))
                 for k in range(POLLER_PROCESSES)]
        procs.append(mp.Process(target=client_process, args=(port, args.seconds, token, args.speakers, speak, 0.0,
                                                             queue)))
        started = time.time()
        for p in procs:
            p.start()
        progress, results = [], []
        # Read the results as they come: a client process cannot end before its results are read.
        while len(results) < len(procs):
            try:
                results.append(queue.get(timeout=PROGRESS_EVERY_SECONDS))
            except Empty:
                _s, record, _ = _request(conn, "POST", "/api/v1/video/awsResult", token, {"_id": video_id})
                video = record["data"][0]
                progress.append((round(time.time() - started, 1), video["status"], video["process"]))
        for p in procs:
            p.join()
        conn.close()
    finally:
        stop(server)
    calls = [c for out, _e, _d in results for c in out]
    errors = [e for _o, errs, _d in results for e in errs]
    drops = [d for _o, _e, ds in results for d in ds]
    by_name = {name: sorted(((t, s) for n, t, s, _ in calls if n == name)) for name in ("status", "send_tts",
                                                                                        "lang_classify")}
    server_status = [srv for n, _t, _s, srv in calls if n == "status"]
    first_tts = [s for _t, s in by_name["send_tts"][:args.speakers]]
    restarts = log.read_text().count("died")
    rendering = [p for p in progress if p[1] in ("start", "process")]
    result = {
        "setup": {"api_processes": settings.api_processes, "pollers": args.pollers,
                  "poll_interval_s": args.poll_interval, "speakers": args.speakers, "seconds": args.seconds,
                  "cores": os.cpu_count(), "settings": args.set,
                  "video": f"{AVATAR_CLIP.name} avatar at 720p saying {VIDEO_AUDIO_SECONDS} s"},
        "errors": len(errors), "dropped_connections": len(drops), "api_process_restarts": restarts,
        "status_polls": percentiles([s for _t, s in by_name["status"]]),
        # The API's own time per poll (its Server-Timing header): what the clients saw, less their own
        # waiting for the CPU they share with the server on this machine.
        "status_polls_server_side": percentiles(server_status),
        # When the slowest 1 % happened, seconds after the clients started (a start-up transient or not).
        "slowest_polls_at_s": sorted(round(at - started, 1) for at, s in sorted(
            by_name["status"], key=lambda p: -p[1])[:max(1, len(by_name["status"]) // 100)]),
        "send_tts": {**percentiles([s for _t, s in by_name["send_tts"]]),
                     "first_calls_cold_s": [round(s, 2) for s in first_tts]},
        "lang_classify": percentiles([s for _t, s in by_name["lang_classify"]]),
        "render_progress": progress[-1] if progress else None,
        "rendering_throughout": len(rendering) == len(progress),
        "examples": {"errors": errors[:5], "drops": drops[:5]},
    }
    ok = not errors and not drops and not restarts and result["status_polls"].get("p99_ms", 1e9) < 100
    result["targets_met"] = ok
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
