"""The one place that builds onnxruntime sessions, on the registry's device. onnxruntime itself is
imported only when a model loads: a process that never loads one (an API process) never maps it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from videotwin.inference.registry import CUDA, ModelEnv

if TYPE_CHECKING:
    import onnxruntime as ort

log = logging.getLogger(__name__)
CUDA_PROVIDER, CPU_PROVIDER = "CUDAExecutionProvider", "CPUExecutionProvider"


def providers(device: str) -> list[str]:
    """CUDA first when asked for and this onnxruntime build has it; the CPU always as the fallback."""
    import onnxruntime as ort

    if device == CUDA:
        if CUDA_PROVIDER in ort.get_available_providers():
            return [CUDA_PROVIDER, CPU_PROVIDER]
        log.warning("model device cuda was asked for, but this onnxruntime has no CUDA provider; using the CPU")
    return [CPU_PROVIDER]


def make_session(path: Path | str, env: ModelEnv, threads: int | None = None) -> ort.InferenceSession:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or env.threads
    opts.inter_op_num_threads = 1
    # Idle worker threads sleep instead of spinning: on a shared machine a spinning thread takes CPU
    # from the API and the renders for nothing.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), sess_options=opts, providers=providers(env.device))
