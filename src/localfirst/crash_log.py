"""The crash log both front ends write to when something unexpected escapes.

Only the stack goes in, never the frames' locals (they may hold a prompt or a key).
"""

from __future__ import annotations

import time
import traceback

from localfirst import __version__
from localfirst.config import AppPaths


def log_crash(exc: BaseException) -> str:
    """Append the stack (never the frames' locals) to the crash log; return where it went."""
    try:
        log_dir = AppPaths.from_platform().log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "crash.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} localfirst {__version__}\n")
            fh.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "(the log could not be written)"
