# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the EID inventory reports what is wrong with it.

The loader never stops at the first problem: an operator restoring a Map-Server
after a reboot wants the whole list at once, each with file, line and field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an inventory. ``line`` is 1-based; 0 means unknown
    (an inventory built in code rather than read from a file)."""

    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class InventoryError(ValueError):
    """Raised with every problem found, one per line in ``str()``."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownNameError(KeyError):
    """A site or map-server name that the inventory does not have.

    A KeyError so that dict-like callers can catch it, but with a readable
    ``str()`` (KeyError would otherwise print the repr of its argument).
    """

    def __init__(self, kind: str, unknown: Iterable[str], known: Iterable[str]) -> None:
        self.kind = kind
        self.unknown: list[str] = list(unknown)
        known_list = sorted(known)
        parts = []
        for name in self.unknown:
            hint = suggest(name, known_list)
            parts.append(f"{name!r}{f' (did you mean {hint!r}?)' if hint else ''}")
        self.message = f"unknown {kind}{'s' if len(parts) != 1 else ''}: {', '.join(parts)}; " + (
            describe_choices(known_list) if known_list else f"the inventory has no {kind}s"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The closest known name, if one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def describe_choices(known: list[str], limit: int = 10) -> str:
    """``known: a, b, c`` - cut short for an inventory with thousands of sites."""
    shown = ", ".join(known[:limit])
    more = f" and {len(known) - limit} more" if len(known) > limit else ""
    return f"known: {shown}{more}"
