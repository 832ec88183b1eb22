"""The one place that builds onnxruntime sessions."""

from __future__ import annotations

import os
from pathlib import Path

import onnxruntime as ort


def cpu_threads() -> int:
    return max(1, os.cpu_count() or 1)


def make_session(path: Path | str, threads: int | None = None) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or cpu_threads()
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
