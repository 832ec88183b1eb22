"""What a pipeline is, and what it sees of the job system.

A pipeline is one job kind: its typed Inputs (built and checked by the domain when the job is
accepted, stored as JSON in the job row, validated again here before the run), its typed Outputs
(stored in the job row; presenters read them), and run(ctx, inputs) -> outputs, read top to bottom.
The JobContext gives it models, storage, input fetching, progress and cancellation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from videotwin.storage.blobs import BlobMissing, BlobStore
from videotwin.storage.keys import job_prefix

if TYPE_CHECKING:
    from videotwin.config import Settings
    from videotwin.inference.registry import ModelRegistry


class JobInputs(BaseModel):
    """A job kind's inputs. Unknown keys are ignored, so jobs queued by an older version still run."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class JobOutputs(BaseModel):
    """A job kind's outputs. By convention `files` holds the blob keys it stored, by name."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class AnyOutputs(JobOutputs):
    """Any job kind's outputs, read without knowing the kind (the generic task record): the blob keys
    it stored by name, and the rest as it is (model_extra)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    files: dict[str, str | None] = {}


class JobCancelled(Exception):
    """Raised by ctx.check() when the user cancelled or this worker lost the job's lease."""


class PipelineError(Exception):
    """A failure the user should read: the message says what went wrong and what to do."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class JobContext:
    job_id: str
    kind: str
    owner_id: str
    attempt: int
    blobs: BlobStore
    models: ModelRegistry
    workdir: Path
    settings: Settings
    # Set by the worker's heartbeat thread.
    cancel_flag: Callable[[], bool] = field(default=lambda: False)
    report_progress: Callable[[float], None] = field(default=lambda _f: None)
    # fetch(url, dest, field, accept) -> Fetched: input URLs under the fetch rules; links we signed
    # are read from the store (see storage.inputs.fetch_input).
    fetch: Callable[..., Any] | None = None

    def check(self) -> None:
        """Call between frame batches and training steps: raises JobCancelled if we must stop."""
        if self.cancel_flag():
            raise JobCancelled()

    def progress(self, fraction: float) -> None:
        """Report progress 0..1 (written to the job about once a second) and check for cancel."""
        self.report_progress(min(max(float(fraction), 0.0), 1.0))
        self.check()

    def span(self, start: float, end: float) -> Callable[[float], None]:
        """Progress for one step: its 0..1 mapped onto start..end of the job."""
        return lambda f: self.progress(start + (end - start) * f)

    def step(self, start: float, end: float) -> JobContext:
        """This context for one step that reports its own 0..1 (another pipeline run as a step): its
        progress lands on start..end of the job."""
        return replace(self, report_progress=lambda f: self.report_progress(start + (end - start) * f))

    def output_key(self, name: str) -> str:
        """Outputs are per attempt, so a re-run after a crash never mixes with a dead attempt's files."""
        return job_prefix(self.owner_id, self.job_id, self.attempt) + name

    def store(self, path: Path, content_type: str, name: str | None = None) -> str:
        """Keep a file as one of this job's outputs (named as the file, unless `name` is given); its key."""
        key = self.output_key(name or path.name)
        self.blobs.put_file(key, path, content_type)
        return key

    def download(self, key: str | None, missing: str, code: int) -> Path:
        """A stored file (an avatar's pack, a background) copied into the workdir, named as in its key;
        fails the job with `missing` when it is gone (removed while the job waited)."""
        if not key:
            raise PipelineError(missing, code)
        dest = self.workdir / "inputs" / key.rsplit("/", 1)[-1]
        try:
            self.blobs.download_to(key, dest)
        except BlobMissing:
            raise PipelineError(missing, code) from None
        return dest

    def cached(self, key: str) -> Path:
        """A stored file kept in this worker's model cache, downloaded once: for files that never
        change under their key (outputs are per attempt) and are used again and again (a personalised
        lip-sync model)."""
        dest = self.settings.models_dir / "blobs" / key
        if not dest.exists():
            tmp = dest.with_name(f".{dest.name}.{self.job_id}")
            self.blobs.download_to(key, tmp)
            tmp.replace(dest)
        return dest


InputsT = TypeVar("InputsT", bound=JobInputs)
OutputsT = TypeVar("OutputsT", bound=JobOutputs)


@dataclass(frozen=True)
class Pipeline(Generic[InputsT, OutputsT]):
    kind: str
    inputs: type[InputsT]
    outputs: type[OutputsT]
    run: Callable[[JobContext, InputsT], OutputsT]


class ProgressThrottle:
    """Keeps the latest progress and lets it through at most once per interval."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self.latest: float | None = None
        self._last_sent = 0.0

    def offer(self, fraction: float) -> float | None:
        self.latest = fraction
        now = time.monotonic()
        if now - self._last_sent >= self.interval:
            self._last_sent = now
            return fraction
        return None

