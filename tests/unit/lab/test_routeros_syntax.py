"""RouterOS tokens, quoting and continuation lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digikel.lab.routeros_syntax import (
    SyntaxProblem,
    join_continuations,
    quote,
    split_commands,
    tokenize,
    wrap,
)


def test_tokens_keep_keys_values_columns_and_brackets():
    tokens = tokenize('set [ find name="a b" ] comment="x \\"y\\"" disabled=yes !mtu')
    assert [t.text for t in tokens][:2] == ["set", 'find name="a b"']
    assert tokens[1].kind == "bracket" and tokens[1].column == 5
    assert (tokens[2].key, tokens[2].value) == ("comment", 'x "y"')
    assert (tokens[3].key, tokens[3].value, tokens[3].column) == ("disabled", "yes", 43)
    assert tokens[4].text == "!mtu" and tokens[4].key is None


def test_empty_value_and_unterminated_quote():
    assert tokenize('comment=""')[0].value == ""
    with pytest.raises(SyntaxProblem):
        tokenize('comment="open')
    with pytest.raises(SyntaxProblem, match="missing"):
        tokenize("set [ find name=x")


def test_split_commands_ignores_semicolons_in_quotes_and_brackets():
    parts = split_commands(
        '/ip address add address=1.1.1.1/32 comment="a;b"; /system identity print'
    )
    assert [p[0].strip() for p in parts] == [
        '/ip address add address=1.1.1.1/32 comment="a;b"',
        "/system identity print",
    ]
    assert parts[1][1] == 50


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_quoted_values_round_trip(value):
    token = tokenize(f"comment={quote(value)}")[0]
    assert token.value == value


def test_plain_values_stay_bare_and_others_are_quoted():
    assert quote("10.81.0.1/24") == "10.81.0.1/24"
    assert quote("2M/5M") == "2M/5M"
    assert quote("a b") == '"a b"'
    assert quote("") == '""'
    assert quote("$x?") == '"\\$x\\?"'


def test_wrapped_export_lines_join_back():
    words = ["add", *(f"key{i}=value-number-{i}" for i in range(12))]
    text = wrap(words)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.splitlines()[1].startswith("    ")
    assert join_continuations(text) == [" ".join(words)]
