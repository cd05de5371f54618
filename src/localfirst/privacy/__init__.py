"""The privacy gate: decides whether a payload may leave the machine."""
