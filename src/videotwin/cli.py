"""videotwin serve | worker | admin ..."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import signal
import subprocess
import sys
import threading

from videotwin.config import Settings

log = logging.getLogger("videotwin")
# After a child process exits unexpectedly, wait this long before starting a new one.
CHILD_RESTART_DELAY_SECONDS = 2.0
CHILD_STOP_TIMEOUT_SECONDS = 10.0
# The model server keeps no state, and a model being loaded can hold its interpreter for many
# seconds (langid: 17 s on a loaded machine): stopping it waits this long, then kills it.
MODEL_SERVER_STOP_TIMEOUT_SECONDS = 3.0
# uvicorn's supervisor restarts an API process that does not answer its ping within this long. API
# processes run no models, so a ping is answered in milliseconds; the margin is for a machine
# saturated by renders, where killing a slow but healthy process would drop its requests.
API_HEALTHCHECK_SECONDS = 30


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


class _Child:
    """`serve` runs the worker and the model server as child processes: one command, and neither a
    heavy job nor a model can ever hold an API process's interpreter lock. A child is restarted if it
    dies, and stopped with the server."""

    def __init__(self, command: str, stop_timeout: float = CHILD_STOP_TIMEOUT_SECONDS) -> None:
        self.command, self.stop_timeout = command, stop_timeout
        self.proc: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._supervise, name=f"{command}-supervisor", daemon=True)

    def start(self) -> None:
        # The first child is started here, on the main thread: spawned from the supervisor thread
        # while cmd_serve went on to set os.environ for uvicorn, exec failed now and then with
        # EFAULT ("Bad address": the environment changed under the child being started).
        self.proc = self._spawn()
        self.thread.start()

    def _spawn(self) -> subprocess.Popen | None:
        cmd = [sys.executable, "-m", "videotwin", self.command, "--parent-pid", str(os.getpid())]
        try:
            return subprocess.Popen(cmd)
        except OSError:
            log.exception("could not start the %s process; trying again", self.command)
            return None

    def _supervise(self) -> None:
        while not self.stopping.is_set():
            if self.proc is None:
                self.stopping.wait(CHILD_RESTART_DELAY_SECONDS)
                self.proc = self._spawn()
                continue
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            log.error("%s process exited with code %s; starting a new one", self.command, code)
            self.stopping.wait(CHILD_RESTART_DELAY_SECONDS)
            self.proc = self._spawn()

    def ask_to_stop(self) -> None:
        self.stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        proc = self.proc
        if proc is None:
            return
        try:
            proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from videotwin.app import create_app
    from videotwin.bootstrap import ensure_admin, migrate
    from videotwin.runtime import build_runtime

    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    migrate(settings)
    runtime = build_runtime(settings)
    written = ensure_admin(runtime)
    token_path = settings.admin_token_path.resolve()
    if written:
        print(f"videotwin: admin API token written to {token_path} (mode 0600)", flush=True)
    else:
        print(f"videotwin: admin API token file: {token_path}", flush=True)
    children = [] if settings.model_server_url else [_Child("model-server", MODEL_SERVER_STOP_TIMEOUT_SECONDS)]
    if not args.no_worker:
        children.append(_Child("worker"))
    for child in children:
        child.start()
    print(f"videotwin: serving on {settings.resolved_public_url} (docs at /docs)", flush=True)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal; with a Python
    # handler in place that re-raise lands here instead of killing us before the worker is stopped.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    common = dict(host=settings.host, port=settings.port, log_level=args.log_level, access_log=args.access_log,
                  timeout_graceful_shutdown=5, timeout_keep_alive=int(settings.api_keep_alive_seconds),
                  timeout_worker_healthcheck=API_HEALTHCHECK_SECONDS)
    try:
        if settings.api_processes > 1:
            # Each API process builds its own runtime from the environment.
            os.environ["VIDEOTWIN_HOST"], os.environ["VIDEOTWIN_PORT"] = settings.host, str(settings.port)
            uvicorn.run("videotwin.app:create_app_from_env", factory=True, workers=settings.api_processes, **common)
        else:
            uvicorn.run(create_app(runtime), **common)
    finally:
        for child in children:  # all at once: each stop's wait runs alongside the others'
            child.ask_to_stop()
        for child in children:
            child.wait_stopped()
        runtime.close()
    return 0


def cmd_model_server(settings: Settings, args: argparse.Namespace) -> int:
    from videotwin.children import die_with_parent
    from videotwin.modelserver.server import run_model_server

    if args.parent_pid is not None:
        die_with_parent(args.parent_pid)
    run_model_server(settings, log_level=args.log_level)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from videotwin.bootstrap import migrate
    from videotwin.worker.consumer import run_worker

    if args.concurrency:
        settings.worker_concurrency = args.concurrency
    if args.pool:
        from videotwin.config import POOL_PATTERN

        if not re.match(POOL_PATTERN, args.pool):
            print(f"--pool: {args.pool!r} is not a pool name (lower-case letters, digits and -, at most 32)")
            return 2
        settings.worker_pool = args.pool
    migrate(settings)
    run_worker(settings, parent_pid=args.parent_pid)
    return 0


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    from videotwin.bootstrap import migrate
    from videotwin.domain import accounts, credits
    from videotwin.errors import DomainError
    from videotwin.runtime import build_runtime

    migrate(settings)
    if args.action == "migrate":
        print("schema is up to date")
        return 0
    if args.action == "add-system-avatar":
        return _add_system_avatar(settings, args)
    runtime = build_runtime(settings)
    try:
        with runtime.db.write() as session:
            if args.action == "create-user":
                password = args.password or getpass.getpass(f"password for {args.username}: ")
                user = accounts.create_user(session, args.username, password, coins=args.coins,
                                            diamonds=args.diamonds, is_admin=args.admin, note="granted by operator")
                print(f"created user {user.username} ({user.id}): {user.coins} coins, {user.diamonds} diamonds")
            elif args.action == "grant":
                user = accounts.find_user(session, args.username)
                for currency in ("coins", "diamonds"):
                    amount = getattr(args, currency)
                    if amount:
                        credits.grant(session, user.id, currency, amount, note=args.note)
                b = credits.balances(session, user.id)
                print(f"{user.username}: {b.coins} coins, {b.diamonds} diamonds")
            elif args.action == "set-password":
                user = accounts.find_user(session, args.username)
                accounts.set_password(session, user.id, args.password or getpass.getpass("new password: "))
                print(f"password of {user.username} changed")
            elif args.action == "create-token":
                user = accounts.find_user(session, args.username)
                print(accounts.create_api_token(session, user.id, args.alias).plaintext)
            elif args.action == "list-users":
                for u in accounts.list_users(session):
                    role = " (admin)" if u.is_admin else ""
                    print(f"{u.id}  {u.username}{role}  {u.coins} coins  {u.diamonds} diamonds")
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    return 0


# add-system-avatar: how often it looks at a making another worker took, and says it is still going.
SYSTEM_AVATAR_POLL_SECONDS = 1.0
SYSTEM_AVATAR_REPORT_SECONDS = 30.0


def _add_system_avatar(settings: Settings, args: argparse.Namespace) -> int:
    """Make an avatar every user can use (anchor_type 0) from a video file. A system avatar's name is
    its identity: asked again for a name that exists, the command reports that avatar (waiting for it
    if it is still being made) instead of making a second; one that failed is replaced. The making is
    one job: run here, or by a running `serve`'s worker if it took the job first; either way the
    command waits for the job's real outcome."""
    from pathlib import Path

    from sqlalchemy import select

    from videotwin.db.tables import UserRow
    from videotwin.domain import avatars, jobs, tasks
    from videotwin.errors import DomainError
    from videotwin.families import avatars as avatar_family
    from videotwin.families.index import worker_pipelines
    from videotwin.ids import new_id
    from videotwin.runtime import build_runtime
    from videotwin.storage.inputs import extension_for
    from videotwin.storage.keys import user_prefix
    from videotwin.worker.worker import Worker

    path = Path(args.video)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    runtime = build_runtime(settings, models=True)
    try:
        with runtime.db.read() as session:
            admin_id = session.scalar(select(UserRow.id).where(UserRow.is_admin.is_(True)).order_by(UserRow.created_at))
            existing = avatars.system_avatar_named(session, args.name)
        if admin_id is None:
            print("error: no administrator yet; run `videotwin serve` once first", file=sys.stderr)
            return 2
        if existing is not None and existing.job.status == jobs.SUCCEEDED:
            print(f"system avatar {args.name!r} exists already: anchor_id {existing.anchor_id} (remove it first "
                  "to make it again)")
            return 0
        if existing is not None and existing.job.status in jobs.FINISHED:  # failed or cancelled: replace it
            tasks.delete(runtime, avatar_family.FAMILY, existing.owner_id, existing.id)
            existing = None
        if existing is None:
            content_type = {".mov": "video/quicktime"}.get(path.suffix.lower(), "video/mp4")
            key = f"{user_prefix(admin_id)}uploads/system-avatars/{new_id()}{extension_for(content_type)}"
            runtime.blobs.put_file(key, path, content_type)
            submission = avatars.submission(runtime, name=args.name, gender=args.gender,
                                            video_url=runtime.url_for(key), image_url=None, system=True)
            existing = tasks.start(runtime, avatar_family.FAMILY, admin_id, submission, charge=False)
        else:
            print(f"system avatar {args.name!r} is being made; waiting for it")
        # Made here and now, so the operator sees the result at once, unless a running worker holds
        # the job: the claim is atomic, so this then finds it taken and waits for that worker.
        job = _wait_for_job(runtime, existing.job.id, Worker(runtime, worker_pipelines(settings.plugins)))
        if job.status != jobs.SUCCEEDED:
            reason = job.error_message or f"the making was {job.status}"
            print(f"error: the avatar could not be made: {reason}", file=sys.stderr)
            return 2
        print(f"system avatar {args.name!r} ready: anchor_id {existing.anchor_id}")
        return 0
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        runtime.close()


def _wait_for_job(runtime, job_id: str, worker):
    """The job once it has ended, whichever worker ran it: run here whenever it is (again) queued, with
    no `serve` needed, including after a worker holding it died (its lease is reaped here too), and
    saying now and then that it is still going."""
    import time

    from videotwin.domain import jobs, leases

    last_report = time.monotonic()
    while True:
        with runtime.db.write() as session:
            leases.reap_expired(session)
            job = jobs.get_any(session, job_id)
        if job.finished:
            return job
        if job.status == jobs.QUEUED:
            worker.execute(job_id)  # returns at once if someone else claimed it first
        elif time.monotonic() - last_report >= SYSTEM_AVATAR_REPORT_SECONDS:
            print(f"still being made by a worker: {round(job.progress * 100)} %", flush=True)
            last_report = time.monotonic()
        time.sleep(SYSTEM_AVATAR_POLL_SECONDS)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="videotwin", description="Self-hosted AI avatar videos (A2E-compatible API).")
    p.add_argument("--log-level", default=os.environ.get("VIDEOTWIN_LOG_LEVEL", "info"))
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API and a worker (settings from VIDEOTWIN_* variables)")
    serve.add_argument("--no-worker", action="store_true", help="run the API only")
    serve.add_argument("--host", help="overrides VIDEOTWIN_HOST")
    serve.add_argument("--port", type=int, help="overrides VIDEOTWIN_PORT")
    serve.add_argument("--access-log", action="store_true", help="log every request")

    worker = sub.add_parser("worker", help="run an extra worker against the same database and queue")
    worker.add_argument("--concurrency", type=int, help="jobs at once (VIDEOTWIN_WORKER_CONCURRENCY)")
    worker.add_argument("--pool", help="the pool to take jobs from (VIDEOTWIN_WORKER_POOL; default: the shared one)")
    worker.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)

    models = sub.add_parser("model-server", help="run a model server (serve starts one itself unless "
                                                 "VIDEOTWIN_MODEL_SERVER_URL names another)")
    models.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)

    admin = sub.add_parser("admin", help="operator tasks").add_subparsers(dest="action", required=True)
    admin.add_parser("migrate", help="bring the database schema up to date")
    cu = admin.add_parser("create-user", help="create a user")
    cu.add_argument("username")
    cu.add_argument("--password", help="prompted for if omitted")
    cu.add_argument("--coins", type=int, default=0)
    cu.add_argument("--diamonds", type=int, default=0)
    cu.add_argument("--admin", action="store_true")
    gr = admin.add_parser("grant", help="add coins or diamonds to a user")
    gr.add_argument("username")
    gr.add_argument("--coins", type=int, default=0)
    gr.add_argument("--diamonds", type=int, default=0)
    gr.add_argument("--note", default="granted by operator")
    sp = admin.add_parser("set-password", help="set a user's password")
    sp.add_argument("username")
    sp.add_argument("--password")
    ct = admin.add_parser("create-token", help="print a new sk_ API token for a user")
    ct.add_argument("username")
    ct.add_argument("--alias", default="cli")
    admin.add_parser("list-users", help="list users and balances")
    sa = admin.add_parser("add-system-avatar", help="make an avatar every user can use, from a video file")
    sa.add_argument("video", help="path of an MP4 or MOV of one person talking to the camera")
    sa.add_argument("--name", required=True)
    sa.add_argument("--gender", choices=["female", "male"], default="female")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.log_level)
    try:
        settings = Settings()
    except Exception as exc:  # noqa: BLE001 - a bad VIDEOTWIN_* variable: say which, then stop
        print(f"videotwin: invalid settings: {exc}", file=sys.stderr)
        return 2
    handlers = {"serve": cmd_serve, "worker": cmd_worker, "model-server": cmd_model_server, "admin": cmd_admin}
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    raise SystemExit(main())
