"""The routing policy: a pure function from what we know about a prompt to where it goes."""
