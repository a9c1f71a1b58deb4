"""The words of readiness and its reports, in Bahasa Indonesia (the default) and English."""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

MESSAGES: dict[str, tuple[str, str]] = {
    # components
    "component.physical_works": ("Pekerjaan fisik", "Physical works"),
    "component.network": ("Jaringan", "Network"),
    "component.counters": ("Loket", "Counters"),
    "component.displays": ("Layar", "Displays"),
    "component.printers": ("Printer", "Printers"),
    "component.applications": ("Aplikasi", "Applications"),
    "component.inaugurated": ("Peresmian", "Inauguration"),
    "component.mac_addresses": ("Alamat MAC", "MAC addresses"),
    "component.drift": ("Perubahan", "Drift"),
    "component.endpoints": ("Perangkat loket dan layar", "Counter PCs and displays"),
    "short.physical_works": ("Fisik", "Phys"),
    "short.network": ("Jar", "Net"),
    "short.counters": ("Lok", "Ctr"),
    "short.displays": ("Lyr", "Dsp"),
    "short.printers": ("Prn", "Prn"),
    "short.applications": ("Apl", "App"),
    "short.inaugurated": ("Resmi", "Inaug"),
    "legend": (
        "● siap  ✗ gagal  ◐ kedaluwarsa/belum lengkap/berjalan  ○ belum",
        "● ok  ✗ failed  ◐ stale/incomplete/in progress  ○ not done/not checked",
    ),
    # states
    "state.ok": ("siap", "ok"),
    "state.ok.manual": ("selesai", "done"),
    "state.failed": ("gagal", "failed"),
    "state.stale": ("kedaluwarsa", "stale"),
    "state.incomplete": ("belum lengkap", "incomplete"),
    "state.unchecked": ("belum diperiksa", "not checked"),
    "state.not_done": ("belum", "not done"),
    "state.in_progress": ("berjalan", "in progress"),
    "state.n/a": ("tidak ada", "n/a"),
    "state.drifted": ("berubah", "drifted"),
    # blockers
    "blocker.physical.not_started": ("Pekerjaan fisik belum dimulai", "Physical works not started"),
    "blocker.physical.in_progress": (
        "Pekerjaan fisik masih berjalan",
        "Physical works in progress",
    ),
    "blocker.physical.unmarked": (
        "Pekerjaan fisik ditandai belum selesai oleh {by}",
        "Physical works marked not finished by {by}",
    ),
    "blocker.inaugurated.not_done": ("Belum diresmikan", "Not inaugurated yet"),
    "blocker.no_mac": (
        "Alamat MAC belum dicatat untuk {count} perangkat (tanpa reservasi DHCP): {names}",
        "MAC not recorded for {count} device(s) (no DHCP reservation): {names}",
    ),
    "blocker.inaugurated.unmarked": (
        "Tanda peresmian dicabut oleh {by}",
        "Inauguration mark withdrawn by {by}",
    ),
    "blocker.unchecked": ("{component}: belum pernah diperiksa", "{component}: never checked"),
    "blocker.failed": (
        "{component}: {count} pemeriksaan gagal ({names})",
        "{component}: {count} check(s) failed ({names})",
    ),
    "blocker.failed.plain": ("{component}: pemeriksaan gagal", "{component}: checks failed"),
    "blocker.incomplete": (
        "{component}: belum diperiksa: {missing}",
        "{component}: not checked: {missing}",
    ),
    "blocker.drift": (
        "{target} ({component}) berubah sejak diserahkan: {summary}",
        "{target} ({component}) changed since delivery: {summary}",
    ),
    "blocker.stale": (
        "{component}: diperiksa terakhir {age} lalu (batas {limit})",
        "{component}: last checked {age} ago (limit {limit})",
    ),
    "age.days": ("{n} hari", "{n} day(s)"),
    "age.hours": ("{n} jam", "{n} hour(s)"),
    "age.minutes": ("{n} menit", "{n} minute(s)"),
    # status and reports
    "ready": ("Siap", "Ready"),
    "not_ready": ("Belum siap", "Not ready"),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "site": ("Kelurahan", "Kelurahan"),
    "number": ("No.", "No."),
    "kecamatan": ("Kecamatan", "Kecamatan"),
    "wave": ("Gelombang", "Wave"),
    "sites": ("Jumlah kelurahan", "Sites"),
    "ready_count": ("Siap", "Ready"),
    "technical_count": ("Siap diresmikan", "Ready to inaugurate"),
    "inaugurated_count": ("Diresmikan", "Inaugurated"),
    "blockers": ("Hambatan", "Blockers"),
    "no_blockers": ("Tidak ada hambatan", "No blockers"),
    "target": ("Target", "Target"),
    "target.line": (
        "Target {year}: {ready} dari {total} kelurahan siap ({percent}%), batas {deadline}",
        "Target {year}: {ready} of {total} sites ready ({percent}%), due {deadline}",
    ),
    "target.met": ("tercapai", "met"),
    "target.overdue": ("terlambat", "overdue"),
    "target.open": ("berjalan", "open"),
    "report.title": (
        "Laporan Kesiapan Kelurahan Digital Kota {city}",
        "Digital Kelurahan Readiness Report, {city}",
    ),
    "report.generated": ("Dibuat {when} oleh {who}", "Generated {when} by {who}"),
    "report.max_age": (
        "Hasil pemeriksaan lebih tua dari {limit} dianggap kedaluwarsa.",
        "Check results older than {limit} count as stale.",
    ),
    "report.progress": ("Kemajuan per kecamatan", "Progress per kecamatan"),
    "report.chart": ("Kesiapan dari waktu ke waktu", "Readiness over time"),
    "report.chart.ready": ("Kelurahan siap", "Sites ready"),
    "report.chart.technical": ("Siap diresmikan", "Ready to inaugurate"),
    "report.chart.inaugurated": ("Kelurahan diresmikan", "Sites inaugurated"),
    "report.chart.empty": (
        "Belum ada riwayat pemeriksaan.",
        "No check history yet.",
    ),
    "report.history": (
        "Riwayat per kecamatan: pemeriksaan dan perubahan",
        "History per kecamatan: checks and drift",
    ),
    "report.history.note": (
        "Per hari (waktu setempat), dari pemeriksaan kesiapan dan pemantauan yang tercatat: "
        "garis hijau = bagian kelurahan yang diperiksa dengan semua pemeriksaan lulus, "
        "batang merah = kelurahan yang berubah sejak diserahkan.",
        "Per local day, from the recorded readiness checks and watches: green line = share of "
        "the sites checked whose every check passed, red bars = sites that drifted from what "
        "was delivered.",
    ),
    "report.history.empty": (
        "Belum ada pemeriksaan atau pemantauan yang tercatat.",
        "No checks or watches recorded yet.",
    ),
    "report.history.sheet": ("Riwayat per kecamatan", "History per kecamatan"),
    "report.history.last_day": ("Hari terakhir", "Last day"),
    "report.history.checked": ("Diperiksa", "Checked"),
    "report.history.green": ("Semua lulus", "All passed"),
    "report.history.drifted": ("Berubah", "Drifted"),
    "report.history.drift_days": ("Hari dengan perubahan", "Days with drift"),
    "report.history.details": ("Semua angka per hari", "Every figure per day"),
    "report.history.targets": ("Perangkat berubah", "Devices drifted"),
    "date": ("Tanggal", "Date"),
    "report.sites": ("Semua kelurahan", "All sites"),
    "report.blockers": ("Hambatan per kelurahan", "Blockers per site"),
    "report.filter": ("Cari kelurahan atau kecamatan", "Search site or kecamatan"),
    "report.ready_sites": ("Kelurahan siap", "Sites ready"),
    "report.last_check": ("Pemeriksaan terakhir", "Last check"),
    "report.summary": ("Ringkasan", "Summary"),
    # acceptance pack
    "acceptance.title": ("Berita Acara Serah Terima", "Handover Certificate"),
    "acceptance.subtitle": (
        "Perangkat Kelurahan Digital — Kelurahan {site}, Kecamatan {kecamatan}",
        "Digital Kelurahan equipment — Kelurahan {site}, Kecamatan {kecamatan}",
    ),
    "acceptance.intro": (
        "Pada hari ini, {date}, telah diserahterimakan perangkat berikut beserta hasil "
        "pemeriksaannya untuk Kelurahan {site}.",
        "On {date} the following equipment and the results of its checks were handed over "
        "for Kelurahan {site}.",
    ),
    "acceptance.devices": ("Daftar perangkat", "Devices"),
    "acceptance.device": ("Perangkat", "Device"),
    "acceptance.role": ("Fungsi", "Role"),
    "acceptance.model": ("Model", "Model"),
    "acceptance.serial": ("Nomor seri", "Serial number"),
    "acceptance.address": ("Alamat IP", "IP address"),
    "acceptance.fingerprint": ("Sidik konfigurasi", "Configuration fingerprint"),
    "acceptance.model_mismatch": (
        "model terlapor {reported} berbeda dari inventaris",
        "reported model {reported} differs from the inventory",
    ),
    "acceptance.not_reported": ("belum tercatat", "not recorded"),
    "acceptance.readiness": ("Kesiapan", "Readiness"),
    "acceptance.checks": ("Hasil pemeriksaan", "Check results"),
    "acceptance.check": ("Pemeriksaan", "Check"),
    "acceptance.target": ("Sasaran", "Target"),
    "acceptance.result": ("Hasil", "Result"),
    "acceptance.time": ("Waktu", "Time"),
    "acceptance.by": ("Oleh", "By"),
    "acceptance.run": ("Proses", "Run"),
    "acceptance.pass": ("LULUS", "PASS"),
    "acceptance.fail": ("GAGAL", "FAIL"),
    "acceptance.no_checks": ("Belum ada hasil pemeriksaan.", "No check results yet."),
    "acceptance.marks": ("Catatan manual", "Manual records"),
    "acceptance.signatures": ("Tanda tangan", "Signatures"),
    "acceptance.handed_by": ("Yang menyerahkan", "Handed over by"),
    "acceptance.received_by": ("Yang menerima", "Received by"),
    "acceptance.witness": ("Mengetahui", "Acknowledged by"),
    "acceptance.government": ("Pemerintah Kota {city}", "City Government of {city}"),
    "acceptance.office": (
        "Dinas Komunikasi dan Informatika",
        "Communication and Informatics Office (Diskominfo)",
    ),
    "acceptance.party.diskominfo": ("Diskominfo Kota {city}", "Diskominfo, {city}"),
    "acceptance.party.lurah": ("Lurah {site}", "Lurah of {site}"),
    "acceptance.party.camat": ("Camat {kecamatan}", "Camat of {kecamatan}"),
    "acceptance.name_nip": ("Nama / NIP", "Name / NIP"),
    "acceptance.not_ready_warning": (
        "Perhatian: kelurahan ini belum siap. {blockers}",
        "Warning: this site is not ready. {blockers}",
    ),
    "history.mark": ("{component} ditandai selesai", "{component} marked done"),
    "history.unmark": ("{component} dibatalkan", "{component} unmarked"),
}

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def check_language(lang: str) -> str:
    from digikel.errors import InputError

    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang!r}: expected one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message `key` in `lang`, with {placeholders} filled in."""
    text = MESSAGES[key][LANGUAGES.index(lang)]
    return text.format(**params) if params else text


def component_label(component: str, lang: str) -> str:
    return t(f"component.{component}", lang)


def state_label(state: str, lang: str, component: str | None = None) -> str:
    from digikel.readiness.components import MANUAL_COMPONENTS

    if state == "ok" and component in MANUAL_COMPONENTS:
        return t("state.ok.manual", lang)
    return t(f"state.{state}", lang)


def long_date(day: dt.date, lang: str) -> str:
    """'29 November 2026' (Indonesian month names in Indonesian)."""
    if lang == "id":
        return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"
    return f"{day.day} {day.strftime('%B')} {day.year}"


def long_day(day: dt.date, lang: str) -> str:
    """'Minggu, 29 November 2026' for the handover certificate."""
    weekday = WEEKDAYS_ID[day.weekday()] if lang == "id" else day.strftime("%A")
    return f"{weekday}, {long_date(day, lang)}"


def age_text(age: dt.timedelta, lang: str) -> str:
    seconds = age.total_seconds()
    if seconds >= 86400:
        return t("age.days", lang, n=int(seconds // 86400))
    if seconds >= 3600:
        return t("age.hours", lang, n=int(seconds // 3600))
    return t("age.minutes", lang, n=max(0, int(seconds // 60)))
