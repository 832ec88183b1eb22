"""One file per job kind: its typed Inputs and Outputs and run(ctx, inputs), built from shared steps."""

from videotwin.pipelines.base import JobCancelled, JobContext, JobInputs, JobOutputs, Pipeline, PipelineError

__all__ = ["JobCancelled", "JobContext", "JobInputs", "JobOutputs", "Pipeline", "PipelineError"]
