"""The store's migrations and the report templates ship inside the package: build the wheel,
install it elsewhere, and open a store and write reports from that installed copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

SHIPPED = (
    "digikel/store/migrations/env.py",
    "digikel/store/migrations/versions/0001_initial.py",
    "digikel/store/migrations/versions/0002_check_batch_index.py",
    "digikel/reports/templates/city.html.j2",
    "digikel/reports/templates/acceptance.html.j2",
    "digikel/reports/templates/base.css.j2",
)

USE_INSTALLED = textwrap.dedent(
    """
    import sys, digikel
    assert digikel.__file__.startswith(sys.argv[1]), digikel.__file__
    from digikel.inventory import load_inventory
    from digikel.readiness.collect import city_readiness
    from digikel.reports.document import city_document
    from digikel.reports.chart import readiness_chart
    from digikel.reports.html import city_html
    from digikel.store import open_store
    import datetime as dt
    inv = load_inventory(sys.argv[3])
    with open_store(sys.argv[2]) as store:
        city = city_readiness(inv, store, dt.timedelta(days=7), with_history=True)
    chart = readiness_chart(city.series, city.progress, 59, "id")
    print(len(city_html(city_document(city, "id"), chart, city.tz, "ci")))
    """
)


def test_the_installed_wheel_migrates_and_renders(repo, tmp_path, lab_inventory_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (repo / name).is_file():
            shutil.copy(repo / name, source / name)
    shutil.copytree(
        repo / "cli" / "digikel",
        source / "cli" / "digikel",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = wheels.glob("digikel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in SHIPPED if name not in names]
    assert missing == [], f"not in the wheel (pyproject package-data?): {missing}"

    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    url = f"sqlite:///{tmp_path / 'installed.db'}"
    done = subprocess.run(
        [sys.executable, "-c", USE_INSTALLED, str(target), url, str(lab_inventory_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) > 10_000
    assert Path(url.removeprefix("sqlite:///")).stat().st_size > 0
