"""Running a pipeline in this process, on local files, the way a worker would (for benchmarks)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from videotwin.config import Settings
from videotwin.inference.registry import ModelRegistry
from videotwin.models import build_models
from videotwin.pipelines.base import JobContext
from videotwin.storage.blobs import LocalBlobStore
from videotwin.storage.fetch import Fetched


def local_fetch(content_type: str) -> Callable:
    """A fetch that copies a local path (given as the URL) and says it has this Content-Type."""
    def fetch(url, dest, field, accept):
        shutil.copyfile(url, dest)
        return Fetched(url, content_type, content_type.split("/")[0], dest.stat().st_size)

    return fetch


def context(root: Path, kind: str, workdir: Path, settings: Settings, fetch: Callable,
            models: ModelRegistry | None = None, progress: Callable[[float], None] = lambda _f: None,
            job_id: str = "bench") -> JobContext:
    """A job context whose blobs live under root/blobs (read them back with blob_path)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return JobContext(job_id=job_id, kind=kind, owner_id="bench", attempt=1, blobs=LocalBlobStore(root / "blobs"),
                      models=models or build_models(settings), workdir=workdir, settings=settings, fetch=fetch,
                      report_progress=progress)


def blob_path(root: Path, key: str) -> Path:
    """Where the local store under root/blobs keeps a key (benchmarks only: pipelines never ask)."""
    return root / "blobs" / key
