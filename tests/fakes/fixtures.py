"""Pytest fixtures for the fake servers (registered by tests/conftest.py)."""
