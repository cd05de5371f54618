"""The bottom layer: plain types every other package shares, importing nothing of ours.

- `messages`: roles, chat messages, stored messages and conversations.
- `events`: the typed events a reply streams as.
- `verdict`: what the privacy gate found (`Finding`, `GateVerdict`).
- `score`: the complexity scorer's result.
- `decision`: where a message goes and why (`Decision`, `Rule`, `Target`, `SessionMode`).
- `backend`: the `Backend` protocol, `CancelToken` and `GenerationParams`.
"""
