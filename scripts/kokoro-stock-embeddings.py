"""Recompute src/videotwin/assets/kokoro/stock-embeddings.npz: each Kokoro voice's speaker embedding
reading speech/clone.EVAL_TEXT in its own language. Run after changing EVAL_TEXT, the voices or the
embedder (a few minutes on 2 cores):

    .venv/bin/python scripts/kokoro-stock-embeddings.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from videotwin.config import Settings
from videotwin.models import build_models
from videotwin.speech import clone


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vt-stock-") as tmp:
        models = build_models(Settings(data_dir=Path(tmp)))
        table = clone.compute_stock_embeddings(models)
        models.close()
    np.savez(clone.STOCK_EMBEDDINGS, **table)
    print(f"{len(table)} voices -> {clone.STOCK_EMBEDDINGS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
