"""Errors that the CLI turns into exit codes and clear messages (never tracebacks)."""

from __future__ import annotations

from dataclasses import dataclass


class DigikelError(Exception):
    """A failure the operator should read about; exit code 1."""

    exit_code = 1


class InputError(DigikelError):
    """Bad input from the operator or an inventory file; exit code 2."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inventory: where it is and what was expected."""

    file: str
    place: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.place:
            where = f"{where}: {self.place}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "place": self.place, "message": self.message}


class InventoryError(InputError):
    """The inventory does not validate; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the inventory has {count} {noun}:\n{lines}")


class VaultError(InputError):
    """The vault cannot be opened (missing password, wrong password, unreadable file)."""
