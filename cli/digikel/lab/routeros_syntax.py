"""RouterOS command-line syntax as the simulated devices read it: tokens with their columns.

RouterOS accepts `key=value`, `key="quoted value"` with backslash escapes, bracketed sub-commands
(`[ find name=x ]`) and `;` between commands. The export writes values back quoted the same way, so
whatever a template sends survives a round trip through `/export` and `/import`.

Quoted strings, quoting and line continuation are the product's (network.routeros_config); the
tokenizer is the simulator's own, for the reasons lab/__init__.py gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digikel.network.routeros_config import ParseError, join_continuations, read_quoted
from digikel.network.routeros_config import quote as command_quote

__all__ = [
    "SyntaxProblem",
    "Token",
    "join_continuations",
    "quote",
    "split_commands",
    "tokenize",
    "wrap",
]

# Characters RouterOS leaves unquoted in exports; anything else makes the value quoted.
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9._:/@+\-,*%^&<>|~!]+$")


class SyntaxProblem(Exception):
    """A line RouterOS would refuse; `column` is 1-based as in RouterOS's messages."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Token:
    text: str  # unescaped text; for brackets the inner expression
    column: int  # 1-based position in the line
    kind: str = "word"  # word | bracket
    key: str | None = None  # for key=value words
    value: str | None = None
    op: str = "="  # "=" or "~" (regex match in find expressions)


def split_commands(line: str) -> list[tuple[str, int]]:
    """Split a line at top-level `;` (outside quotes and brackets): [(command, start column)]."""
    parts: list[tuple[str, int]] = []
    depth, quoted, escaped, start = 0, False, False, 0
    for pos, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and char == ";":
            parts.append((line[start:pos], start + 1))
            start = pos + 1
    parts.append((line[start:], start + 1))
    return [(text, col) for text, col in parts if text.strip()]


def _read_quoted(line: str, pos: int) -> tuple[str, int]:
    """Read a quoted string starting after the opening quote; return (text, index after quote)."""
    try:
        return read_quoted(line, pos)
    except ParseError:
        raise SyntaxProblem("unterminated quote", len(line) + 1) from None


def tokenize(line: str, offset: int = 0) -> list[Token]:
    """Tokens of one command (no top-level `;`). `offset` shifts columns for split lines."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(line):
        char = line[pos]
        if char in " \t":
            pos += 1
            continue
        column = pos + 1 + offset
        if char == "[":
            depth, end, quoted = 1, pos + 1, False
            while end < len(line) and depth:
                if line[end] == "\\" and quoted:
                    end += 2
                    continue
                if line[end] == '"':
                    quoted = not quoted
                elif not quoted and line[end] == "[":
                    depth += 1
                elif not quoted and line[end] == "]":
                    depth -= 1
                end += 1
            if depth:
                raise SyntaxProblem("missing ]", column)
            tokens.append(Token(line[pos + 1 : end - 1].strip(), column, "bracket"))
            pos = end
            continue
        if char == '"':
            text, pos = _read_quoted(line, pos + 1)
            tokens.append(Token(text, column))
            continue
        start = pos
        while pos < len(line) and line[pos] not in ' \t=~"[':
            pos += 1
        word = line[start:pos]
        if pos < len(line) and line[pos] in "=~" and word:
            op = line[pos]
            pos += 1
            if pos < len(line) and line[pos] == '"':
                value, pos = _read_quoted(line, pos + 1)
            elif pos < len(line) and line[pos] == "[":
                raise SyntaxProblem("expected end of command", pos + 1 + offset)
            else:
                vstart = pos
                while pos < len(line) and line[pos] not in " \t":
                    pos += 1
                value = line[vstart:pos]
            tokens.append(Token(f"{word}{op}{value}", column, "word", word, value, op))
            continue
        if not word:
            raise SyntaxProblem("expected end of command", column)
        tokens.append(Token(word, column))
    return tokens


def quote(value: str) -> str:
    """A value as RouterOS writes it in exports: bare when safe (more characters are than digikel
    leaves bare when it sends a command), otherwise quoted and escaped."""
    return command_quote(value, bare=_PLAIN_VALUE)


EXPORT_WIDTH = 79  # no exported line, its ` \\` included, is longer (real 7.x exports)


def wrap(words: list[str], width: int = EXPORT_WIDTH) -> str:
    """Join words into an export line, wrapped as RouterOS 7 does (measured on real exports):
    a line, its trailing ` \\` included, never exceeds `width`; a `key=value` that does not fit
    goes whole onto the next line (4 spaces in), unless `key=` still fits: then the line ends
    `key=\\` and the value starts the next line. A value longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        last = index == len(words) - 1
        room = width if last else width - 2  # the last word needs no room for " \\"
        joined = f"{current} {word}" if current else word
        if not current or len(joined) <= room:
            current = joined
            continue
        key, eq, value = word.partition("=")
        head = f"{current} {key}="
        if eq and value and len(head) + 1 <= width:
            lines.append(head + "\\")
            current = "    " + value
        else:
            lines.append(current + " \\")
            current = "    " + word
    while len(current) > width:
        lines.append(current[: width - 1] + "\\")
        rest = current[width - 1 :]
        current = "    " + rest
    lines.append(current)
    return "\n".join(lines)
