"""Job kind -> pipeline: the kinds a worker runs (every task family's, families/index.py), then each
plugin's (which may replace one).

A plugin named in VIDEOTWIN_PLUGINS may define register_pipelines(pipelines) to add job kinds."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from videotwin.pipelines.base import Pipeline

# Plugin modules may define this function to add or replace job kinds.
PLUGIN_HOOK = "register_pipelines"


class Pipelines:
    """Built once per worker."""

    def __init__(self) -> None:
        self._by_kind: dict[str, Pipeline] = {}

    def add(self, pipeline: Pipeline) -> None:
        self._by_kind[pipeline.kind] = pipeline

    def get(self, kind: str) -> Pipeline | None:
        return self._by_kind.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)


def build_pipelines(shipped: Iterable[Pipeline], plugins: list[str]) -> Pipelines:
    pipelines = Pipelines()
    for pipeline in shipped:
        pipelines.add(pipeline)
    for module_name in plugins:
        hook = getattr(importlib.import_module(module_name), PLUGIN_HOOK, None)
        if hook is not None:
            hook(pipelines)
    return pipelines
