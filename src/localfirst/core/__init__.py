"""The session core shared by the TUI and the CLI: messages, stream events, the chat session."""
