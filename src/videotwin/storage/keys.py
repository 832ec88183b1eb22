"""Blob keys: slash-separated names that can never escape the store's root."""

from __future__ import annotations

import re

MAX_KEY_CHARS = 512
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$")


def is_valid_key(key: str) -> bool:
    if not key or len(key) > MAX_KEY_CHARS:
        return False
    return all(_SEGMENT.match(seg) for seg in key.split("/"))


def user_prefix(user_id: str) -> str:
    """Every file a user owns lives under this prefix."""
    return f"users/{user_id}/"


def job_prefix(user_id: str, job_id: str, attempt: int | None = None) -> str:
    """What a job stored, or one attempt of it (outputs are per attempt: a re-run never mixes with a
    dead attempt's files)."""
    return f"{user_prefix(user_id)}jobs/{job_id}/" + (f"a{attempt}/" if attempt is not None else "")
