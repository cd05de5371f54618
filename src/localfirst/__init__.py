"""localfirst: a terminal chat app that keeps private prompts on your machine."""

__version__ = "0.1.0"
