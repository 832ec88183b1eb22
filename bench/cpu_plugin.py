"""A CPU-heavy job kind for the load benchmark (loaded by the worker through VIDEOTWIN_PLUGINS)."""

from __future__ import annotations

import time

from videotwin.pipelines import JobContext, Registry

CHECK_EVERY_ITERATIONS = 20_000


def burn(ctx: JobContext) -> dict:
    """Pure-Python arithmetic for `seconds`: the worst case for an API sharing an interpreter."""
    seconds = float(ctx.inputs.get("seconds", 60))
    start = time.monotonic()
    x = 0
    while (elapsed := time.monotonic() - start) < seconds:
        for i in range(CHECK_EVERY_ITERATIONS):
            x = (x * 31 + i) % 1_000_003
        ctx.progress(elapsed / seconds)
    return {"x": x}


def register(registry: Registry) -> None:
    registry.add("bench.burn", burn)
