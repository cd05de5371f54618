"""Plain text utilities with no dependencies above the standard library.

- `normalize.canonicalize`: the one canonical form every detector reads, with an offset map.
- `terminal.for_terminal`: text from outside made safe to show (no control sequences).
"""
