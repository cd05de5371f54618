"""Screens and dialogs pushed over the chat: settings, onboarding, questions."""
