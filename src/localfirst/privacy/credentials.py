"""Credential and secret detection: provider token formats, assignments, and high-entropy strings.

Three layers, most specific first, because no single one is enough:

1. Known token formats. detect-secrets' maintained provider regexes (AWS, GitHub, Slack, Stripe,
   private keys, JWTs, ...) plus formats it lacks (Anthropic, Hugging Face, GitLab, DigitalOcean,
   Doppler, Vault, password hashes, webhooks, ...). A token with a vendor prefix is a secret
   wherever it appears.
2. Context: a value assigned to a secret-looking name (`API_KEY = "..."`, `password: ...`,
   `<add key="DbPassword" value="..."/>`), credentials in URLs and connection strings,
   `Authorization:` headers, `-p`/`--password` flags, `.netrc` lines, credential constructors.
3. Shape alone: a long token whose characters look random (Shannon entropy, mixed classes).

Pure regex and arithmetic: no network, no model, a few hundred microseconds per prompt.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SecretMatch:
    type: str
    start: int
    end: int
    score: float


# -- 1. known token formats ---------------------------------------------------------------------

_PROVIDER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ANTHROPIC_API_KEY", r"\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{20,}"),
    ("OPENAI_API_KEY", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
    ("GITHUB_TOKEN", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}"),
    ("GITHUB_TOKEN", r"\bgithub_pat_[A-Za-z0-9_]{40,}"),
    ("GITLAB_TOKEN", r"\b(?:glpat|glptt|glrt|gldt|glft|glsoat)-[A-Za-z0-9_\-]{20,}"),
    ("GITLAB_TOKEN", r"\bGR1348941[A-Za-z0-9_\-]{20,}"),
    ("SLACK_TOKEN", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"),
    ("SLACK_TOKEN", r"\bxapp-\d+-[A-Za-z0-9\-/+]{10,}"),
    (
        "WEBHOOK_SECRET_URL",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]{16,}",
    ),
    (
        "WEBHOOK_SECRET_URL",
        r"https://[A-Za-z0-9.\-]*(?:outlook\.office|webhook\.office)\.com/webhook[b2]?/[^\s'\"<>]{16,}",
    ),
    ("WEBHOOK_SECRET_URL", r"https://discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{20,}"),
    (
        "AWS_ACCESS_KEY",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
    ),
    ("AWS_SECRET_TOKEN", r"\bamzn\.mws\.[0-9a-f\-]{36}\b"),
    ("AWS_SECRET_TOKEN", r"\bda2-[a-z0-9]{26}\b"),
    ("GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("GOOGLE_OAUTH_SECRET", r"\bGOCSPX-[A-Za-z0-9_\-]{20,}"),
    ("GOOGLE_OAUTH_TOKEN", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("STRIPE_API_KEY", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("SENDGRID_API_KEY", r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),
    ("MAILGUN_API_KEY", r"\bkey-[0-9a-f]{32}\b"),
    ("MAILCHIMP_API_KEY", r"\b[0-9a-f]{32}-us\d{1,2}\b"),
    ("TWILIO_API_KEY", r"\b(?:AC|SK)[0-9a-f]{32}\b"),
    ("HUGGINGFACE_TOKEN", r"\bhf_[A-Za-z0-9]{30,}"),
    ("NPM_TOKEN", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PYPI_TOKEN", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}"),
    ("RUBYGEMS_API_KEY", r"\brubygems_[0-9a-f]{48}\b"),
    ("NUGET_API_KEY", r"\boy2[a-z0-9]{43}\b"),
    ("DIGITALOCEAN_TOKEN", r"\bdo[opr]_v1_[0-9a-f]{64}\b"),
    ("DOPPLER_TOKEN", r"\bdp\.(?:ct|pt|st|sa|scim|audit)\.[A-Za-z0-9._\-]{20,}"),
    ("DATABRICKS_TOKEN", r"\bdapi[0-9a-f]{32}(?:-\d+)?\b"),
    ("SHOPIFY_TOKEN", r"\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b"),
    ("ATLASSIAN_API_TOKEN", r"\bATATT3[A-Za-z0-9_\-=]{20,}"),
    ("BITBUCKET_APP_PASSWORD", r"\bATBB[A-Za-z0-9_=.\-]{24,}"),
    ("DOCKER_HUB_TOKEN", r"\bdckr_pat_[A-Za-z0-9_\-]{20,}"),
    ("GRAFANA_TOKEN", r"\bglc_[A-Za-z0-9+/=_\-]{32,}"),
    ("GRAFANA_TOKEN", r"\bglsa_[A-Za-z0-9]{32}_[0-9a-f]{8}\b"),
    ("GROQ_API_KEY", r"\bgsk_[A-Za-z0-9]{40,}"),
    ("TAVILY_API_KEY", r"\btvly-[A-Za-z0-9\-]{20,}"),
    ("VAULT_TOKEN", r"\bhv[sbr]\.[A-Za-z0-9_\-]{24,}"),
    ("VAULT_TOKEN", r"(?<![\w.])[sbr]\.[A-Za-z0-9]{24}\b"),
    ("NEW_RELIC_KEY", r"\bNR(?:AK|II|AA|RA|JS)-[A-Za-z0-9_\-]{20,}"),
    ("NEW_RELIC_KEY", r"\b[0-9a-f]{36}NRAL\b"),
    ("NEW_RELIC_KEY", r"\bpx-(?:api|dep)-[0-9a-f\-]{36}\b"),
    ("POSTMAN_API_KEY", r"\bPMAK-[0-9a-f]{24}-[0-9a-f]{34}\b"),
    ("SONARQUBE_TOKEN", r"\bsq[pua]_[0-9a-f]{40}\b"),
    ("SOURCEGRAPH_TOKEN", r"\bsgp_(?:[0-9a-f]{16}_|local_)?[0-9a-f]{40}\b"),
    ("SEGMENT_API_TOKEN", r"\bsgp_[A-Za-z0-9]{64}\b"),
    ("SQUARE_TOKEN", r"\b(?:sandbox-)?sq0(?:csp|atp|idp|atb)-[A-Za-z0-9_\-]{22,}"),
    ("FACEBOOK_ACCESS_TOKEN", r"\bEAA[A-Za-z0-9]{40,}"),
    ("DROPBOX_TOKEN", r"\bsl\.[A-Za-z0-9_\-]{60,}"),
    ("DYNATRACE_TOKEN", r"\bdt0[a-z]\d{2}\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b"),
    ("STACKHAWK_API_KEY", r"\bhawk\.[A-Za-z0-9_\-]{20}\.[A-Za-z0-9_\-]{20}\b"),
    ("ADAFRUIT_IO_KEY", r"\baio_[A-Za-z0-9]{28}\b"),
    ("ADOBE_CLIENT_SECRET", r"\bp8e-[A-Za-z0-9_\-]{32}\b"),
    ("AGE_SECRET_KEY", r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b"),
    ("TWITCH_STREAM_KEY", r"\blive_\d{6,}_[A-Za-z0-9]{20,}\b"),
    ("DEPENDENCY_TRACK_API_KEY", r"\bodt_[A-Za-z0-9]{32,}\b"),
    ("CRATES_IO_API_KEY", r"\bcio[A-Za-z0-9]{32}\b"),
    ("SALESFORCE_ACCESS_TOKEN", r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9_.]{60,}"),
    ("MAPBOX_TOKEN", r"\b(?:pk|sk|tk)\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]{10,}"),
    ("JWT", r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{5,}"),
    ("PRIVATE_KEY", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("PRIVATE_KEY", r"\bLS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,}"),  # base64 of "-----BEGIN"
    (
        "PASSWORD_HASH",
        r"\$(?:1|2[abxy]?|5|6|7|8|9|y|gy|argon2(?:id|i|d))\$[A-Za-z0-9./$=,+\-]{16,}",
    ),
    ("PASSWORD_HASH", r"\$krb5(?:asrep|tgs)\$\d+\$[^\s'\"]{20,}"),
    ("CONNECTION_STRING", r"\bAccountKey=[A-Za-z0-9+/=]{40,}"),
    ("CONNECTION_STRING", r"\bSharedAccess(?:Key|Signature)=[^\s;'\"]{20,}"),
    # scheme://user:password@host, e.g. database URLs and git remotes with tokens
    (
        "CONNECTION_STRING",
        r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/@'\"<>]{1,64}:[^\s@'\"<>/]{3,}@[A-Za-z0-9.\-\[\]]+",
    ),
    ("CLOUD_RESOURCE_ID", r"\b\d{6,}-[a-z0-9]{32}\.apps\.googleusercontent\.com\b"),
    (
        "CLOUD_RESOURCE_ID",
        r"\b[a-z0-9][a-z0-9.\-]{0,61}\.s3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com\b",
    ),
    ("CLOUD_RESOURCE_ID", r"\bs3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com/[a-z0-9][a-z0-9.\-_]{1,62}"),
    ("CLOUD_RESOURCE_ID", r"\bstorage\.googleapis\.com/[a-z0-9][a-z0-9._\-]{1,62}"),
    ("CLOUD_RESOURCE_ID", r"\bs3://[a-z0-9][a-z0-9.\-]{1,61}"),
    ("CLOUD_RESOURCE_ID", r"\b[a-z0-9][a-z0-9._\-]{0,61}\.storage\.googleapis\.com\b"),
    ("CLOUD_RESOURCE_ID", r"\bgs://[a-z0-9][a-z0-9._\-]{1,61}"),
    ("CLOUD_RESOURCE_ID", r"\b[a-z0-9][a-z0-9\-]{1,60}\.myshopify\.com\b"),
    ("CLOUD_RESOURCE_ID", r"\barn:aws[a-z\-]*:[a-z0-9\-]+:[a-z0-9\-]*:\d{12}:[^\s'\"]+"),
    ("CLOUD_RESOURCE_ID", r"\bage1[0-9a-z]{58}\b"),  # an age recipient names whose key it is
)

# detect-secrets plugins whose regexes we reuse; IP addresses are personal data, handled elsewhere.
_DETECT_SECRETS_SKIP = {"IPPublicDetector"}

# -- 2. context ---------------------------------------------------------------------------------

# Names that say the value is a secret: any non-placeholder value counts.
_STRONG_NAME = (
    r"pass(?:word|wd|phrase|code)?|pwd|secret|token|api[_\-.]?key|apikey|access[_\-.]?key|"
    r"private[_\-.]?key|privatekey|preshared[_\-.]?key|presharedkey|auth|credential|creds|"
    r"session|signature|cookie|salt|unseal|license[_\-.]?key|licensekey|bearer|"
    r"conn(?:ection)?[_\-.]?str(?:ing)?|dsn|(?<![a-z])pat(?![a-z])"
)
# Names that only might: the value must also look like a token (or a login name, for users).
_WEAK_NAME = r"key|client[_\-.]?id|clientid|app[_\-.]?id|account[_\-.]?id|accountid|sid|\w*_id|id"
_USER_NAME = r"user(?:name)?|login|usr|uid"

_KEY_CHARS = r"[A-Za-z0-9_.\-]"
_QUOTED_OR_BARE_VALUE = (
    r"""(?:\\?"(?P<dq>[^"\n]{1,300}?)\\?"|\\?'(?P<sq>[^'\n]{1,300}?)\\?'|`(?P<bq>[^`\n]{1,300})`|"""
    r"""(?P<bare>(?!//)[^\s'"`,;&)(<>\[\]{}|\\]{1,300}))"""
)
# `name = value`, `name: value`, `"name": "value"`, `name => value`, `name == 'value'`; the value
# stays on the same line (a YAML key with a nested block is not a value).
_ASSIGNMENT = re.compile(
    rf"""(?P<key>{_KEY_CHARS}{{1,60}})["']?[ \t]*(?P<sep>:=|=>|===|==|!=|=|:)[ \t]*{_QUOTED_OR_BARE_VALUE}""",
)
# Prose: "the password is hunter2", "my API key is ...".
_PROSE_SECRET = re.compile(
    r"""\b(?P<key>password|passphrase|passcode|pin|secret|api[ _-]?key|token)\s+(?:is|was|=|:)\s*:?\s*"""
    r"""(?:"(?P<dq>[^"\n]{3,100})"|'(?P<sq>[^'\n]{3,100})'|(?P<bare>(?=\S*[\d_!@#$%^&*])[^\s'",.;]{4,100}))""",
    re.IGNORECASE,
)
_XML_KEY_VALUE = re.compile(
    r"""key\s*=\s*"(?P<key>[^"]{1,80})"\s+value\s*=\s*"(?P<dq>[^"]{1,300})\"""", re.IGNORECASE
)
# `password 'secret'` (Gradle, Groovy, YAML-ish DSLs): a strong name then a quoted literal.
_SPACED_ASSIGNMENT = re.compile(
    rf"""\b(?P<key>(?:{_STRONG_NAME}|{_USER_NAME}))\s+(?:"(?P<dq>[^"\n]{{1,200}})"|'(?P<sq>[^'\n]{{1,200}})')""",
    re.IGNORECASE,
)
_ACCOUNT_ID_RE = re.compile(r"account[_\-.]?id", re.IGNORECASE)
_STRONG_NAME_RE = re.compile(rf"(?:{_STRONG_NAME})", re.IGNORECASE)
_WEAK_NAME_RE = re.compile(
    rf"(?:^|[_\-.])(?:{_WEAK_NAME})$|(?:Key|Id|ID|Sid|SID)$|^(?:{_WEAK_NAME})$"
)
_USER_NAME_RE = re.compile(
    rf"(?:^|[_\-.])(?:{_USER_NAME})$|(?:User|Username|Login)$", re.IGNORECASE
)

_AUTH_HEADER = re.compile(
    r"\b(?:Authorization|Proxy-Authorization)\s*[:=]\s*(?:Basic|Bearer|Token|Digest|token|bearer|basic)?\s*[A-Za-z0-9+/=._\-~]{8,}"
)
_BEARER = re.compile(r"\bBearer[:\s]+[A-Za-z0-9+/=._\-~]{8,}")
_HEADER_API_KEY = re.compile(
    r"\b(?:X-Api-Key|X-Auth-Token|Api-Key|X-Access-Token)\s*:\s*[A-Za-z0-9+/=._\-~]{8,}",
    re.IGNORECASE,
)
_NETRC = re.compile(r"\bmachine\s+\S+\s+login\s+\S+\s+password\s+\S+")
_USERPASS_FLAG = re.compile(r"(?:^|\s)-u\s+['\"]?[^\s:'\"]{1,64}:[^\s'\"]{3,}")
_PASSWORD_FLAG = re.compile(
    r"(?:^|\s)(?:--?(?:password|passwd|pass|pwd|token|api-?key|secret|registration-token|auth-token)|-Password|-Credential)"
    r"(?:\s+|=)['\"]?(?P<value>[^\s'\"]{3,})",
    re.IGNORECASE,
)
# `-p VALUE` means a password only next to `-u USER` (docker login, psexec, mysql), not `mkdir -p`.
_SHORT_P_WITH_USER = re.compile(r"(?:^|\s)-u\s+\S+.*?\s-p\s*['\"]?(?P<value>[^\s'\"-][^\s'\"]{2,})")
_JAVA_PROPERTY = re.compile(
    r"-D[\w.]*(?:login|password|token|secret|key)\w*=(?P<value>[^\s'\"]{6,})", re.IGNORECASE
)
_CREDENTIAL_CALL = re.compile(
    r"\b\w*(?:Credential|DirectoryEntry|Authenticat\w*|[Ll]ogin)\w*\s*\([^()\n]*?(?:\"[^\"\n]*\"|'[^'\n]*')\s*,\s*(?:\"[^\"\n]{3,}\"|'[^'\n]{3,}')"
)

_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\{?[\w.]+\}?|<[^>]*>|\{\{.*\}\}|%\w+%|\*+|x{3,}|\.{3,}|
        none|null|nil|undefined|true|false|yes|no|on|off|empty|string|str|int|bool|
        your[_\-\s]?\w*|changeme|todo|tbd|redacted|hidden|secret_here|<redacted>|
        [A-Z][A-Z0-9_]*_HERE
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_CODE_REFERENCE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*\.)+[A-Za-z_][A-Za-z0-9_]*$|^\w+\(.*")


def _looks_like_placeholder(value: str) -> bool:
    value = value.strip()
    return (
        not value
        or bool(_PLACEHOLDER.match(value))
        or bool(_CODE_REFERENCE.match(value))
        or value.startswith(("process.env", "os.environ", "os.getenv", "ENV[", "env("))
    )


def _looks_like_token(value: str, min_length: int = 8) -> bool:
    """A value that is not an ordinary word: long enough, mixed character classes or random."""
    if len(value) < min_length or " " in value:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    return classes >= 2 or shannon_entropy(value) >= 3.0


# -- 3. shape alone -----------------------------------------------------------------------------

_TOKEN_CANDIDATE = re.compile(r"[A-Za-z0-9+/_\-=.]{20,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _is_random_token(token: str) -> bool:
    token = token.strip(".=-_/")
    if len(token) < 20 or _UUID.match(token):
        return False
    parts = [p for p in re.split(r"[./\-_]", token) if p]
    if all(p.isalpha() for p in parts):  # a path, a domain, a snake_case or dotted identifier
        return False
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    if not (has_digit and has_alpha):
        return False
    if _HEX.match(token):
        return len(token) >= 32 and shannon_entropy(token) >= 3.0
    mixed_case = any(c.islower() for c in token) and any(c.isupper() for c in token)
    if mixed_case:
        return len(token) >= 24 and shannon_entropy(token) >= 3.7
    # single-case base32/base36 tokens (Azure DevOps PATs, many API keys) need more length
    return len(token) >= 32 and shannon_entropy(token) >= 4.0


# -- the detector -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _compiled_provider_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    ours = tuple((kind, re.compile(rx)) for kind, rx in _PROVIDER_PATTERNS)
    return ours + _detect_secrets_patterns()


def _detect_secrets_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The provider regexes that detect-secrets maintains, named after its plugins."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins.base import RegexBasedDetector
    except ImportError:  # optional: our own table covers the major providers
        return ()
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for plugin_class in get_mapping_from_secret_type_to_class().values():
        name = plugin_class.__name__
        if not issubclass(plugin_class, RegexBasedDetector) or name in _DETECT_SECRETS_SKIP:
            continue
        kind = _snake_upper(name.removesuffix("Detector"))
        patterns.extend((f"{kind}_SECRET", rx) for rx in plugin_class().denylist)
    return tuple(patterns)


def _snake_upper(camel: str) -> str:
    """'AWSKey' -> 'AWS_KEY', 'SlackToken' -> 'SLACK_TOKEN': acronyms stay whole."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel).upper()


def _value_span(match: re.Match[str]) -> tuple[int, int, str]:
    for group in ("dq", "sq", "bq", "bare", "value"):
        if group in match.re.groupindex and match.group(group) is not None:
            return match.start(group), match.end(group), match.group(group)
    return match.start(), match.end(), match.group(0)


def _judge_assignment(
    key: str, value: str, loose_separator: bool = False
) -> tuple[str, float] | None:
    """The credential type and score for `key = value`, or None if it is not one.

    `loose_separator` marks `Name: word` without quotes, which is also how prose and chat
    transcripts read ("User: hello"), so login names are not taken from it.
    """
    key = key.strip("\"'$@:.-_ ").rsplit(".", 1)[-1]
    if not key or _looks_like_placeholder(value):
        return None
    value = value.strip()
    if _STRONG_NAME_RE.search(key):
        if len(value) < 4:
            return None
        kind = "PASSWORD" if re.search(r"pass|pwd", key, re.IGNORECASE) else "SECRET"
        return kind, 0.8
    if _ACCOUNT_ID_RE.search(key) and re.fullmatch(r"\d{10,14}", value):
        return "CLOUD_RESOURCE_ID", 0.7
    if _USER_NAME_RE.search(key):
        if loose_separator:
            return None
        return ("USERNAME", 0.6) if re.fullmatch(r"[\w.@\-\\]{3,64}", value) else None
    if _WEAK_NAME_RE.search(key) and _looks_like_token(value, min_length=12):
        return "API_KEY", 0.7
    return None


def find_secrets(text: str) -> list[SecretMatch]:
    """Every credential-like span in `text`; overlapping matches are kept (the caller merges)."""
    found: list[SecretMatch] = []
    for kind, pattern in _compiled_provider_patterns():
        found.extend(SecretMatch(kind, m.start(), m.end(), 0.95) for m in pattern.finditer(text))
    found.extend(_context_matches(text))
    found.extend(
        SecretMatch("SECRET", m.start(), m.end(), 0.6)
        for m in _TOKEN_CANDIDATE.finditer(text)
        if _is_random_token(m.group(0))
    )
    return found


def _context_matches(text: str) -> Iterator[SecretMatch]:
    for pattern in (_ASSIGNMENT, _XML_KEY_VALUE, _SPACED_ASSIGNMENT, _PROSE_SECRET):
        for m in pattern.finditer(text):
            start, end, value = _value_span(m)
            loose = "sep" in pattern.groupindex and m.group("sep") == ":" and m.group("bare")
            judged = _judge_assignment(m.group("key"), value, loose_separator=bool(loose))
            if judged:
                yield SecretMatch(judged[0], start, end, judged[1])
    for kind, pattern, score in (
        ("AUTH_HEADER_TOKEN", _AUTH_HEADER, 0.9),
        ("AUTH_HEADER_TOKEN", _BEARER, 0.85),
        ("API_KEY", _HEADER_API_KEY, 0.85),
        ("PASSWORD", _NETRC, 0.9),
        ("PASSWORD", _USERPASS_FLAG, 0.85),
        ("PASSWORD", _CREDENTIAL_CALL, 0.8),
    ):
        yield from (SecretMatch(kind, m.start(), m.end(), score) for m in pattern.finditer(text))
    for pattern in (_PASSWORD_FLAG, _SHORT_P_WITH_USER, _JAVA_PROPERTY):
        for m in pattern.finditer(text):
            start, end, value = _value_span(m)
            if not _looks_like_placeholder(value):
                yield SecretMatch("PASSWORD", start, end, 0.8)
