"""Backends that answer a conversation as a stream of typed events."""
