"""Redact-then-escalate: hard prompts holding personal data go to the cloud with that data
replaced by stable placeholders, and the reply is restored on the user's screen.

- `placeholders.PlaceholderMap`: value <-> `<TYPE_N>` for one conversation.
- `redactor.Redactor`: the gate's findings -> a redacted payload (presidio-anonymizer).
- `redactor.residual_findings`: what the re-check still found that is not a placeholder.
- `restore.PlaceholderRestorer`: restores a streamed reply chunk by chunk.
- `transcript`: what the local history keeps about a redacted reply.

Importing this package loads nothing heavy; Presidio loads on the first redaction.
"""
