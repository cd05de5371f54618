"""The complexity scorer: how likely a prompt needs a stronger model than the local one."""
