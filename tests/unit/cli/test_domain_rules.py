"""Rules that used to live in the CLI, now in their domain packages and tested there: the
programme's work dates, one exit-code rule for every network command, the lab's daemon."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digikel.errors import DigikelError, InputError
from digikel.lab.daemon import start_background
from digikel.network.results import exit_code_of
from digikel.readiness.site_log import parse_work_date

TODAY = dt.date(2026, 11, 30)


def test_a_work_date_is_today_by_default_and_never_in_the_future() -> None:
    assert parse_work_date(None, TODAY) == TODAY
    assert parse_work_date(" 2026-12-01 ", TODAY) == dt.date(2026, 12, 1)  # WITA is ahead
    with pytest.raises(InputError, match=r"--date 2026-12-02: lies in the future"):
        parse_work_date("2026-12-02", TODAY)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2019-12-31", "before the programme began; expected 2020 or later"),
        ("31/05/2024", "expected a date as YYYY-MM-DD"),
    ],
)
def test_a_bad_work_date_names_the_option_and_the_expectation(text: str, said: str) -> None:
    with pytest.raises(InputError, match=said) as caught:
        parse_work_date(text, TODAY, option="--date")
    assert str(caught.value).startswith("--date ")


@pytest.mark.parametrize(
    ("oks", "code"),
    [([], 1), ([True, True], 0), ([True, False], 3), ([False, False], 1)],
)
def test_one_exit_code_rule_for_network_commands(oks: list[bool], code: int) -> None:
    assert exit_code_of(oks) == code


def test_a_background_lab_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(DigikelError, match="the lab did not start") as caught:
        start_background(tmp_path / "no-inventory.yml", tmp_path / "lab", {}, 0.0, 1.0)
    assert "no-inventory.yml: file not found" in str(caught.value)
