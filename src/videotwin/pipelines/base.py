"""What a pipeline sees of the job system: its inputs, a place for outputs, progress and cancel."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videotwin.storage.blobs import BlobStore
from videotwin.storage.keys import user_prefix


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
    inputs: dict[str, Any]
    blobs: BlobStore
    workdir: Path
    settings: Any
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

    def output_key(self, name: str) -> str:
        """Outputs are per attempt, so a re-run after a crash never mixes with a dead attempt's files."""
        return f"{user_prefix(self.owner_id)}jobs/{self.job_id}/a{self.attempt}/{name}"


PipelineFn = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class PipelineSpec:
    kind: str
    run: PipelineFn


class Registry:
    """Job kind -> pipeline. Built once per worker from the built-in kinds and settings.plugins."""

    def __init__(self) -> None:
        self._specs: dict[str, PipelineSpec] = {}

    def add(self, kind: str, run: PipelineFn) -> None:
        self._specs[kind] = PipelineSpec(kind, run)

    def get(self, kind: str) -> PipelineSpec | None:
        return self._specs.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._specs)


def build_registry(plugins: list[str]) -> Registry:
    """The built-in kinds, then each plugin's (a plugin may replace a built-in kind)."""
    from videotwin.pipelines.builtin import register_builtin

    registry = Registry()
    register_builtin(registry)
    for module_name in plugins:
        module = importlib.import_module(module_name)
        module.register(registry)
    return registry


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
