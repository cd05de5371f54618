"""What every cloud backend does the same way: failures, retries, cancels, keys, provider choice.

Each test runs against both providers: the real SDK talks to a loopback server that speaks the
provider's wire format and fails on command.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from fakes.cloud_backends import TEST_MODELS, ask, collect, conversation, make_backend
from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.backends.cloud import CloudChoice, redact, retries_within
from localfirst.backends.factory import build_cloud_backend, resolve_cloud
from localfirst.config import CloudConfig
from localfirst.errors import CloudError
from localfirst.providers import DEFAULT_MODELS
from localfirst.session.chat import FALLBACK_KINDS
from localfirst.types.backend import CancelToken, GenerationParams
from localfirst.types.events import Done, Sent, TextDelta


@pytest.fixture(params=["anthropic", "openai"])
def server(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_server")


# success


async def test_streams_text_usage_and_done(server):
    server.enqueue(Reply.text("Paris", " is", " the capital.", input_tokens=21, output_tokens=6))
    result = await ask(make_backend(server))
    assert result.text == "Paris is the capital."
    assert (result.usage.input_tokens, result.usage.output_tokens) == (21, 6)
    assert result.done == Done("stop")
    assert not result.errors
    assert server.last_request.auth_matched is True


async def test_a_reply_stopped_by_the_length_limit_ends_with_length(server):
    server.enqueue(Reply.text("A long", " answer", finish="length"))
    result = await ask(make_backend(server))
    assert result.done == Done("length")


# failures before any text


@pytest.mark.parametrize("reply", [Reply.unauthorized(), Reply.forbidden()], ids=["401", "403"])
async def test_a_rejected_key_names_the_fix_and_is_not_retried(server, reply):
    server.enqueue(reply)
    backend = make_backend(server, retry_budget=30.0)
    result = await ask(backend)
    assert result.error.kind == "auth"
    assert f"localfirst keys set {server.provider}" in result.error.message
    assert result.done == Done("error")
    assert len(server.requests) == 1


async def test_a_wrong_key_from_the_environment_names_the_variable(server):
    backend = make_backend(server, key_source="env")
    server.required_key = fake_api_key(server.provider)  # not the key the backend holds
    result = await ask(backend)
    assert result.error.kind == "auth"
    assert f"{server.provider.upper()}_API_KEY" in result.error.message


async def test_a_rate_limit_is_retried_after_the_time_the_server_asks(server):
    server.enqueue(Reply.rate_limited(retry_after=0.3), Reply.text("finally"))
    result = await ask(make_backend(server, retry_budget=5.0))
    assert result.text == "finally"
    assert not result.errors
    assert len(server.requests) == 2
    first, second = server.requests
    assert second.received_at - first.received_at >= 0.3  # the SDK waited as asked
    assert first.raw_body == second.raw_body  # the same payload again


async def test_a_retry_after_beyond_the_budget_is_not_waited_for(server):
    server.enqueue(Reply.rate_limited(retry_after=60))
    result = await asyncio.wait_for(ask(make_backend(server, retry_budget=20.0)), timeout=10)
    assert result.error.kind == "rate_limit"
    assert result.error.kind in FALLBACK_KINDS  # so the session answers locally
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 503, 529])
async def test_server_errors_are_retried_with_backoff_until_the_budget_is_spent(server, status):
    server.default_reply = Reply.server_error(status)
    # a budget of 1.6 s holds the SDK's first two backoff steps (0.5 s, then 1 s)
    result = await ask(make_backend(server, retry_budget=1.6))
    assert result.error.kind == "server"
    assert result.error.retryable
    assert "gave up after 3 attempts" in result.error.message
    assert len(server.requests) == 3
    first, *_, last = server.requests
    assert last.received_at - first.received_at >= 0.75 * (0.5 + 1.0)  # less the SDK's jitter


def test_the_budget_becomes_the_sdks_retry_count():
    assert retries_within(0.0) == 0
    assert retries_within(0.5) == 1
    assert retries_within(20.0) == 5  # 0.5 + 1 + 2 + 4 + 8 = 15.5 s; one more 8 s would not fit


async def test_a_server_error_then_success_streams_once(server):
    server.enqueue(Reply.server_error(500), Reply.text("recovered"))
    result = await ask(make_backend(server, retry_budget=10.0))
    assert result.text == "recovered"
    assert not result.errors


async def test_no_retry_budget_means_one_attempt(server):
    server.default_reply = Reply.server_error(500)
    result = await ask(make_backend(server, retry_budget=0.0))
    assert result.error.kind == "server"
    assert len(server.requests) == 1


async def test_an_error_event_before_any_text_falls_back_instead_of_retrying(server):
    """The SDKs retry a refused request, not an error inside an accepted stream; such an
    error is a retryable server failure, so the session answers locally."""
    server.enqueue(Reply.error_event(after_chunks=0), Reply.text("second try"))
    result = await ask(make_backend(server, retry_budget=10.0))
    assert result.error.kind == "server"
    assert result.error.retryable
    assert result.error.kind in FALLBACK_KINDS
    assert len(server.requests) == 1


async def test_a_stall_before_the_first_byte_times_out(server):
    server.enqueue(Reply.stall(30))
    result = await ask(make_backend(server, timeout=0.5))
    assert result.error.kind == "timeout"
    assert "0.5s" in result.error.message
    assert result.done == Done("error")


async def test_a_refused_connection_is_a_connection_failure(server):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = make_backend(server, base_url=f"http://127.0.0.1:{port}{server.api_prefix}")
    result = await ask(backend)
    assert result.error.kind == "connection"
    assert f"127.0.0.1:{port}" in result.error.message
    assert result.error.kind in FALLBACK_KINDS


async def test_a_bad_request_is_reported_with_the_providers_reason(server):
    server.enqueue(Reply.error(404, "model: no such model"))
    result = await ask(make_backend(server, model="no-such-model", retry_budget=30.0))
    assert result.error.kind == "error"
    assert "no such model" in result.error.message
    assert "[cloud] model" in result.error.message
    assert len(server.requests) == 1


# failures after text: keep it, never repeat it


@pytest.mark.parametrize(
    "reply",
    [
        Reply.cut(after_chunks=2),
        Reply.cut(after_chunks=2, mode="eof"),
        Reply.error_event(after_chunks=2),
    ],
    ids=["connection-dropped", "body-ended-early", "error-event"],
)
async def test_a_stream_cut_mid_reply_keeps_the_text_and_is_not_retried(server, reply):
    server.enqueue(reply.with_options(chunks=("One", " two", " three")))
    result = await ask(make_backend(server, retry_budget=30.0))
    assert result.text == "One two"
    assert result.error.kind == "cut"
    assert result.error.retryable
    assert result.done == Done("error")
    assert len(server.requests) == 1  # a retry would repeat text already shown


async def test_a_stall_mid_reply_is_a_cut_with_the_text_kept(server):
    server.enqueue(Reply.stall(30, after_chunks=1, chunks=("Partial", " rest")))
    result = await ask(make_backend(server, timeout=1.0, retry_budget=30.0))
    assert result.text == "Partial"
    assert result.error.kind == "cut"
    assert len(server.requests) == 1


# cancel


async def test_cancel_mid_stream_stops_and_closes_the_stream(server):
    server.enqueue(Reply.stall(30, after_chunks=1, chunks=("First", " never sent")))
    cancel = CancelToken()
    backend = make_backend(server, timeout=60.0)
    result = await collect(
        backend.stream(conversation("Hi"), GenerationParams(), cancel), cancel_after_text=cancel
    )
    assert result.text == "First"
    assert result.done == Done("cancelled")
    assert not result.errors


async def _cancel_after_first_request(server, cancel: CancelToken, then: float) -> None:
    while not server.requests:
        await asyncio.sleep(0.01)
    await asyncio.sleep(then)
    cancel.cancel()


async def test_cancel_while_waiting_for_the_first_byte(server):
    server.enqueue(Reply.stall(30))
    cancel = CancelToken()
    canceller = asyncio.create_task(_cancel_after_first_request(server, cancel, then=0.1))
    result = await ask(make_backend(server, timeout=60.0), cancel=cancel)
    await canceller
    assert result.events == [Done("cancelled")]


async def test_cancel_during_a_retry_wait_sends_nothing_more(server):
    server.enqueue(Reply.rate_limited(retry_after=30))
    cancel = CancelToken()
    canceller = asyncio.create_task(_cancel_after_first_request(server, cancel, then=0.2))
    result = await ask(make_backend(server, retry_budget=60.0), cancel=cancel)
    await canceller
    assert result.events == [Done("cancelled")]
    assert len(server.requests) == 1


async def test_a_consumer_that_stops_reading_closes_the_stream(server):
    server.enqueue(Reply.stall(30, after_chunks=1))
    backend = make_backend(server, timeout=60.0)
    stream = backend.stream(conversation("Hi"), GenerationParams(), CancelToken())
    sent = await anext(stream)  # the record of what is leaving, before the request goes
    first = await anext(stream)
    await stream.aclose()  # must not hang on the stalled HTTP stream
    assert isinstance(sent, Sent) and isinstance(first, TextDelta)


# the key never shows


async def test_the_key_appears_in_no_event_and_no_repr(server):
    key = fake_api_key(server.provider)
    backend = make_backend(server, key)
    server.required_key = fake_api_key(server.provider)  # rejected, and echoed masked by OpenAI
    result = await ask(backend)
    shown = repr(result.events) + repr(backend) + str(vars(backend))
    assert key not in shown
    assert key[-4:] not in result.error.message
    assert "*" not in result.error.message


def test_redact_removes_the_key_and_masked_echoes():
    key = fake_api_key("openai")
    text = f"bad key {key}; provided: sk-pro****************{key[-4:]}."
    cleaned = redact(text, key)
    assert key not in cleaned
    assert key[-4:] not in cleaned
    assert cleaned.startswith("bad key [key]")


# choosing a provider


def test_resolve_uses_the_only_provider_with_a_key(fail_keys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", fake_api_key("openai"))
    choice = resolve_cloud(CloudConfig(), fail_keys)
    assert choice == CloudChoice("openai", DEFAULT_MODELS["openai"], "env")
    assert choice.label == f"openai/{DEFAULT_MODELS['openai']}"


def test_resolve_prefers_the_configured_provider_and_model(fail_keys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    monkeypatch.setenv("OPENAI_API_KEY", fake_api_key("openai"))
    config = CloudConfig(provider="openai", model="gpt-4.1")
    assert resolve_cloud(config, fail_keys) == CloudChoice("openai", "gpt-4.1", "env")
    assert resolve_cloud(CloudConfig(), fail_keys).provider == "anthropic"  # both: the first


def test_resolve_explains_a_missing_key(fail_keys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", fake_api_key("openai"))
    reason = resolve_cloud(CloudConfig(provider="anthropic"), fail_keys)
    assert isinstance(reason, str)
    assert "localfirst keys set anthropic" in reason
    assert "ANTHROPIC_API_KEY" in reason
    assert "no keyring backend" in reason


def test_resolve_offline_names_no_provider(fail_keys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_api_key("openai"))
    reason = resolve_cloud(CloudConfig(), fail_keys, offline=True)
    assert isinstance(reason, str)
    assert reason.startswith("offline")


def test_resolve_reports_a_keyring_key_as_such(secret_service_keys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    secret_service_keys.set("anthropic", fake_api_key("anthropic"))
    choice = resolve_cloud(CloudConfig(), secret_service_keys)
    assert choice == CloudChoice("anthropic", DEFAULT_MODELS["anthropic"], "keyring")


async def test_build_gives_a_streaming_backend_for_the_choice(fail_keys, monkeypatch, server):
    key = fake_api_key(server.provider)
    monkeypatch.setenv(f"{server.provider.upper()}_API_KEY", key)
    server.required_key = key
    config = CloudConfig(base_url=server.base_url, retry_budget=0.0)
    choice = resolve_cloud(config, fail_keys)
    assert isinstance(choice, CloudChoice)
    backend = build_cloud_backend(config, fail_keys, choice)
    assert (backend.kind, backend.name) == ("cloud", choice.label)
    result = await collect(backend.stream(conversation("Hi"), GenerationParams(), CancelToken()))
    assert result.done == Done("stop")
    assert server.last_request.auth_matched is True


async def test_the_sdk_base_url_variable_is_honoured(fail_keys, monkeypatch, server):
    """ANTHROPIC_BASE_URL / OPENAI_BASE_URL reach the server when the config names none."""
    monkeypatch.setenv(f"{server.provider.upper()}_API_KEY", fake_api_key(server.provider))
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    config = CloudConfig(provider=server.provider, retry_budget=0.0)
    backend = build_cloud_backend(config, fail_keys, resolve_cloud(config, fail_keys))
    assert backend.base_url == server.base_url
    result = await collect(backend.stream(conversation("Hi"), GenerationParams(), CancelToken()))
    assert result.done == Done("stop")
    assert len(server.requests) == 1


def test_build_without_a_key_is_a_user_error(fail_keys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(CloudError, match="no openai API key") as caught:
        build_cloud_backend(CloudConfig(), fail_keys, CloudChoice("openai", "gpt-5.4", "env"))
    assert "localfirst keys set openai" in str(caught.value)


async def test_the_sent_record_is_the_body_the_server_received(server):
    server.enqueue(Reply.text("Hi"))
    result = await ask(make_backend(server))
    [sent] = result.sent
    assert (
        sent.target == "cloud" and sent.model == f"{server.provider}/{TEST_MODELS[server.provider]}"
    )
    assert sent.request == json.loads(server.last_request.raw_body)
