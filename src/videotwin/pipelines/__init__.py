"""One file per job kind. A pipeline is a function run(ctx) -> outputs, read top to bottom."""

from videotwin.pipelines.base import JobCancelled, JobContext, PipelineError, PipelineSpec, Registry

__all__ = ["JobCancelled", "JobContext", "PipelineError", "PipelineSpec", "Registry"]
