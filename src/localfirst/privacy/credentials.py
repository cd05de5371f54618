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
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from localfirst.entity_types import detect_secrets_plugins


@dataclass(frozen=True)
class SecretMatch:
    type: str
    start: int
    end: int
    score: float
    rule: str = ""


# -- 1. known token formats ---------------------------------------------------------------------
# Vendor formats detect-secrets lacks live in data/secret_formats.toml; its plugins run too.

# detect-secrets' regex plugins come from `localfirst.entity_types.detect_secrets_plugins`.

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
_XML_KEY_VALUE = re.compile(
    r"""key\s*=\s*"(?P<key>[^"]{1,80})"\s+value\s*=\s*"(?P<dq>[^"]{1,300})\"""", re.IGNORECASE
)
# `password 'secret'` (Gradle, Groovy, YAML-ish DSLs): a strong name then a quoted literal.
_SPACED_ASSIGNMENT = re.compile(
    rf"""\b(?P<key>(?:{_STRONG_NAME}|{_USER_NAME}))\s+(?:"(?P<dq>[^"\n]{{1,200}})"|'(?P<sq>[^'\n]{{1,200}})')""",
    re.IGNORECASE,
)
_ACCOUNT_ID_RE = re.compile(r"account[_\-.]?id", re.IGNORECASE)
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
    r"(?:^|\s)(?:--?(?:[a-z]+-){0,2}(?:password|passwd|pass|pwd|token|api-?key|secret)|-Password|-Credential)"
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
_LONGEST_BARE_KEY = 160
# A part of a path or a name: a word, a word with a short number (lib64, utf8, v2), a number.
_WORDLIKE = re.compile(r"^(?:[A-Za-z]+\d{0,3}|\d{1,4}|[A-Za-z]\d{1,3}[A-Za-z]*)$")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _is_random_token(token: str) -> bool:
    """A long token that looks random: a key with no name or prefix around it.

    Not: UUIDs; hex digests (git SHAs, checksums: a hex secret comes with a name, which the
    assignment rules read); blobs longer than any key (base64 content, minified code)."""
    token = token.strip(".=-_/")
    if not 20 <= len(token) <= _LONGEST_BARE_KEY or _UUID.match(token) or _HEX.match(token):
        return False
    parts = [p for p in re.split(r"[./\-_=:]", token) if p]
    if all(_WORDLIKE.match(p) for p in parts):
        return False  # a path, a domain, a setting: LD_LIBRARY_PATH=/opt/cuda/lib64
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


# -- more syntaxes: SQL, command-line tools, prose in many languages, recovery phrases ----------

_SQL_IDENTIFIED_BY = re.compile(
    r"""\bIDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+(?:PASSWORD\s+)?(?:'(?P<sq>[^'\n]{3,200})'|"(?P<dq>[^"\n]{3,200})")""",
    re.IGNORECASE,
)
# Tools whose password flag is not --password: sshpass -p, openssl pass:..., smbclient -U u%p,
# ldap* -D dn -w pw, redis-cli -a pw, curl --user u:p, htpasswd -b file user pw, net user u pw.
_TOOL_PASSWORDS = tuple(
    re.compile(rx)
    for rx in (
        r"\bsshpass\s+-p\s*['\"]?(?P<value>[^\s'\"]{3,})",
        r"(?:^|\s)-(?:passin|passout|pass|password)\s+['\"]?pass:(?P<value>[^\s'\"]{3,})",
        r"(?:^|\s)-U\s+['\"]?[^\s%'\"]+%(?P<value>[^\s'\"]{3,})",
        r"(?:^|\s)-D\s+(?:\"[^\"]*\"|'[^']*'|\S+).*?\s-w\s+['\"]?(?P<value>[^\s'\"-][^\s'\"]{2,})",
        r"\bredis-cli\b[^\n]*?\s-a\s+['\"]?(?P<value>[^\s'\"-][^\s'\"]{2,})",
        r"(?:^|\s)--user[= ]['\"]?[^\s:'\"]{1,64}:(?P<value>[^\s'\"]{3,})",
        r"\bhtpasswd\s+(?:-\w+\s+)*-\w*b\w*\s+(?:-\w+\s+)*\S+\s+\S+\s+['\"]?(?P<value>[^\s'\"]{3,})",
        r"\bnet\s+user\s+\S+\s+['\"]?(?P<value>(?![/*])[^\s'\"]{3,})",
    )
)
_RECOVERY_PHRASE_WORDS = 12  # BIP-39 phrases have 12, 15, 18, 21 or 24 words
_LATIN_WORD = re.compile(r"[^\W\d_]+")
_BETWEEN_PHRASE_WORDS = re.compile(r"[\s,;.\-]*(?:\d{1,2}[.):]?\s*)?")


@lru_cache(maxsize=1)
def _words() -> dict:
    source = resources.files("localfirst.privacy").joinpath("data/credential_words.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _name_sets() -> tuple[frozenset[str], frozenset[tuple[str, str]], frozenset[str]]:
    words = _words()
    return (
        frozenset(words["strong_name_parts"]),
        frozenset(tuple(pair) for pair in words["strong_name_pairs"]),
        frozenset(words["not_secret_last_parts"]),
    )


# Parts that say "secret" wherever they stand in a name (password_plain, token_value).
_UNAMBIGUOUS_PARTS = frozenset({"password", "passwd", "passphrase", "secret", "token", "apikey"})


def key_parts(key: str) -> list[str]:
    """'dbPassword' -> ['db', 'password']; 'CLIENT_SECRET' -> ['client', 'secret']."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", key)
    return [p for p in re.split(r"[\s_\-.:/\[\]'\"]+", spaced.lower()) if p]


def is_secret_name(key: str) -> bool:
    """Whether a config key names a secret, read by its parts (so "bypass" is not "pass")."""
    parts = key_parts(key)
    if not parts:
        return False
    strong, pairs, not_secret_last = _name_sets()
    if len(parts) > 1 and parts[-1] in not_secret_last:
        return False
    if parts[-1] in strong or "".join(parts) in strong or "".join(parts[-2:]) in strong:
        return True
    if len(parts) > 1 and (parts[-2], parts[-1]) in pairs:
        return True
    return any(p in _UNAMBIGUOUS_PARTS for p in parts)


@lru_cache(maxsize=1)
def _prose_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(label + separator + value, password label + value with a digit or symbol).

    "the wifi password is Sunflower88", "비밀번호: 1234abcd", "пароль - qwerty12", "pw: x9!k";
    and with no separator, "login bob / pass hunter2!"."""
    labels = sorted(set(_words()["password_labels"]), key=len, reverse=True)
    alternatives = []
    for label in labels:
        escaped = re.escape(label).replace(r"\ ", r"[ \t]+")
        before = r"(?<![^\W\d_])" if label[0].isascii() else ""
        after = r"(?![^\W\d_])" if label[-1].isascii() else ""
        alternatives.append(before + escaped + after)
    label_rx = "(?P<key>" + "|".join(alternatives) + ")"
    target = (
        r"(?:[ \t]+(?:for|of|to|on)[ \t]+(?:the[ \t]+|my[ \t]+|our[ \t]+)?"
        r"(?:[\w.\-]{1,30}[ \t]+)?['\"]?[\w.\-@]{1,40}['\"]?){0,2}"
    )
    separator = (
        r"[ \t]*(?:(?:is|was|are|=|:|：|-|–|would[ \t]+be|is[ \t]+now|set[ \t]+to|changed[ \t]+to|"
        r"est|ist|es|é|è|是|为|為|는|은|は|это)[ \t]*:?[ \t]*)"
    )
    value = (
        r"""(?:"(?P<dq>[^"\n]{3,100})"|'(?P<sq>[^'\n]{3,100})'|`(?P<bq>[^`\n]{3,100})`|"""
        r"""(?P<bare>[^\s'"`<>]{3,100}))"""
    )
    with_separator = re.compile(label_rx + target + separator + value, re.IGNORECASE)
    password_labels = [
        a for a, label in zip(alternatives, labels, strict=True) if _password_ish(label)
    ]
    bare = re.compile(
        "(?P<key>" + "|".join(password_labels) + r")[ \t]+"
        r"(?P<bare>(?=[^\s'\"`]*[\d!@#$%^&*?+=~])[^\s'\"`<>,;]{4,100})",
        re.IGNORECASE,
    )
    return with_separator, bare


def _password_ish(label: str) -> bool:
    return not any(w in label for w in ("token", "secret", "api key", "api token"))


def _prose_value_ok(value: str) -> bool:
    value = value.strip().rstrip(".,;:!?)")
    if len(value) < 3 or _looks_like_placeholder(value):
        return False
    lowered = value.lower()
    if lowered in _not_a_value():
        return False
    # a sentence goes on: "the password is in the vault", "my PIN is the same as ..."
    return not (value.isalpha() and value.islower() and len(value) <= 3)


@lru_cache(maxsize=1)
def _default_accounts() -> frozenset[str]:
    return frozenset(_words()["default_accounts"])


@lru_cache(maxsize=1)
def _not_a_value() -> frozenset[str]:
    return frozenset(_words()["not_a_value"])


@lru_cache(maxsize=1)
def _recovery_words() -> frozenset[str]:
    """BIP-39 word lists of the Latin-script languages, from the mnemonic package."""
    from mnemonic import Mnemonic

    words: set[str] = set()
    for language in ("english", "spanish", "french", "italian", "portuguese", "czech"):
        try:
            words.update(Mnemonic(language).wordlist)
        except Exception:  # a list this version of mnemonic lacks
            continue
    return frozenset(words)


def _recovery_phrases(text: str) -> Iterator[SecretMatch]:
    """Twelve or more BIP-39 words in a row: a wallet's recovery phrase."""
    if len(text) < 12 * 4:
        return
    words = _recovery_words()
    run: list[re.Match[str]] = []

    def flush() -> Iterator[SecretMatch]:
        if len(run) >= _RECOVERY_PHRASE_WORDS:
            yield SecretMatch(
                "WALLET_RECOVERY_PHRASE",
                run[0].start(),
                run[-1].end(),
                0.9,
                f"{len(run)} BIP-39 words in a row",
            )

    for match in _LATIN_WORD.finditer(text):
        word = match.group(0)
        if word.lower() in words and (
            not run or _BETWEEN_PHRASE_WORDS.fullmatch(text, run[-1].end(), match.start())
        ):
            run.append(match)
            continue
        yield from flush()
        run = [match] if word.lower() in words else []
    yield from flush()


# -- the detector -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _compiled_provider_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    source = resources.files("localfirst.privacy").joinpath("data/secret_formats.toml")
    formats = tomllib.loads(source.read_text(encoding="utf-8"))["format"]
    ours = tuple(
        (entry["type"], re.compile(entry["pattern"]), f"{entry['type']} token format")
        for entry in formats
    )
    return ours + _detect_secrets_patterns()


def _detect_secrets_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """The provider regexes that detect-secrets maintains, named after its plugins."""
    return tuple(
        (kind, rx, f"detect-secrets {plugin_class.__name__}")
        for kind, plugin_class in detect_secrets_plugins()
        for rx in plugin_class().denylist
    )


def _value_span(match: re.Match[str]) -> tuple[int, int, str]:
    for group in ("dq", "sq", "bq", "bare", "value"):
        if group in match.re.groupindex and match.group(group) is not None:
            return match.start(group), match.end(group), match.group(group)
    return match.start(), match.end(), match.group(0)


def _judge_assignment(
    key: str, value: str, loose_separator: bool = False, prose: bool = False
) -> tuple[str, float] | None:
    """The credential type and score for `key = value`, or None if it is not one.

    `loose_separator` marks `Name: word` without quotes, which is also how prose and chat
    transcripts read ("User: hello"), so login names are not taken from it. `prose` marks
    `user 'root'` in running text ("Access denied for user 'root'"), where a system's default
    account names nobody; in a config line (`DB_USER=postgres`) it is half of a credential.
    """
    key = key.strip("\"'$@:.-_ ").rsplit(".", 1)[-1]
    if not key or _looks_like_placeholder(value):
        return None
    value = value.strip()
    if is_secret_name(key):
        if len(value) < 4 or _ENV_NAME.match(value):
            return None
        kind = "PASSWORD" if re.search(r"pass|pwd|(?<![a-z])pw", key, re.IGNORECASE) else "SECRET"
        return kind, 0.8
    if _ACCOUNT_ID_RE.search(key) and re.fullmatch(r"\d{10,14}", value):
        return "CLOUD_RESOURCE_ID", 0.7
    if _USER_NAME_RE.search(key):
        if loose_separator or (prose and value.lower() in _default_accounts()):
            return None
        return ("USERNAME", 0.6) if re.fullmatch(r"[\w.@\-\\]{3,64}", value) else None
    if _WEAK_NAME_RE.search(key) and _looks_like_token(value, min_length=12):
        return "API_KEY", 0.7
    return None


# An environment variable's name is a reference to a secret, not one: api_key = "OPENAI_API_KEY".
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def find_secrets(text: str) -> list[SecretMatch]:
    """Every credential-like span in `text`, one finding per token: overlapping matches merge
    into the most specific (a vendor format over a generic assignment), spanning them all."""
    found: list[SecretMatch] = []
    for kind, pattern, rule in _compiled_provider_patterns():
        found.extend(
            SecretMatch(kind, m.start(), m.end(), 0.95, rule) for m in pattern.finditer(text)
        )
    found.extend(_context_matches(text))
    found.extend(_recovery_phrases(text))
    found.extend(
        SecretMatch("SECRET", m.start(), m.end(), 0.6, "random-looking token")
        for m in _TOKEN_CANDIDATE.finditer(text)
        if _is_random_token(m.group(0))
    )
    found.extend(_hex_keys(text))
    return _merge_overlaps(found)


# A hex digest is a key only when the line says so: "API_KEY, '951b...'" is one, "commit 3f78..."
# and "sha256: 9f86..." are not.
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,128}(?![0-9A-Za-z])")
_KEY_WORD_BEFORE = re.compile(
    r"(?:key|token|secret|login|passw|auth|api|credential|bearer)[^\n]{0,40}$", re.IGNORECASE
)
_DIGEST_WORD_BEFORE = re.compile(
    r"(?:sha|hash|commit|digest|checksum|md5|etag|revision|\brev\b|object|blob|tree|"
    r"fingerprint|integrity|crc)[^\n]{0,40}$",
    re.IGNORECASE,
)


def _hex_keys(text: str) -> Iterator[SecretMatch]:
    for match in _HEX_TOKEN.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if (
            shannon_entropy(match.group(0)) >= 3.0
            and _KEY_WORD_BEFORE.search(before)
            and not _DIGEST_WORD_BEFORE.search(before)
        ):
            yield SecretMatch(
                "SECRET", match.start(), match.end(), 0.6, "hex key named on its line"
            )


def _merge_overlaps(found: list[SecretMatch]) -> list[SecretMatch]:
    merged: list[SecretMatch] = []
    group: list[SecretMatch] = []

    def close() -> None:
        if group:
            best = max(group, key=_specificity)
            start = min(m.start for m in group)
            end = max(m.end for m in group)
            merged.append(SecretMatch(best.type, start, end, best.score, best.rule))

    for match in sorted(found, key=lambda m: (m.start, -m.end)):
        if group and match.start < max(m.end for m in group):
            group.append(match)
            continue
        close()
        group = [match]
    close()
    return merged


# Types that say how a secret was written, not whose it is: a vendor's format inside one wins
# ("https://oauth2:glpat-...@gitlab.com" is a GitLab token), and a URL with credentials is
# reported as one rather than as its password.
_WRAPPER_TYPES = frozenset({"CONNECTION_STRING", "BASIC_AUTH_SECRET"})
_GENERIC_TYPES = frozenset({"PASSWORD", "SECRET", "AUTH_HEADER_TOKEN", "API_KEY", "USERNAME"})


def _specificity(match: SecretMatch) -> tuple[int, bool, float, int]:
    # a vendor's own format first, then our name over detect-secrets' for the same thing
    rank = 0 if match.type in _GENERIC_TYPES else 1 if match.type in _WRAPPER_TYPES else 2
    return (
        rank,
        not match.type.endswith("_SECRET"),
        match.score,
        match.end - match.start,
    )


def _context_matches(text: str) -> Iterator[SecretMatch]:
    for pattern, rule in (
        (_ASSIGNMENT, "assignment to a secret's name"),
        (_XML_KEY_VALUE, "XML key/value"),
        (_SPACED_ASSIGNMENT, "name then quoted value"),
    ):
        for m in pattern.finditer(text):
            start, end, value = _value_span(m)
            loose = "sep" in pattern.groupindex and m.group("sep") == ":" and m.group("bare")
            judged = _judge_assignment(
                m.group("key"),
                value,
                loose_separator=bool(loose),
                prose=pattern is _SPACED_ASSIGNMENT,
            )
            if judged:
                yield SecretMatch(judged[0], start, end, judged[1], rule)
    with_separator, bare = _prose_patterns()
    for pattern in (with_separator, bare):
        for m in pattern.finditer(text):
            start, end, value = _value_span(m)
            stripped = value.rstrip(".,;:!?)")
            if _prose_value_ok(stripped):
                kind = "PASSWORD" if _password_ish(m.group("key").lower()) else "SECRET"
                yield SecretMatch(
                    kind, start, start + len(stripped), 0.8, f"labelled as '{m.group('key')}'"
                )
    for kind, pattern, score, rule in (
        ("AUTH_HEADER_TOKEN", _AUTH_HEADER, 0.9, "Authorization header"),
        ("AUTH_HEADER_TOKEN", _BEARER, 0.85, "Bearer token"),
        ("API_KEY", _HEADER_API_KEY, 0.85, "API key header"),
        ("PASSWORD", _NETRC, 0.9, ".netrc line"),
        ("PASSWORD", _USERPASS_FLAG, 0.85, "-u user:password"),
        ("PASSWORD", _CREDENTIAL_CALL, 0.8, "credential constructor"),
    ):
        yield from (
            SecretMatch(kind, m.start(), m.end(), score, rule) for m in pattern.finditer(text)
        )
    flag_rules = (
        (_PASSWORD_FLAG, "password flag"),
        (_SHORT_P_WITH_USER, "-u USER -p PASSWORD"),
        (_JAVA_PROPERTY, "Java -D property"),
        (_SQL_IDENTIFIED_BY, "SQL IDENTIFIED BY"),
        *((pattern, "command-line tool's password argument") for pattern in _TOOL_PASSWORDS),
    )
    for pattern, rule in flag_rules:
        for m in pattern.finditer(text):
            start, end, value = _value_span(m)
            if not _looks_like_placeholder(value):
                yield SecretMatch("PASSWORD", start, end, 0.8, rule)
