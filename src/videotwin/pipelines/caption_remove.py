"""caption.remove: a video with its burned-in captions and overlay text taken out, the background
restored (A2E's userCaptionRemoval/start).

(skeleton: the interface the family is built on; run() is being written)"""

from __future__ import annotations

from pydantic import BaseModel

from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError

KIND = "caption.remove"
ERR_SOURCE = 50


class Inputs(JobInputs):
    source_url: str


class Files(BaseModel):
    result: str


class Outputs(JobOutputs):
    files: Files
    text_found: bool  # False: no burned-in text was found, and the result is the video unchanged
    text_frames: int = 0  # frames in which text was taken out
    frames: int = 0
    duration: float = 0.0  # seconds
    notes: tuple[str, ...] = ()  # what the user should know about the result


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    raise PipelineError("not written yet", ERR_SOURCE)


PIPELINE = Pipeline(KIND, Inputs, Outputs, run)
