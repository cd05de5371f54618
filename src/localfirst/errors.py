"""Errors a user can act on.

Every failure that reaches the user is a `UserError`: one line saying what went wrong and
what to do about it. The CLI prints it without a traceback; the TUI shows it as a notice.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure with an actionable message; `hint` says how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(UserError):
    """The config file is unreadable or holds an unknown key or a bad value."""


class ModelError(UserError):
    """A model file is missing, truncated, not a GGUF, or cannot be loaded."""


class NoModelError(ModelError):
    """No local model is installed or configured."""


class CloudError(UserError):
    """A cloud provider refused or failed a request."""
