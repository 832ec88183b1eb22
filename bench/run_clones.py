"""Run only the cloning part of the speech benchmark and merge it into bench/results/speech.json.

    .venv/bin/python bench/run_clones.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.clones import cloning  # noqa: E402
from videotwin.config import Settings  # noqa: E402
from videotwin.models import build_models  # noqa: E402

RESULTS = REPO / "bench" / "results" / "speech.json"


def _merge(cloning_result: dict) -> None:
    current = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    current["cloning"] = cloning_result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(current, indent=2, ensure_ascii=False))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="videotwin-clones-"))
    settings = Settings(data_dir=tmp / "data")
    result = cloning(settings, build_models(settings), tmp, save=lambda rows: _merge({"rows": rows, "partial": True}))
    _merge(result)
    print(json.dumps(result["summary"], indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
