"""Where the store lives and how old a check may be: environment, then config file, then defaults.

The config file is TOML, `DIGIKEL_CONFIG` or `<user config dir>/digikel/config.toml`:

    [store]
    url = "postgresql+psycopg://digikel@db.diskominfo.lan/digikel"

    [readiness]
    max_age_days = 7
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digikel.errors import InputError

APP_NAME = "digikel"
DEFAULT_MAX_AGE_DAYS = 7.0
MAX_AGE_DAYS = 3653  # ten years, as --max-age (digikel.readiness.evaluate.MAX_AGE)


def config_path() -> Path:
    env = os.environ.get("DIGIKEL_CONFIG")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "digikel.db"


@dataclass(frozen=True)
class Settings:
    db_url: str
    max_age_days: float
    source: str  # where db_url came from: "DIGIKEL_DB_URL", the config file, or "default"


def _read_config(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise InputError(f"{path}: the config file is a directory; expected a TOML file")
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: byte {exc.start} is not UTF-8; expected a TOML file (UTF-8 text)"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"{path}: cannot read the config file: {reason} (expected TOML)") from None


def _section(config: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = config.get(name, {})
    if not isinstance(value, dict):
        raise InputError(f"{path}: [{name}]: expected a table")
    return value


def load_settings() -> Settings:
    """The effective settings; a bad config file is bad input (exit 2), never a traceback."""
    path = config_path()
    config = _read_config(path)
    store = _section(config, "store", path)
    readiness = _section(config, "readiness", path)

    url_env = os.environ.get("DIGIKEL_DB_URL")
    if url_env:
        url, source = url_env, "DIGIKEL_DB_URL"
    elif "url" in store:
        if not isinstance(store["url"], str) or not store["url"]:
            raise InputError(f"{path}: store.url: expected an SQLAlchemy URL string")
        url, source = store["url"], str(path)
    else:
        url, source = f"sqlite:///{default_db_path()}", "default"

    max_age = readiness.get("max_age_days", DEFAULT_MAX_AGE_DAYS)
    if (
        isinstance(max_age, bool)
        or not isinstance(max_age, int | float)
        or not 0 < max_age <= MAX_AGE_DAYS  # also false for nan; inf is above the bound
    ):
        raise InputError(
            f"{path}: readiness.max_age_days: expected a positive number of days, "
            f"at most {MAX_AGE_DAYS}"
        )
    return Settings(db_url=url, max_age_days=float(max_age), source=source)
