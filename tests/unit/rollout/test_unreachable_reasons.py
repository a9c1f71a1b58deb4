"""Why endpoints were unreachable, told in the site's one-line result (ssh's words, grouped)."""

from __future__ import annotations

from digikel.rollout.endpoints import _host_key_refusals

REFUSED = "Failed to connect to the host via ssh: ssh: connect to host 127.67.25.11 port 2200: "
CHANGED = (
    "Failed to connect to the host via ssh: "
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "Host key verification failed."
)


def test_each_reason_is_named_with_its_hosts(inv) -> None:
    said = _host_key_refusals(
        {
            "sungai-keledang-pc02": REFUSED + "Connection refused",
            "sungai-keledang-pc01": REFUSED + "Connection refused",
            "sungai-keledang-dsp01": CHANGED,
            "sungai-keledang-pc03": "Failed to connect to the host via ssh: Warning: Permanently"
            " added '[127.67.25.13]:2200'\nadmin@127.67.25.13: Permission denied (publickey).",
            "sungai-keledang-pc04": "Host key verification failed.",
        },
        inv,
    )
    assert said[0].startswith("sungai-keledang-dsp01: its SSH host key CHANGED")
    assert said[1].startswith("sungai-keledang-pc04: its SSH host key is not pinned")
    assert said[2:] == [
        "unreachable sungai-keledang-pc01, sungai-keledang-pc02: " + REFUSED + "Connection refused",
        "unreachable sungai-keledang-pc03: admin@127.67.25.13: Permission denied (publickey).",
    ]


def test_a_long_or_empty_reason_stays_one_short_line(inv) -> None:
    said = _host_key_refusals({"a": "x" * 500, "b": ""}, inv)
    assert said == ["unreachable a: " + "x" * 197 + "...", "unreachable b: no reason given"]
