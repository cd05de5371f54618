"""The chat session: the orchestrator above the backends, the router and the history.

`chat.ChatSession` stores the prompt, routes the payload, streams the reply and stores it;
the TUI and the CLI drive it and render what it yields.
"""
