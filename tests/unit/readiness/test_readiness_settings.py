"""Where the store lives and how old checks may be: environment, then config file, then defaults."""

from __future__ import annotations

import pytest

from digikel.errors import InputError
from digikel.store.settings import load_settings


@pytest.fixture
def clean(monkeypatch, tmp_path):
    monkeypatch.delenv("DIGIKEL_DB_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DIGIKEL_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path / "config.toml"


def test_default_is_sqlite_in_the_per_user_data_dir(clean, tmp_path):
    settings = load_settings()
    assert settings.db_url == f"sqlite:///{tmp_path / 'data' / 'digikel' / 'digikel.db'}"
    assert (settings.source, settings.max_age_days) == ("default", 7.0)


def test_config_file_then_environment(clean, monkeypatch):
    clean.write_text(
        '[store]\nurl = "postgresql+psycopg://office/digikel"\n[readiness]\nmax_age_days = 3\n'
    )
    settings = load_settings()
    assert (settings.db_url, settings.source, settings.max_age_days) == (
        "postgresql+psycopg://office/digikel",
        str(clean),
        3.0,
    )
    monkeypatch.setenv("DIGIKEL_DB_URL", "sqlite:////tmp/elsewhere.db")
    assert load_settings().db_url == "sqlite:////tmp/elsewhere.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[store\n", "expected TOML"),
        ("store = 3\n", "[store]: expected a table"),
        ("[store]\nurl = 5\n", "store.url: expected an SQLAlchemy URL"),
        ("[readiness]\nmax_age_days = -1\n", "readiness.max_age_days"),
    ],
)
def test_a_bad_config_file_names_the_file_and_the_place(clean, text, message):
    clean.write_text(text)
    with pytest.raises(InputError, match=r"config\.toml") as raised:
        load_settings()
    assert message in str(raised.value)
