"""The thread count llama.cpp decodes with follows the cores other programs leave free."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from localfirst.hardware import OtherLoad, threads_for


def test_each_core_kept_busy_elsewhere_is_one_thread_fewer() -> None:
    assert threads_for(physical=2, logical=2, busy_elsewhere=0.05) == 2  # a quiet machine
    assert threads_for(physical=2, logical=2, busy_elsewhere=1.0) == 1  # a hog on one core
    assert threads_for(physical=2, logical=2, busy_elsewhere=2.0) == 1  # never below one
    assert threads_for(physical=8, logical=8, busy_elsewhere=3.2) == 5
    # two logical CPUs a core: two busy logical CPUs are one busy core
    assert threads_for(physical=8, logical=16, busy_elsewhere=2.0) == 7


def quiet_or_skip(reading: OtherLoad) -> None:
    time.sleep(0.5)
    if reading.busy_elsewhere() > 0.3:
        pytest.skip("another program keeps this machine busy: no quiet window to compare")


def test_a_busy_program_counts_and_this_process_own_work_does_not() -> None:
    reading = OtherLoad()
    quiet_or_skip(reading)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
    finally:
        hog.kill()
        hog.wait()
    assert reading.busy_elsewhere() > 0.6  # about one CPU, whatever else ran

    reading.restart()
    end = time.process_time() + 0.5
    while time.process_time() < end:  # this process's own CPU: a model load, the UI
        pass
    assert reading.busy_elsewhere() < 0.5
