"""Conversation history in SQLite."""
