"""The Textual chat app (`localfirst` with no arguments)."""
