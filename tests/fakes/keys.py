"""Fake API keys, built at run time so the repository holds nothing shaped like a real key."""

from __future__ import annotations

import secrets

_PREFIXES = {"anthropic": "sk-" + "ant-" + "api03-", "openai": "sk-" + "proj-"}


def fake_api_key(provider: str) -> str:
    """A key of the provider's shape, random per call, so a leak test can search for it."""
    return _PREFIXES[provider] + "test" + secrets.token_hex(20)
