"""Job kinds that exist only in tests, loaded by workers through VIDEOTWIN_PLUGINS."""

from __future__ import annotations

import os
import time

from videotwin.pipelines import JobContext, PipelineError, Registry


def steps(ctx: JobContext) -> dict:
    """Works `steps` steps of `step_seconds`, checking for cancel; logs each start to `log`."""
    n = int(ctx.inputs.get("steps", 5))
    step = float(ctx.inputs.get("step_seconds", 0.1))
    log = ctx.inputs.get("log")
    if log:
        with open(log, "a") as f:
            f.write(f"{ctx.job_id} {os.getpid()} {ctx.attempt}\n")
    if ctx.inputs.get("partial"):  # something stored before the end, as real pipelines do
        partial = ctx.workdir / "partial.txt"
        partial.write_text("half done\n")
        ctx.blobs.put_file(ctx.output_key("partial.txt"), partial, "text/plain")
    for i in range(n):
        time.sleep(step)
        ctx.progress((i + 1) / n)
    out = ctx.workdir / "result.txt"
    out.write_text(f"done by {os.getpid()} in attempt {ctx.attempt}\n")
    key = ctx.output_key("result.txt")
    ctx.blobs.put_file(key, out, "text/plain")
    return {"files": {"result": key}, "steps": n}


def fails(ctx: JobContext) -> dict:
    raise PipelineError("the input has no face in it; film the person facing the camera", code=42)


def crashes(ctx: JobContext) -> dict:
    raise RuntimeError("a bug")


def burn(ctx: JobContext) -> dict:
    """CPU-heavy: pure-Python arithmetic (holds its interpreter's lock) for `seconds`."""
    end = time.monotonic() + float(ctx.inputs.get("seconds", 1.0))
    x = 0
    while time.monotonic() < end:
        for i in range(20000):
            x = (x * 31 + i) % 1000003
        ctx.check()
    return {"x": x}


def register(registry: Registry) -> None:
    registry.add("test.steps", steps)
    registry.add("test.fails", fails)
    registry.add("test.crashes", crashes)
    registry.add("test.burn", burn)
