"""The one exception for bad input, in the lowest layer so that every module can raise it."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """Bad scenario input; the message is one line naming the file, the key and what is allowed."""
