"""The job kinds videotwin ships. Each capability adds its pipeline module here."""

from __future__ import annotations

from videotwin.pipelines.base import Registry


def register_builtin(registry: Registry) -> None:
    """No built-in kinds yet: the capabilities (speech, avatars, videos...) register here."""
    del registry
