"""Every entity type the gate can report, for checking names a user writes in config.toml.

Read from the same data files and detect-secrets plugins the detectors use, so a new format
in a data file is a valid name at once. Loaded only when a config names types.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

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
    from localfirst.privacy.credentials import detect_secrets_types

    return (
        RECOGNIZER_TYPES
        | CREDENTIAL_TYPES
        | {entry["type"] for entry in formats["format"]}
        | {entry["type"] for entry in identifiers["named"] + identifiers["format"]}
        | detect_secrets_types()
    )
