"""The headless command line: a thin layer over `Services` and the session core."""
