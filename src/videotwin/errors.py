"""Errors a user can cause, raised by any layer (storage's fetch rules, the domain, pipelines' checks).
The API maps each to an HTTP status and an A2E error code. Imports nothing of videotwin's."""

from __future__ import annotations


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
