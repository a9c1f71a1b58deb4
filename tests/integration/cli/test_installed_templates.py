"""The device templates ship inside the package: a wheel installed outside any checkout, run
from a folder that is no project, renders a router's configuration for a project named with
--project (issue 14: templates came from the checkout's own location)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def test_an_installed_wheel_renders_outside_a_checkout(repo: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(repo / "pyproject.toml", source / "pyproject.toml")
    shutil.copy(repo / "README.md", source / "README.md")
    # cli/digikel/templates is a link to the repository's templates/: copied as files here.
    shutil.copytree(
        repo / "cli" / "digikel",
        source / "cli" / "digikel",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    wheels, target = tmp_path / "wheels", tmp_path / "installed"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = wheels.glob("digikel-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    project = tmp_path / "project"
    shutil.copytree(repo / "inventory", project / "inventory")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # This interpreter's libraries (typer, jinja2, ...), but digikel from the installed copy.
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    which = subprocess.run(
        [sys.executable, "-c", "import digikel; print(digikel.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert which.stdout.startswith(str(target)), which.stdout
    out = tmp_path / "out"
    args = ["--project", str(project), "--json", "network", "render", "--host", "loa-bakung-rtr01"]
    done = subprocess.run(
        [sys.executable, "-m", "digikel", *args, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=elsewhere,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [written] = json.loads(done.stdout)["files"]
    text = (out / "loa-bakung" / "loa-bakung-rtr01.rsc").read_text()
    assert written["device"] == "loa-bakung-rtr01" and "/system identity" in text
