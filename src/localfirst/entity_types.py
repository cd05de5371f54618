"""Every entity type the gate can report, for checking names a user writes in config.toml.

Read from the same data files and detect-secrets plugins the detectors use, so a new format
in a data file is a valid name at once. Loaded only when a config names types. It sits below both the config and the gate, so the
config's validator and the credential detector read one list of detect-secrets plugins.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

# Presidio's recognizers and the gate's own (recognizers.py, person_names.py, gate.py)
RECOGNIZER_TYPES = frozenset(
    {
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "CREDIT_CARD", "IBAN_CODE",
        "US_BANK_NUMBER", "IP_ADDRESS", "US_SSN", "US_ITIN", "US_PASSPORT", "US_DRIVER_LICENSE",
        "UK_NHS", "UK_NINO", "MEDICAL_LICENSE", "HEALTH_INFO", "DENY_TERM", "LOCATION",
        "ORGANIZATION", "DATE_TIME", "NRP", "FACILITY", "PUBLIC_FIGURE", "PLACEHOLDER_NAME",
    }
)  # fmt: skip
# credentials.py's context rules
CREDENTIAL_TYPES = frozenset(
    {
        "PASSWORD", "SECRET", "API_KEY", "USERNAME", "AUTH_HEADER_TOKEN", "CLOUD_RESOURCE_ID",
        "CONNECTION_STRING", "WALLET_RECOVERY_PHRASE", "PASSWORD_HASH", "PRIVATE_KEY", "JWT",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def known_entity_types() -> frozenset[str]:
    package = resources.files("localfirst.privacy")
    formats = tomllib.loads(package.joinpath("data/secret_formats.toml").read_text("utf-8"))
    identifiers = tomllib.loads(package.joinpath("data/identifiers.toml").read_text("utf-8"))
    return (
        RECOGNIZER_TYPES
        | CREDENTIAL_TYPES
        | {entry["type"] for entry in formats["format"]}
        | {entry["type"] for entry in identifiers["named"] + identifiers["format"]}
        | {kind for kind, _plugin in detect_secrets_plugins()}
    )


# detect-secrets plugins whose regexes the gate reuses; IP addresses are personal data, handled
# by the recognizers instead.
_DETECT_SECRETS_SKIP = {"IPPublicDetector"}


def detect_secrets_plugins() -> Iterator[tuple[str, Any]]:
    """(finding type, plugin class) for each regex plugin detect-secrets maintains."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    for plugin_class in get_mapping_from_secret_type_to_class().values():
        name = plugin_class.__name__
        if issubclass(plugin_class, RegexBasedDetector) and name not in _DETECT_SECRETS_SKIP:
            yield f"{_snake_upper(name.removesuffix('Detector'))}_SECRET", plugin_class


def _snake_upper(camel: str) -> str:
    """'AWSKey' -> 'AWS_KEY', 'SlackToken' -> 'SLACK_TOKEN': acronyms stay whole."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel).upper()
