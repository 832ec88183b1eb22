"""The job kinds videotwin ships. Each capability adds its pipeline module here."""

from __future__ import annotations

from videotwin.pipelines.base import Registry


def register_builtin(registry: Registry) -> None:
    from videotwin.pipelines import avatar_create, lipsync_train, video_generate, voice_clone

    registry.add("voice.clone", voice_clone.run)
    registry.add("avatar.create", avatar_create.run)
    registry.add("video.generate", video_generate.run)
    registry.add("lipsync.train", lipsync_train.run)
