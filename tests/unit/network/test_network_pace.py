"""Netmiko's pace: 0.2 by default, DIGIKEL_NETMIKO_DELAY_FACTOR for slow links, bad values refused."""

from __future__ import annotations

import pytest

from digikel.errors import InputError
from digikel.network.connection import Timeouts


def test_default_pace_is_a_fifth_of_netmikos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGIKEL_NETMIKO_DELAY_FACTOR", raising=False)
    assert Timeouts().pace == 0.2


def test_pace_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGIKEL_NETMIKO_DELAY_FACTOR", "1.5")
    assert Timeouts(connect=5.0).pace == 1.5


@pytest.mark.parametrize(("raw", "expected"), [("fast", "got 'fast'"), ("0", "0.05 to 10")])
def test_bad_pace_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("DIGIKEL_NETMIKO_DELAY_FACTOR", raw)
    with pytest.raises(InputError, match="DIGIKEL_NETMIKO_DELAY_FACTOR") as err:
        Timeouts()
    assert expected in str(err.value)
