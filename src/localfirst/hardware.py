"""What the machine offers llama.cpp: physical cores and the GPU backend of this build."""

from __future__ import annotations

import os
import platform


def physical_cores() -> int:
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except Exception:
        cores = None
    return max(1, cores or (os.cpu_count() or 2) // 2 or 1)


def gpu_backend() -> str:
    """'Metal', 'CUDA' or 'CPU': what this llama-cpp-python build can offload to."""
    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        return "CPU"
    if platform.system() == "Darwin":
        return "Metal"
    info = llama_cpp.llama_print_system_info().decode(errors="replace").upper()
    for name in ("CUDA", "VULKAN", "HIP", "SYCL"):
        if name in info:
            return name.title() if name != "CUDA" else "CUDA"
    return "GPU"
