"""A CPU-heavy job kind for the load benchmark (loaded by the worker through VIDEOTWIN_PLUGINS)."""

from __future__ import annotations

import time

from videotwin.pipelines import JobContext, JobInputs, JobOutputs, Pipeline
from videotwin.pipelines.registry import Pipelines

CHECK_EVERY_ITERATIONS = 20_000


class Burn(JobInputs):
    seconds: float = 60.0


class Burnt(JobOutputs):
    x: int


def burn(ctx: JobContext, inputs: Burn) -> Burnt:
    """Pure-Python arithmetic for `seconds`: the worst case for an API sharing an interpreter."""
    start = time.monotonic()
    x = 0
    while (elapsed := time.monotonic() - start) < inputs.seconds:
        for i in range(CHECK_EVERY_ITERATIONS):
            x = (x * 31 + i) % 1_000_003
        ctx.progress(elapsed / inputs.seconds)
    return Burnt(x=x)


BURN = Pipeline("bench.burn", Burn, Burnt, burn)


def register_pipelines(pipelines: Pipelines) -> None:
    pipelines.add(BURN)
