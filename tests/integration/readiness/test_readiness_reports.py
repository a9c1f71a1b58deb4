"""The city report in every format read back, the HTML in real headless chromium, and the
handover evidence pack as HTML and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pngcheck import colour_census

from digikel.reports.browser import run_chromium
from digikel.store import open_store

GREEN = (0x1B, 0x7F, 0x3B)  # ready badges, bars and the chart's "ready" line


def load_page(page: Path) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and the script errors chromium logged."""
    done = run_chromium(
        [
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.as_uri(),
        ]
    )
    assert done.returncode == 0, done.stderr[-2000:]
    errors = [
        line
        for line in done.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    return done.stdout, errors


@pytest.fixture
def city(cli_env, feed, inv, digikel):
    """A city in mid-programme: 3 sites ready, 1 failing, 1 stale, the rest unchecked."""
    done = [s for s in inv.sites if s.physical_works.status == "done"]
    now = dt.datetime.now(dt.UTC)
    with open_store(cli_env) as store:
        record = feed(store)
        for days_ago, site in zip((20, 12, 2), done[:3], strict=True):
            record(site.slug, when=now - dt.timedelta(days=days_ago))
            record(site.slug, facts=True)
        record(done[3].slug, failing=(f"{done[3].slug}-pc02",), facts=True)
        record(done[4].slug, when=now - dt.timedelta(days=9))
    for site in done[:4]:
        digikel("site", "mark", site.slug, "inaugurated", "--date", "2024-06-01")
    return done


def test_csv_and_json_reports_read_back(digikel, city, tmp_path):
    out = tmp_path / "laporan.csv"
    assert digikel.json("report", "--format", "csv", "-o", str(out))["file"] == str(out)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 59
    assert rows[0].keys() >= {"Kelurahan", "Kecamatan", "Jaringan", "Siap", "Hambatan"}
    ready = [r["slug"] for r in rows if r["Siap"] == "ya"]
    assert sorted(ready) == sorted(s.slug for s in city[:3])
    failing = next(r for r in rows if r["slug"] == city[3].slug)
    assert failing["Loket"] == "gagal" and "Loket: 1 pemeriksaan gagal" in failing["Hambatan"]

    data = json.loads(digikel("report", "-f", "json", "-o", "-", "--lang", "en").stdout)
    assert data["lang"] == "en" and data["totals"]["ready"] == 3
    assert data["history"][-1]["ready"] == 3
    assert (
        data["history"][-1]["date"]
        == dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    )


def test_xlsx_report_opens_in_openpyxl(digikel, city, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "laporan.xlsx"
    digikel("report", "--format", "xlsx", "-o", str(out))
    book = load_workbook(out)
    assert book.sheetnames == [
        "Ringkasan",
        "Kelurahan",
        "Hambatan",
        "Kesiapan dari waktu ke waktu",
        "Riwayat per kecamatan",
    ]
    per_day = list(book["Riwayat per kecamatan"].iter_rows(values_only=True))
    assert per_day[0][:3] == ("Tanggal", "Kecamatan", "Diperiksa")
    # The fixture's five checked sites, on the days they were checked.
    assert sum(row[2] for row in per_day[1:]) == 8 and all(row[4] == 0 for row in per_day[1:])
    sites = book["Kelurahan"]
    assert sites.max_row == 60
    header = [c.value for c in sites[1]]
    ready_col = header.index("Siap")
    assert sum(row[ready_col].value == "ya" for row in sites.iter_rows(min_row=2)) == 3
    network_col = header.index("Jaringan")
    fills = {
        row[network_col].value: row[network_col].fill.fgColor.rgb
        for row in sites.iter_rows(min_row=2)
    }
    assert fills["siap"].endswith("C6EFCE") and fills["belum diperiksa"].endswith("E7E6E6")
    summary = [[c.value for c in row][:3] for row in book["Ringkasan"].iter_rows()]
    pilots_ready = sum(s.wave == "pilot-2023" for s in city[:3])
    assert [2023, pilots_ready, 10] in summary and [2024, 3, 59] in summary


def test_html_report_renders_in_headless_chromium(digikel, city, tmp_path):
    out = tmp_path / "laporan.html"
    digikel("report", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assert "<svg" in html and 'lang="id"' in html

    dom, errors = load_page(out)
    assert errors == []
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-report-ready="1"' in body and 'data-rows="59"' in body  # the script ran
    assert "data-js-errors" not in re.search(r"<html[^>]*>", dom).group(0)
    # The same look at a broken page does see its error: the check above can fail.
    broken = tmp_path / "broken.html"
    broken.write_text(html.replace("var filter =", "undefinedFunction(); var filter ="))
    assert any("undefinedFunction" in e for e in load_page(broken)[1])

    shot = tmp_path / "laporan.png"
    taken = run_chromium(["--window-size=1200,1600", f"--screenshot={shot}", out.as_uri()])
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    ink, colours = colour_census(shot)
    assert ink > 0.04, f"screenshot is nearly blank ({ink:.1%} ink)"
    assert len(colours) > 50
    assert colours[GREEN] > 200  # the figures are there: ready bars and badges in green


def test_english_report(digikel, city, tmp_path):
    out = tmp_path / "report.html"
    digikel("report", "--lang", "en", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Digital Kelurahan Readiness Report, Samarinda" in html
    assert "Readiness over time" in html and "Kesiapan" not in html


def test_acceptance_pack_html(digikel, city, tmp_path, inv):
    site = inv.site(city[3].slug)  # inaugurated, but a counter fails
    out = tmp_path / "berita-acara.html"
    digikel("report", "acceptance", site.slug, "-o", str(out))
    html = out.read_text(encoding="utf-8")
    assert "BERITA ACARA SERAH TERIMA" in html
    for device in site.devices:
        assert device.name in html and f"SN-{device.name.upper()}" in html
    assert html.count("LULUS") >= 10 and html.count("GAGAL") == 1
    assert f"{site.slug}-pc02 answers" in html
    assert "teknisi-ana" in html  # who ran the checks
    assert "Perhatian: kelurahan ini belum siap" in html
    assert html.count('class="signature"') == 3 and f"Lurah {site.name}" in html


def test_acceptance_pack_pdf(digikel, city, tmp_path):
    out = tmp_path / "berita-acara.pdf"
    result = digikel.json("report", "acceptance", city[0].slug, "--format", "pdf", "-o", str(out))
    assert result == {"file": str(out), "format": "pdf", "site": city[0].slug, "ready": True}
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 1


def test_html_report_shows_history_per_kecamatan_and_drift(digikel, city, cli_env, tmp_path):
    from digikel.store import Drift

    drifted, clean = city[0], next(s for s in city if s.kecamatan != city[0].kecamatan)
    now = dt.datetime.now(dt.UTC)
    with open_store(cli_env) as store:
        for days_ago in (3, 2, 1):
            run = store.start_run(kind="watch", operator="watch", command_line="digikel watch")
            at = now - dt.timedelta(days=days_ago)
            store.record_drift(run, clean.slug, [], clean=[("network", "x")], found_at=at)
            found = [Drift("printers", f"{drifted.slug}-prn01", "queue deleted", "-loket\n")]
            store.record_drift(run, drifted.slug, found if days_ago < 3 else [], found_at=at)

    data = json.loads(digikel("report", "-f", "json", "-o", "-").stdout)
    site = next(s for s in data["sites"] if s["slug"] == drifted.slug)
    assert site["ready"] is False and site["blockers"][-1]["component"] == "drift"
    assert data["totals"]["ready"] == 2  # was 3 before the drift
    mine = [r for r in data["kecamatan_history"] if r["kecamatan"] == drifted.kecamatan]
    assert sum(r["sites_drifted"] for r in mine) == 2  # two nights, one site each
    assert sum(r["sites_checked"] for r in mine) >= 1  # the fixture's checks
    assert all(
        r["sites_drifted"] == 0
        for r in data["kecamatan_history"]
        if r["kecamatan"] not in (drifted.kecamatan,)
    )

    out = tmp_path / "laporan.html"
    digikel("report", "-o", str(out))
    dom, errors = load_page(out)
    assert errors == []
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-report-ready="1"' in body and 'data-history-bars="2"' in body
    section = re.search(r'<section id="history"[^>]*>', dom).group(0)
    # The kecamatan with checks or drift: a watch that found a site clean counts through the
    # checks it records, not through its clean drift rows.
    kecamatan = {s.kecamatan for s in city[:5]} | {drifted.kecamatan}
    assert f'data-kecamatan="{len(kecamatan)}"' in section
    assert "queue deleted" in dom and f"{drifted.slug}-prn01" in dom  # the blocker
