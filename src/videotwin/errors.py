"""Errors a user can cause, raised by any layer (storage's fetch rules, the domain, pipelines' checks).
The API maps each to an HTTP status and an A2E error code. And keeping what only the server should
see (its folders) out of what users read. Imports nothing of videotwin's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

# A value a user sent is quoted in a message up to this many characters.
MAX_ECHO_CHARS = 80
# What stands for a server folder in a message a user reads.
PATH_WORD = "a file"
# An absolute path of two parts or more (/srv/data/tmp/x), not the path of a URL (the character
# before it is not part of a word, a host or a scheme) nor a media type (audio/*).
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.%*-])/(?:[\w.+~-]+/)+[\w.+~-]*")


def echo(value: object) -> str:
    """A value a user sent, as a message quotes it: JSON's spelling for true, false and null, repr for
    the rest, cut at MAX_ECHO_CHARS."""
    text = json.dumps(value) if isinstance(value, bool) or value is None else repr(value)
    return text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS] + "..."


class DomainError(Exception):
    """Base of all errors a user can cause; `message` is written for that user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(DomainError):
    """A field's value is wrong; the message names the field, the value and what was expected."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InputFetchError(BadInput):
    """An input URL could not be fetched under the fetch rules."""


class Unauthorized(DomainError):
    pass


class Forbidden(DomainError):
    pass


class NotFound(DomainError):
    """Also raised for another user's record, so its existence does not leak."""


class InsufficientCredits(DomainError):
    pass


class InvalidState(DomainError):
    """The record exists but is in a state that does not allow this operation."""


class Conflict(DomainError):
    pass


class Unavailable(DomainError):
    """A service the request needs (the model server) is down or too busy; trying again later may work."""


def scrub_paths(message: str, folders: Iterable[Path | str] = ()) -> str:
    """`message` without server paths: anything under one of `folders` (the data dir, a job's
    workdir; as given, which may be relative, and resolved), then any other absolute path, becomes
    PATH_WORD. URLs and media types are left as they are."""
    names: set[str] = set()
    for folder in folders:
        names |= {str(Path(folder)), str(Path(folder).resolve())}
    for name in sorted((n for n in names if n not in (".", "/")), key=len, reverse=True):
        # A relative name counts only as the start of a path ("data/tmp/x", not the word "data").
        rest = r"(?:/[^\s:;,)'\"]*)?" if name.startswith("/") else r"/[^\s:;,)'\"]*"
        message = re.sub(r"(?<![\w./-])" + re.escape(name) + rest, PATH_WORD, message)
    return _ABSOLUTE_PATH.sub(PATH_WORD, message)
