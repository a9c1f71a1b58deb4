"""--notify without a lab: where the URL comes from, what is named once, what a failed post does."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from digikel.errors import DigikelError, InputError
from digikel.watch.notify import post, webhook_url


def test_the_webhook_comes_from_the_config_file(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[watch]\nwebhook_url = "https://chat.diskominfo.lan/hooks/abc"\n')
    monkeypatch.setenv("DIGIKEL_CONFIG", str(config))
    assert webhook_url() == "https://chat.diskominfo.lan/hooks/abc"
    assert webhook_url("http://127.0.0.1:9/x") == "http://127.0.0.1:9/x"  # --webhook wins


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no webhook; set \\[watch\\] webhook_url"),
        ('[watch]\nwebhook_url = "file:///etc/passwd"\n', "expected an http:// or https:// URL"),
        ('[watch]\nwebhook_url = "https://"\n', "no host"),
        ("[watch\n", "cannot read the config file"),
    ],
)
def test_a_bad_or_missing_webhook_is_bad_input(tmp_path: Path, monkeypatch, text, message) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("DIGIKEL_CONFIG", str(config))
    with pytest.raises(InputError, match=message):
        webhook_url()


def test_a_state_is_named_once_until_it_changes(tmp_path: Path) -> None:
    from digikel.store import open_store
    from digikel.watch.notify import _changes

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        now = {"a": "drift", "b": "siap"}
        assert _changes(store, now) == [("a", None, "drift"), ("b", None, "siap")]
        store.mark_notified(now)
        assert _changes(store, now) == []
        assert _changes(store, {"a": "siap", "b": "siap"}) == [("a", "drift", "siap")]
        # A site this pass did not watch keeps what was named for it.
        store.mark_notified({"a": "siap"})
        assert _changes(store, {"b": "siap"}) == []


def test_a_post_nobody_answers_is_an_error_naming_the_host_only() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens
    with pytest.raises(DigikelError, match=f"webhook http://127.0.0.1:{port}/hook: ") as info:
        post(f"http://user:token@127.0.0.1:{port}/hook?key=secret", {"text": "x"}, timeout=5)
    assert "token" not in str(info.value) and "secret" not in str(info.value)
