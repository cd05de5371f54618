"""Cloud API keys, kept in the OS keyring (never in config, history or logs)."""
