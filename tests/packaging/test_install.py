"""Both install paths run the app from outside the source tree (slow: they build and install)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# pip's own cache, resolved before any fixture points XDG_CACHE_HOME at a temporary folder:
# it holds the llama-cpp-python wheel built at set-up, which a test must never compile again.
PIP_CACHE_DIR = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"
)
# Building and installing take minutes on 2 cores, more than the suite-wide timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900):
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{command} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    return result


def check_installed_app(
    exe: Path, cwd: Path, env: dict[str, str], with_pipeline: bool = False
) -> None:
    """The three commands the issue names, run as a user of that install would."""
    from localfirst import __version__

    assert run([str(exe), "--version"], cwd, env).stdout.strip() == f"localfirst {__version__}"
    decision = json.loads(run([str(exe), "--offline", "route", "--json", "hello"], cwd, env).stdout)
    assert decision["target"] == "local" and decision["mode"] == "offline"
    # A gate that failed to load also answers "local", so look at what it found: with a spaCy
    # pipeline in the install, the gate runs from it (data files, stdnum's validators); without
    # one it fails closed and says how to get one.
    private = "Mi DNI es 48213907T; call me on 0176 2345 6789"
    found = json.loads(run([str(exe), "--offline", "route", "--json", private], cwd, env).stdout)
    if with_pipeline:
        rules = {e["type"]: e["rule"] for e in found["entities"]}
        assert {"NATIONAL_ID", "PHONE_NUMBER"} <= set(rules), found
    else:  # no pipeline in a bare venv: the gate cannot run, so nothing may leave
        assert found["target"] == "local" and found["mode"] == "offline"
    doctor = subprocess.run(
        [str(exe), "--offline", "doctor"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "llama-cpp-python" in doctor.stdout and "backend CPU" in doctor.stdout
    assert "Traceback" not in doctor.stderr


def cached_llama_wheel_links() -> list[str]:
    """--find-links to the llama-cpp-python wheel pip built when the project was set up."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "list", "llama_cpp_python", "--format=abspath"],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_CACHE_DIR": PIP_CACHE_DIR},
    ).stdout.split()
    return [arg for path in listed for arg in ("--find-links", str(Path(path).parent))]


@pytest.fixture
def outside(tmp_path: Path, isolated_dirs: dict[str, str]) -> tuple[Path, dict[str, str]]:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in isolated_dirs.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.defpath
    return cwd, env


def test_wheel_installs_in_a_fresh_venv_and_runs(tmp_path: Path, outside) -> None:
    cwd, env = outside
    dist = tmp_path / "dist"
    run([str(REPO / "scripts/release/build"), str(dist)], REPO, {**os.environ})
    (wheel,) = dist.glob("localfirst-*.whl")
    assert list(dist.glob("localfirst-*.tar.gz")), "the sdist is built too"
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd, env)
    # The project's own pip installs into the fresh venv: an older pip there would miss the
    # cached llama-cpp-python wheel and compile llama.cpp again (about 7 minutes).
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin/python")]
    run(
        [*pip, "install", "--quiet", *cached_llama_wheel_links(), str(wheel)],
        cwd,
        {**os.environ, **env, "PATH": os.environ["PATH"], "PIP_CACHE_DIR": PIP_CACHE_DIR},
    )
    check_installed_app(venv / "bin/localfirst", cwd, env)


def test_pyinstaller_bundle_runs(tmp_path: Path, outside) -> None:
    cwd, env = outside
    out = tmp_path / "bundle"
    exe = Path(
        run([str(REPO / "scripts/release/build-bundle"), str(out)], REPO, {**os.environ})
        .stdout.strip()
        .splitlines()[-1]
    )
    assert exe.is_file() and list((exe.parent / "_internal" / "llama_cpp").rglob("libllama*")), (
        "llama.cpp's shared library is inside the bundle"
    )
    check_installed_app(exe, cwd, env, with_pipeline=True)
