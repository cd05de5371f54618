"""Turning a conversation into a prompt string the model was trained on.

A GGUF's own `tokenizer.chat_template` wins. Files without one (the test model, some
conversions) get a format chosen from `general.architecture`, which names the model family.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from localfirst.types.messages import ChatMessage, Role

# general.architecture -> llama-cpp-python chat format name
ARCHITECTURE_FORMATS: dict[str, str] = {
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "gemma3n": "gemma",
    "llama": "llama-3",
    "mistral3": "mistral-instruct",
    "qwen": "qwen",
    "qwen2": "chatml",
    "qwen2moe": "chatml",
    "qwen3": "chatml",
    "qwen3moe": "chatml",
    "phi3": "chatml",
    "phi4": "chatml",
    "smollm3": "chatml",
    "olmo2": "chatml",
    "granite": "chatml",
}
DEFAULT_FORMAT = "chatml"

# Formats whose template has no system role: the system prompt joins the first user turn,
# as the families' own templates do (Gemma's, for one).
NO_SYSTEM_ROLE = {"gemma", "mistral-instruct"}


@dataclass(frozen=True)
class FormattedPrompt:
    text: str
    stop: list[str]
    format_name: str


def format_for_architecture(architecture: str) -> str:
    return ARCHITECTURE_FORMATS.get(architecture, DEFAULT_FORMAT)


def fold_system_prompt(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """Merge the system prompt into the first user turn, for templates without a system role."""
    system = "\n\n".join(m.content for m in messages if m.role is Role.SYSTEM and m.content)
    rest = [m for m in messages if m.role is not Role.SYSTEM]
    if system and rest and rest[0].role is Role.USER:
        rest[0] = ChatMessage(Role.USER, f"{system}\n\n{rest[0].content}")
    return rest


class PromptFormatter:
    """Formats messages with the GGUF's template, or the architecture's known format."""

    def __init__(
        self,
        architecture: str,
        chat_template: str | None = None,
        bos_token: str = "",
        eos_token: str = "",
    ) -> None:
        from llama_cpp import llama_chat_format as lcf

        self._fold_system = False
        if chat_template:
            jinja = lcf.Jinja2ChatFormatter(chat_template, eos_token=eos_token, bos_token=bos_token)
            self.name = "gguf-template"
            self._format: Callable = jinja
            self._bos = bos_token
        else:
            self.name = format_for_architecture(architecture)
            self._format = _registered_formatter(lcf, self.name)
            self._fold_system = self.name in NO_SYSTEM_ROLE
            self._bos = ""

    def __call__(self, messages: Sequence[ChatMessage]) -> FormattedPrompt:
        items = fold_system_prompt(messages) if self._fold_system else list(messages)
        response = self._format(messages=[m.as_dict() for m in items])
        text = response.prompt
        if self._bos and text.startswith(self._bos):
            text = text[len(self._bos) :]  # the tokenizer adds BOS itself
        stop = response.stop
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        return FormattedPrompt(text, stops, self.name)


def _registered_formatter(lcf, name: str) -> Callable:
    functions = {
        "gemma": lcf.format_gemma,
        "llama-3": lcf.format_llama3,
        "chatml": lcf.format_chatml,
        "qwen": lcf.format_qwen,
        "mistral-instruct": lcf.format_mistral_instruct,
    }
    return functions[name]
