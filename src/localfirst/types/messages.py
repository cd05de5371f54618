"""The plain data model of a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    """Where a message stands; only `COMPLETE` replies are sent back as context as they are."""

    PENDING = "pending"  # a user turn saved before its reply, or a reply still streaming
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"  # stopped by the user or cut mid-stream: partial text kept
    ERROR = "error"


@dataclass(frozen=True)
class ChatMessage:
    """One turn as a backend sees it: a role and its text."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": str(self.role), "content": self.content}


@dataclass
class StoredMessage:
    """A turn as history keeps it, with how it was routed and what it cost."""

    id: int
    conversation_id: int
    role: Role
    content: str
    status: MessageStatus = MessageStatus.COMPLETE
    route: dict | None = None
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    created_at: float = 0.0

    def as_chat(self) -> ChatMessage:
        return ChatMessage(self.role, self.content)


@dataclass
class Conversation:
    id: int
    title: str
    created_at: float
    updated_at: float
    # Once a conversation has held sensitive data, later turns stay local unless overridden.
    sensitive: bool = False
    messages: list[StoredMessage] = field(default_factory=list)
