"""Every message exists in both languages with the same placeholders; blockers read well."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from digikel.errors import InputError
from digikel.readiness.blockers import describe
from digikel.readiness.components import COMPONENTS, State
from digikel.readiness.i18n import MESSAGES, check_language, long_date, long_day, t
from digikel.readiness.model import ComponentStatus


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_say_it_with_the_same_placeholders():
    wrong = [
        key
        for key, (indonesian, english) in MESSAGES.items()
        if not indonesian.strip() or not english.strip() or _fields(indonesian) != _fields(english)
    ]
    assert wrong == []


def test_every_component_and_state_has_a_label():
    for component in COMPONENTS:
        assert f"component.{component}" in MESSAGES and f"short.{component}" in MESSAGES
    for state in State:
        assert f"state.{state.value}" in MESSAGES


def test_dates_in_bahasa_indonesia():
    assert long_date(dt.date(2023, 7, 10), "id") == "10 Juli 2023"
    assert long_day(dt.date(2026, 11, 29), "id") == "Minggu, 29 November 2026"
    assert long_date(dt.date(2023, 7, 10), "en") == "10 July 2023"


def test_unknown_language_is_bad_input():
    assert check_language("en") == "en"
    with pytest.raises(InputError, match="--lang 'fr'"):
        check_language("fr")


WEEK = dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("status", "indonesian", "english"),
    [
        (
            ComponentStatus("printers", State.FAILED, "checks", failed=("prn01 ipp", "prn02 ipp")),
            "Printer: 2 pemeriksaan gagal (prn01 ipp, prn02 ipp)",
            "Printers: 2 check(s) failed (prn01 ipp, prn02 ipp)",
        ),
        (
            ComponentStatus("network", State.STALE, "checks", age=dt.timedelta(days=9, hours=3)),
            "Jaringan: diperiksa terakhir 9 hari lalu (batas 7 hari)",
            "Network: last checked 9 day(s) ago (limit 7 day(s))",
        ),
        (
            ComponentStatus("applications", State.INCOMPLETE, "checks", missing=("pbb",)),
            "Aplikasi: belum diperiksa: pbb",
            "Applications: not checked: pbb",
        ),
        (
            ComponentStatus("physical_works", State.IN_PROGRESS, "inventory", note="renovasi PUPR"),
            "Pekerjaan fisik masih berjalan: renovasi PUPR",
            "Physical works in progress: renovasi PUPR",
        ),
        (
            ComponentStatus("physical_works", State.NOT_DONE, "mark", by="sari"),
            "Pekerjaan fisik ditandai belum selesai oleh sari",
            "Physical works marked not finished by sari",
        ),
        (
            ComponentStatus("inaugurated", State.NOT_DONE, "none"),
            "Belum diresmikan",
            "Not inaugurated yet",
        ),
        (
            ComponentStatus("displays", State.UNCHECKED, "none"),
            "Layar: belum pernah diperiksa",
            "Displays: never checked",
        ),
    ],
)
def test_blockers_are_sentences_in_both_languages(status, indonesian, english):
    assert describe(status, "id", WEEK) == indonesian
    assert describe(status, "en", WEEK) == english


def test_many_failures_are_summarised():
    names = tuple(f"pc0{i}" for i in range(1, 7))
    text = describe(ComponentStatus("counters", State.FAILED, "checks", failed=names), "en", WEEK)
    assert text == "Counters: 6 check(s) failed (pc01, pc02, pc03, pc04 (+2))"


def test_target_line():
    line = t(
        "target.line", "id", year=2023, ready=3, total=10, percent="30", deadline="31 Desember 2023"
    )
    assert line == "Target 2023: 3 dari 10 kelurahan siap (30%), batas 31 Desember 2023"
