"""Stage two of the gate: positive evidence that a detected value is not private.

A candidate is dropped (reported, not sensitive) only when its value is documented as an example
or reserved for fiction, or is public by nature; the rule that cleared it is returned so the
finding can say why. The values are data (`data/placeholders.toml`), each list with its source.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class _Data:
    domains: tuple[str, ...]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    public_ips: frozenset[str]
    phones: tuple[re.Pattern[str], ...]
    cards: frozenset[str]
    secrets: frozenset[str]
    addresses: tuple[str, ...]


_NUMERIC_TYPES = frozenset(
    {
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "US_BANK_NUMBER",
        "UK_NHS",
        "NATIONAL_ID",
        "TAX_ID",
        "PASSPORT",
        "DRIVER_LICENSE",
        "ACCOUNT_NUMBER",
        "PHONE_NUMBER",
        "CREDIT_CARD",
    }
)


# The shortest printed form of identifiers whose recognizers have weak, short patterns
# ("Q3" and "v1" are no driver's licence): AAMVA's state formats and ABA numbers.
_SHORTEST = {"US_DRIVER_LICENSE": 5, "US_PASSPORT": 6, "US_BANK_NUMBER": 6, "MEDICAL_LICENSE": 5}


def clearance(entity_type: str, value: str, *, credential: bool = False) -> str | None:
    """Why `value`, found as `entity_type`, is not private; None when nothing says so."""
    data = _data()
    value = value.strip()
    if entity_type in _SHORTEST and (
        len(value.replace(" ", "")) < _SHORTEST[entity_type] or sum(c.isdigit() for c in value) < 4
    ):
        return "too short: no such identifier has fewer than 4 digits"
    if entity_type in _NUMERIC_TYPES:
        digits = "".join(c for c in value if c.isdigit())
        if len(digits) >= 4 and len(set(digits)) == 1:
            return "placeholder: one repeated digit"
        if len(digits) >= 6 and (digits in "01234567890123456789" or digits in "9876543210"):
            return "placeholder: a plain run of digits"
        if entity_type == "CREDIT_CARD" and digits in data.cards:
            return "placeholder: a documented test card number"
        if entity_type == "PHONE_NUMBER" and any(p.match(digits) for p in data.phones):
            return "placeholder: a number reserved for fiction and documentation"
    if entity_type == "EMAIL_ADDRESS" and "@" in value:
        local, domain = value.rsplit("@", 1)
        domain = domain.strip(".>").lower()
        if _reserved_domain(domain, data.domains):
            return "placeholder: a domain reserved for examples (RFC 2606)"
        if len(local.strip("<\"' ")) == 1 and len(domain.split(".")[0]) == 1:
            return "placeholder: a one-letter address on a one-letter domain (a@b.co)"
    if entity_type == "IP_ADDRESS":
        return _ip_clearance(value, data)
    if entity_type == "STREET_ADDRESS":
        lowered = " ".join(value.lower().split())
        if any(lowered.startswith(a) or a.startswith(lowered) for a in data.addresses):
            return "public: a landmark's or a fictional address"
    if credential and value in data.secrets:
        return "placeholder: a credential printed in the vendor's documentation"
    return None


def _reserved_domain(domain: str, reserved: tuple[str, ...]) -> bool:
    for entry in reserved:
        if entry.startswith("."):
            if domain.endswith(entry) or domain == entry[1:]:
                return True
        elif domain == entry or domain.endswith("." + entry):
            return True
    return False


def _ip_clearance(value: str, data: _Data) -> str | None:
    candidate = value.strip("[]")
    try:
        address = ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        try:
            address = ipaddress.ip_network(candidate, strict=False).network_address
        except ValueError:
            return None
    if str(address) in data.public_ips:
        return "public: a well-known public service address"
    if any(address in network for network in data.networks if network.version == address.version):
        return "not personal: a documentation, private or reserved address range"
    return None


@lru_cache(maxsize=1)
def _data() -> _Data:
    source = resources.files("localfirst.privacy").joinpath("data/placeholders.toml")
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    return _Data(
        domains=tuple(d.lower() for d in raw["reserved_domains"]),
        networks=tuple(ipaddress.ip_network(n) for n in raw["non_personal_ip_ranges"]),
        public_ips=frozenset(raw["public_service_ips"]),
        phones=tuple(re.compile(p) for p in raw["fictional_phone_digits"]),
        cards=frozenset(raw["test_card_numbers"]),
        secrets=frozenset("".join(parts) for parts in raw["documented_example_secrets"]),
        addresses=tuple(" ".join(a.lower().split()) for a in raw["public_addresses"]),
    )
