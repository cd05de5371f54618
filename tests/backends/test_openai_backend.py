"""The OpenAI backend: what it sends through the real SDK, and how it reads the stream."""

from __future__ import annotations

import pytest

from fakes.cloud_backends import ask, conversation, make_backend
from fakes.keys import fake_api_key
from fakes.provider_server import REDACTED, Reply
from localfirst.backends.cloud import CloudChoice
from localfirst.backends.openai_backend import OpenAIBackend, takes_temperature
from localfirst.config import CloudConfig
from localfirst.types.backend import GenerationParams
from localfirst.types.events import Done


async def test_system_prompt_and_history_go_as_chat_messages(openai_server):
    messages = conversation("What is 2+2?", "4.", "And times 3?", system="One word.")
    params = GenerationParams(max_tokens=55, temperature=0.25)
    await ask(make_backend(openai_server), messages, params)
    request = openai_server.last_request
    assert request.path == "/v1/chat/completions"
    assert request.body["messages"] == [
        {"role": "system", "content": "One word."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And times 3?"},
    ]
    assert request.body["model"] == "gpt-5.4"
    assert request.body["temperature"] == 0.25
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


async def test_a_compatible_server_gets_max_tokens(openai_server):
    await ask(make_backend(openai_server), params=GenerationParams(max_tokens=42))
    body = openai_server.last_request.body
    assert body["max_tokens"] == 42
    assert "max_completion_tokens" not in body


def test_openai_itself_gets_max_completion_tokens(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    backend = OpenAIBackend(
        CloudConfig(), CloudChoice("openai", "gpt-5.4", "env"), fake_api_key("openai")
    )
    request = backend.request(conversation("Hi"), GenerationParams(max_tokens=42))
    assert request["max_completion_tokens"] == 42
    assert "max_tokens" not in request


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-5.4", True),
        ("gpt-5.1", True),
        ("gpt-4.1-mini", True),
        ("meta-llama/Llama-3.1-8B-Instruct", True),
        ("gpt-5", False),
        ("gpt-5-mini", False),
        ("gpt-5-nano-2025-08-07", False),
        ("o3", False),
        ("o4-mini", False),
        ("gpt-5.4-pro", False),
        ("openai/o3", False),
    ],
)
def test_reasoning_models_get_no_temperature(model, expected):
    assert takes_temperature(model) is expected


async def test_usage_comes_from_the_final_chunk(openai_server):
    openai_server.enqueue(Reply.text("a", "b", input_tokens=30, output_tokens=2))
    result = await ask(make_backend(openai_server))
    assert result.text == "ab"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (30, 2)
    assert result.done == Done("stop")


async def test_the_key_is_sent_only_as_a_bearer_credential(openai_server):
    key = fake_api_key("openai")
    await ask(make_backend(openai_server, key))
    request = openai_server.last_request
    assert request.auth_matched is True
    assert request.headers["authorization"] == REDACTED
    assert key.encode() not in request.raw_body


async def test_a_rejected_key_echoed_masked_by_the_server_is_not_shown(openai_server):
    key = fake_api_key("openai")
    backend = make_backend(openai_server, key)
    openai_server.required_key = fake_api_key("openai")
    result = await ask(backend)
    assert result.error.kind == "auth"
    assert key[-4:] not in result.error.message
    assert result.error.message == (
        "openai rejected the API key (401): store a valid key with `localfirst keys set openai`"
    )
