"""Credential detection: provider formats, context, entropy, and prose that must stay quiet."""

from __future__ import annotations

import pytest

from localfirst.privacy.credentials import find_secrets, shannon_entropy


@pytest.mark.parametrize(
    ("text", "expected_type"),
    [
        (
            "ANTHROPIC_API_KEY=sk-ant-api03-"
            + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3fG5",
            "ANTHROPIC_API_KEY",
        ),
        ("hf_token: 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", "HUGGINGFACE_TOKEN"),
        (
            "git remote add origin https://oauth2:glpat-tFrjFXD7soVU2fqxuDMh@gitlab.com/x/y.git",
            "GITLAB_TOKEN",
        ),
        ("SLACK_TOKEN=xoxb-893582989554-899326518131-JRHeVv1o9Cf99fwDpuortR2D", "SLACK_TOKEN"),
        ("$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "PASSWORD_HASH"),
        ("mongodb+srv://service:CPCdZH5k0F6dxQ9V@cluster0.mongodb.net/db", "CONNECTION_STRING"),
        ('<add key="SmtpPassword" value="Prestigitariu$"/>', "PASSWORD"),
        ("docker login -u deploy -p dckr_pat_hc8VxYclixyTr2rDFsa2rqzkP3Y", "DOCKER_HUB_TOKEN"),
        ("machine api.example.com login ziggy password 012345abcdef", "PASSWORD"),
        ("the wifi password is Tr0ub4dor&3", "PASSWORD"),
        ("config.secret_value = 'c2VjcmV0LXZhbHVlLTQyLXNvLXJhbmRvbQ9Xz'", "SECRET"),
    ],
)
def test_credentials_are_found(text: str, expected_type: str) -> None:
    assert expected_type in {m.type for m in find_secrets(text)}


@pytest.mark.parametrize(
    "text",
    [
        "How do I create a strong password for my bank account?",
        "tokens = text.split()",
        "Key points: keep it short and to the point.",
        "mkdir -p build && cd build",
        "password = os.environ['DB_PASSWORD']",
        "api_key = None",
        "User: hello there, how are you?",
        "The request id is 123e4567-e89b-12d3-a456-426614174000.",
        "See https://en.wikipedia.org/wiki/Transformer_(machine_learning_model) for details.",
    ],
)
def test_ordinary_text_and_placeholders_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == []


def test_spans_point_at_the_secret() -> None:
    text = 'API_KEY = "951bc382db9abad29c68634761dd6e19"'
    spans = {text[m.start : m.end] for m in find_secrets(text)}
    assert "951bc382db9abad29c68634761dd6e19" in spans


def test_entropy_separates_words_from_random_strings() -> None:
    assert shannon_entropy("aaaaaaaa") == 0
    assert shannon_entropy("Xq9#Lm2$Vb7!") > shannon_entropy("mississippi")


@pytest.mark.parametrize(
    ("plugin", "kind"),
    [
        ("AWSKey", "AWS_KEY"),
        ("SlackToken", "SLACK_TOKEN"),
        ("JwtToken", "JWT_TOKEN"),
        ("NpmToken", "NPM_TOKEN"),
    ],
)
def test_detect_secrets_plugin_names_become_readable_types(plugin: str, kind: str) -> None:
    from localfirst.entity_types import _snake_upper

    assert _snake_upper(plugin) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the wifi password is Sunflower88", "PASSWORD"),
        ("my login is bob / pass hunter2!", "PASSWORD"),
        ("PW: Tr0ub4dor", "PASSWORD"),
        ("비밀번호: 1234abcd", "PASSWORD"),
        ("пароль - qwerty12", "PASSWORD"),
        ("mot de passe : Soleil2024", "PASSWORD"),
        ("CREATE USER app IDENTIFIED BY 'S3cr3t!x';", "PASSWORD"),
        ("sshpass -p 'Zx81!pass' ssh root@backup", "PASSWORD"),
        ("openssl pkcs12 -in a.p12 -passin pass:Kq82mZ", "PASSWORD"),
        ("ldapsearch -D cn=admin,dc=corp -w Lq9!xx -b dc=corp", "PASSWORD"),
        ("redis://:p4ssw0rd@cache.internal:6379", "CONNECTION_STRING"),
        ("password=&quot;Kq82mZ!x&quot;", "PASSWORD"),  # HTML-escaped: decoded before matching
    ],
)
def test_passwords_in_prose_and_less_common_syntaxes(text: str, kind: str) -> None:
    from localfirst.text.normalize import canonicalize

    assert kind in {m.type for m in find_secrets(canonicalize(text).text)}


def test_a_recovery_phrase_is_a_credential() -> None:
    from mnemonic import Mnemonic

    phrase = Mnemonic("english").to_mnemonic(bytes(range(16)))  # 12 words with a valid checksum
    assert {m.type for m in find_secrets(f"backup of my wallet: {phrase}")} == {
        "WALLET_RECOVERY_PHRASE"
    }


@pytest.mark.parametrize(
    "text",
    [
        "bypass = True",
        "passes = 3",
        "password_id = 2938479",
        "PASSWORD_MIN_LENGTH=12",
        "The password is wrong, what do I do?",
        "your token is required for this call",
        "api_key = os.environ['OPENAI_API_KEY']",
        'api_key = "OPENAI_API_KEY"',
        "commit 3f786850e387550fdab836ed7e6dc881de23001b fixes the build",
        "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "I want a story about a brave little dog who can fly over the ocean",
    ],
)
def test_names_and_digests_that_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == []


def test_one_token_is_reported_once_under_one_name() -> None:
    aws = "AKIA" + "Z7QPL3XM2RT5KW4N"
    github = "ghp_" + "XIxB7KMNdAr3zqWtQqhE94qglHqOzn1D1stg"
    for text, kind in ((f"aws_access_key_id = {aws}", "AWS_ACCESS_KEY"), (github, "GITHUB_TOKEN")):
        found = find_secrets(text)
        assert [m.type for m in found] == [kind], found
