"""The services one process needs, built once from the settings and passed down (the domain sees
them as domain.ports.Services)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from videotwin.config import Settings
from videotwin.db import Database
from videotwin.inference.registry import ModelRegistry
from videotwin.modelserver.client import ModelClient
from videotwin.queue.huey_queue import TaskQueue
from videotwin.storage.blobs import BlobStore, LocalBlobStore
from videotwin.storage.fetch import FetchRules
from videotwin.storage.signing import UrlSigner

SECRET_KEY_BYTES = 32


def load_secret(settings: Settings) -> bytes:
    """The HMAC key for signed URLs: from the settings, else a file in the data dir made once."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret_key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(SECRET_KEY_BYTES))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text().strip()
    if not text:
        raise RuntimeError(f"{path} is empty; delete it to have a new key made")
    return text.encode()


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore
    signer: UrlSigner
    queue: TaskQueue
    inference: ModelClient  # the model server: what a request needs from a model, answered at once
    models: ModelRegistry | None = None  # only in processes that run models themselves (workers)

    @property
    def fetch_rules(self) -> FetchRules:
        s = self.settings
        return FetchRules(tuple(s.fetch_allow_hosts), s.fetch_max_bytes, s.fetch_timeout_seconds,
                          s.fetch_connect_timeout_seconds)

    def url_for(self, key: str) -> str:
        return self.signer.download_url(key, self.settings.signed_url_ttl_seconds)

    def close(self) -> None:
        self.inference.close()
        if self.models is not None:
            self.models.close()
        self.db.dispose()


def build_runtime(settings: Settings, execute: Callable[[str], None] | None = None, models: bool = False) -> Runtime:
    """models=True for a process that runs models (a worker): it gets its own registry. API
    processes never do: their model calls go to the model server."""
    registry = None
    if models:
        from videotwin.models import build_models  # the model catalog, only where models run

        registry = build_models(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Runtime(
        settings=settings,
        db=Database(settings.resolved_database_url),
        blobs=LocalBlobStore(settings.blob_dir),
        signer=UrlSigner(load_secret(settings), settings.resolved_public_url),
        queue=TaskQueue(settings.resolved_queue_url, execute, pool=settings.worker_pool),
        inference=ModelClient(settings.resolved_model_server_url, settings.model_request_timeout_seconds),
        models=registry,
    )
