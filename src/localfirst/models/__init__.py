"""Model management: GGUF files, the registry of installed models, Hub downloads."""
