"""The display's screenshot tool (roles/display/files/kiosk-screenshot) judges PNGs right.

It runs on the display with Debian's python3 and no imaging library, so it decodes PNG itself:
every row filter a PNG encoder may choose is exercised here against known pixels. The picture
itself (chromium headless, grim on cage's headless output) is taken in the display role's
Molecule verify.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from tests.pngs import encode, gradient

REPO = Path(__file__).resolve().parents[3]
TOOL = REPO / "roles" / "display" / "files" / "kiosk-screenshot"


@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]])
@pytest.mark.parametrize("bpp", [3, 4])
def test_every_row_filter_decodes_to_the_real_colours(
    filters: list[int], bpp: int, screenshot_tool: ModuleType
) -> None:
    tool = screenshot_tool
    rows = gradient(40, 12, bpp)
    expected = {rows[y][i : i + bpp] for y in range(12) for i in range(0, 40 * bpp, bpp)}
    width, height, colours = tool.png_summary(encode(rows, 40, filters, bpp), stride=1)
    assert (width, height, colours) == (40, 12, len(expected))


def test_a_blank_picture_is_judged_blank_and_a_page_good(
    tmp_path: Path, screenshot_tool: ModuleType
) -> None:
    tool = screenshot_tool
    blank = tmp_path / "blank.png"
    blank.write_bytes(encode([bytes([255, 255, 255] * 64)] * 36, 64, [0, 1, 2, 4]))
    verdict = tool.judge(str(blank), (64, 36))
    assert (verdict["ok"], verdict["colours"]) == (False, 1)
    assert "blank" in verdict["detail"]

    page = tmp_path / "page.png"
    page.write_bytes(encode(gradient(64, 36), 64, [4, 1]))
    assert tool.judge(str(page), (64, 36))["ok"] is True
    wrong = tool.judge(str(page), (1920, 1080))
    assert wrong["ok"] is False and "expected 1920x1080" in wrong["detail"]

    (tmp_path / "junk.png").write_text("<html>no</html>")
    junk = tool.judge(str(tmp_path / "junk.png"), None)
    assert junk["ok"] is False and junk["detail"].startswith("no usable screenshot")
    assert tool.judge(str(tmp_path / "missing.png"), None)["ok"] is False


def test_the_tool_runs_under_the_system_python_as_on_the_display(tmp_path: Path) -> None:
    # Setup needs python3 too (scripts/setup): where it is missing this fails, never skips.
    page = tmp_path / "page.png"
    page.write_bytes(encode(gradient(30, 20), 30, [2]))
    done = subprocess.run(
        ["python3", str(TOOL), "--judge", str(page)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["ok"] is True and (verdict["width"], verdict["height"]) == (30, 20)
