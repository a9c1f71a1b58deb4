"""`digikel site`, `digikel status` through Typer's CliRunner on a real SQLite store."""

from __future__ import annotations

import datetime as dt

import pytest

from digikel.store import open_store


def test_mark_show_unmark_records_who_and_when(digikel, cli_env):
    marked = digikel.json(
        "site",
        "mark",
        "Loa Bakung",
        "inaugurated",
        "--date",
        "2023-07-10",
        "--note",
        "Diresmikan Wali Kota",
    )
    assert marked["site"] == "loa-bakung"
    assert marked["recorded"]["operator"] == "sari"
    assert marked["recorded"]["work_date"] == "2023-07-10"

    shown = digikel.json("site", "show", "loa-bakung")
    inaugurated = shown["components"]["inaugurated"]
    assert (inaugurated["state"], inaugurated["by"], inaugurated["note"]) == (
        "ok",
        "sari",
        "Diresmikan Wali Kota",
    )
    assert shown["ready"] is False  # nothing has been verified yet
    assert shown["components"]["network"]["state"] == "unchecked"
    assert "Peresmian ditandai selesai (2023-07-10)" in shown["history"][0]["what"]

    digikel("site", "unmark", "51", "inaugurated", "--note", "salah input")
    shown = digikel.json("site", "show", "loa-bakung")
    assert shown["components"]["inaugurated"]["state"] == "not_done"
    assert [e["by"] for e in shown["history"]] == ["sari", "sari"]  # both events kept

    # Unmarking what is not marked records nothing.
    assert digikel.json("site", "unmark", "loa-bakung", "inaugurated")["recorded"] is None
    with open_store(cli_env) as store:
        assert [m.action for m in store.marks("loa-bakung")] == ["mark", "unmark"]


def test_the_manual_mark_overrides_the_inventory_physical_works(digikel, inv):
    site = next(s for s in inv.sites if s.physical_works.status == "in-progress")
    before = digikel.json("site", "show", site.slug)["components"]["physical_works"]
    assert (before["state"], before["source"]) == ("in_progress", "inventory")
    digikel("site", "mark", site.slug, "physical-done", "--date", "2024-06-14")
    after = digikel.json("site", "show", site.slug)["components"]["physical_works"]
    assert (after["state"], after["source"], after["work_date"]) == ("ok", "mark", "2024-06-14")
    done = next(s for s in inv.sites if s.physical_works.status == "done")
    digikel("site", "unmark", done.slug, "physical-done", "--note", "atap bocor")
    undone = digikel.json("site", "show", done.slug)["components"]["physical_works"]
    assert (undone["state"], undone["note"]) == ("not_done", "atap bocor")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["site", "mark", "atlantis", "inaugurated"], "unknown site 'atlantis'"),
        (["site", "show", "99"], "unknown site '99'"),
        (
            ["site", "mark", "loa-bakung", "inaugurated", "--date", "2024-02-30"],
            "--date '2024-02-30': expected a date as YYYY-MM-DD",
        ),
        (["site", "mark", "loa-bakung", "inaugurated", "--date", "2999-01-01"], "in the future"),
        (["status", "--max-age", "soon"], "--max-age 'soon'"),
        (["status", "--lang", "jv"], "--lang 'jv'"),
        (["report", "acceptance", "atlantis"], "unknown site 'atlantis'"),
        (["report", "--format", "html", "-o", "-"], "needs a file"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(digikel, args, message):
    result = digikel(*args, code=2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_mark_word_is_a_usage_error(digikel):
    assert "physical-done" in digikel("site", "mark", "loa-bakung", "painted", code=2).stderr


def test_a_bad_config_file_is_bad_input(digikel, monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[readiness]\nmax_age_days = 'a week'\n")
    monkeypatch.setenv("DIGIKEL_CONFIG", str(config))
    assert "readiness.max_age_days" in digikel("status", code=2).stderr


def test_the_config_file_sets_the_store_and_the_age(digikel, monkeypatch, tmp_path, feed, inv):
    url = f"sqlite:///{tmp_path / 'office.db'}"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{url}"\n[readiness]\nmax_age_days = 1\n')
    monkeypatch.setenv("DIGIKEL_CONFIG", str(config))
    monkeypatch.delenv("DIGIKEL_DB_URL")
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with open_store(url) as store:
        feed(store)("loa-bakung", when=two_days_ago)
    network = digikel.json("site", "show", "loa-bakung")["components"]["network"]
    assert network["state"] == "stale"  # 2 days > the configured 1 day
    assert (
        digikel.json("site", "show", "loa-bakung", "--max-age", "3d")["components"]["network"][
            "state"
        ]
        == "ok"
    )


def test_status_counts_ready_sites_against_the_targets_with_blockers(digikel, cli_env, feed, inv):
    pilots = [s for s in inv.sites if s.wave == "pilot-2023"]
    done_pilots = [s for s in pilots if s.physical_works.status == "done"][:3]
    with open_store(cli_env) as store:
        record = feed(store)
        for site in done_pilots:
            record(site.slug)
        record(done_pilots[2].slug, failing=(f"{done_pilots[2].slug}-prn01",))
        record(pilots[-1].slug, skip=("pbb",))
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
        record(inv.site("sungai-keledang").slug, when=stale)
    for site in done_pilots:
        digikel("site", "mark", site.slug, "inaugurated", "--date", "2023-07-10")

    status = digikel.json("status")
    assert status["totals"]["sites"] == 59
    assert status["totals"]["ready"] == 2
    assert [(t["year"], t["target"], t["ready"]) for t in status["targets"]] == [
        (2023, 10, 2),
        (2024, 59, 2),
    ]
    by_slug = {s["slug"]: s for s in status["sites"]}
    broken = by_slug[done_pilots[2].slug]
    assert broken["technically_ready"] is False
    assert broken["blockers"] == [
        {
            "component": "printers",
            "state": "failed",
            "text": f"Printer: 1 pemeriksaan gagal ({done_pilots[2].slug}-prn01 answers)",
        }
    ]
    if pilots[-1] not in done_pilots:
        gaps = {b["component"]: b["text"] for b in by_slug[pilots[-1].slug]["blockers"]}
        assert gaps["applications"] == "Aplikasi: belum diperiksa: pbb"
    keledang = {b["component"]: b["state"] for b in by_slug["sungai-keledang"]["blockers"]}
    assert keledang["network"] == "stale"
    assert sum(k["sites"] for k in status["kecamatan"]) == 59
    assert sum(k["ready"] for k in status["kecamatan"]) == 2

    english = digikel.json("status", "--lang", "en", "--kecamatan", done_pilots[0].kecamatan)
    assert {s["kecamatan"] for s in english["sites"]} == {done_pilots[0].kecamatan}
    assert english["targets"][1]["ready"] == 2  # targets always count the whole city
    human = digikel("status")
    assert "Target 2023: 2 dari 10 kelurahan siap" in human.stdout
    assert "Belum diresmikan" in human.stdout
