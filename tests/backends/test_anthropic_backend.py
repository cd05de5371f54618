"""The Anthropic backend: what it sends through the real SDK, and how it reads the stream."""

from __future__ import annotations

from fakes.cloud_backends import ask, conversation, make_backend
from fakes.keys import fake_api_key
from fakes.provider_server import REDACTED, Reply
from localfirst.types.backend import GenerationParams
from localfirst.types.events import Done


async def test_system_prompt_goes_in_system_and_history_in_order(anthropic_server):
    messages = conversation("What is 2+2?", "4.", "And times 3?", system="Answer in one word.")
    await ask(make_backend(anthropic_server), messages, GenerationParams(max_tokens=77))
    request = anthropic_server.last_request
    assert request.path == "/v1/messages"
    assert request.body["system"] == "Answer in one word."
    assert request.body["messages"] == [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And times 3?"},
    ]
    assert request.body["max_tokens"] == 77
    assert request.body["model"] == "claude-sonnet-4-6"
    assert request.body["stream"] is True


async def test_no_system_prompt_sends_no_system_field(anthropic_server):
    await ask(make_backend(anthropic_server), conversation("Hi", system=""))
    assert "system" not in anthropic_server.last_request.body


async def test_sampling_parameters_are_not_sent(anthropic_server):
    """The API version the 2.x SDK speaks answers 400 to any temperature, even 1.0."""
    result = await ask(
        make_backend(anthropic_server), params=GenerationParams(temperature=0.2, top_p=0.5)
    )
    body = anthropic_server.last_request.body
    assert not {"temperature", "top_p", "top_k"} & set(body)
    assert result.done == Done("stop")


async def test_the_key_is_sent_only_as_a_credential(anthropic_server):
    key = fake_api_key("anthropic")
    await ask(make_backend(anthropic_server, key))
    request = anthropic_server.last_request
    assert request.auth_matched is True
    assert request.headers["authorization"] == REDACTED
    assert key.encode() not in request.raw_body
    assert request.headers["anthropic-version"]


async def test_usage_comes_from_message_start_and_message_delta(anthropic_server):
    anthropic_server.enqueue(Reply.text("ok", input_tokens=40, output_tokens=3))
    result = await ask(make_backend(anthropic_server))
    assert (result.usage.input_tokens, result.usage.output_tokens) == (40, 3)


async def test_an_overloaded_error_in_the_stream_after_text_is_a_cut(anthropic_server):
    anthropic_server.enqueue(
        Reply.error_event(after_chunks=1, error_type="overloaded_error", chunks=("Half", " more"))
    )
    result = await ask(make_backend(anthropic_server, retry_budget=30.0))
    assert result.text == "Half"
    assert result.error.kind == "cut"
    assert "overloaded_error" in result.error.message
