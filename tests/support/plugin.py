"""Job kinds that exist only in tests, loaded by workers through VIDEOTWIN_PLUGINS."""

from __future__ import annotations

import os
import time

from videotwin.pipelines import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError
from videotwin.pipelines.registry import Pipelines


class Steps(JobInputs):
    steps: int = 5
    step_seconds: float = 0.1
    log: str | None = None  # a file each attempt appends "<job> <pid> <attempt>" to
    partial: bool = False  # store something before the end, as real pipelines do


class StepsOutputs(JobOutputs):
    files: dict[str, str]
    steps: int


class Burn(JobInputs):
    seconds: float = 1.0


class BurnOutputs(JobOutputs):
    x: int


class Nothing(JobInputs):
    pass


def steps(ctx: JobContext, inputs: Steps) -> StepsOutputs:
    """Works `steps` steps of `step_seconds`, checking for cancel; logs each start to `log`."""
    if inputs.log:
        with open(inputs.log, "a") as f:
            f.write(f"{ctx.job_id} {os.getpid()} {ctx.attempt}\n")
    if inputs.partial:
        partial = ctx.workdir / "partial.txt"
        partial.write_text("half done\n")
        ctx.store(partial, "text/plain")
    for i in range(inputs.steps):
        time.sleep(inputs.step_seconds)
        ctx.progress((i + 1) / inputs.steps)
    out = ctx.workdir / "result.txt"
    out.write_text(f"done by {os.getpid()} in attempt {ctx.attempt}\n")
    return StepsOutputs(files={"result": ctx.store(out, "text/plain")}, steps=inputs.steps)


def fails(ctx: JobContext, inputs: Nothing) -> JobOutputs:
    raise PipelineError("the input has no face in it; film the person facing the camera", code=42)


def leaks(ctx: JobContext, inputs: Nothing) -> JobOutputs:
    """Fails with server paths in its message, as one built from a tool's output might."""
    raise PipelineError(f"audioSrc: not readable as audio ({ctx.workdir}/audio: Invalid data found when "
                        f"processing input); see {ctx.settings.data_dir.resolve()}/videotwin.db and "
                        "/usr/lib/python3/dist-packages/x.py; http://127.0.0.1:8000/files/users/a.wav stays", code=43)


def crashes(ctx: JobContext, inputs: Nothing) -> JobOutputs:
    raise RuntimeError("a bug")


def burn(ctx: JobContext, inputs: Burn) -> BurnOutputs:
    """CPU-heavy: pure-Python arithmetic (holds its interpreter's lock) for `seconds`."""
    end = time.monotonic() + inputs.seconds
    x = 0
    while time.monotonic() < end:
        for i in range(20000):
            x = (x * 31 + i) % 1000003
        ctx.check()
    return BurnOutputs(x=x)


STEPS = Pipeline("test.steps", Steps, StepsOutputs, steps)
FAILS = Pipeline("test.fails", Nothing, JobOutputs, fails)
CRASHES = Pipeline("test.crashes", Nothing, JobOutputs, crashes)
LEAKS = Pipeline("test.leaks", Nothing, JobOutputs, leaks)
BURN = Pipeline("test.burn", Burn, BurnOutputs, burn)


def register_pipelines(pipelines: Pipelines) -> None:
    for pipeline in (STEPS, FAILS, CRASHES, LEAKS, BURN):
        pipelines.add(pipeline)
