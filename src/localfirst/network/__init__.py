"""Network policy: the offline guard."""
