# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed reads from the loosely typed result dicts of the other modules.

Results travel through Ansible variables, so numbers may arrive as strings and
optional parts as None; a wrong shape is reported with the path of the field
(``reregister.progress[3]``) instead of a traceback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

# C0/C1 controls (except tab/newline) would corrupt terminals and are invalid in XML 1.0.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class ReportInputError(ValueError):
    """A result part does not have the documented shape."""


def clean_text(value: object) -> str:
    """Text safe for a terminal line and for XML 1.0 (controls become U+FFFD)."""
    return _CONTROL.sub("\ufffd", str(value))


def get_mapping(data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportInputError(f"{path}.{key}: expected a mapping, got {type(value).__name__}")
    return value


def get_str(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (Mapping, list, tuple)):
        raise ReportInputError(f"{path}.{key}: expected a string, got {type(value).__name__}")
    return clean_text(value)


def to_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ReportInputError(f"{where}: expected an integer, got a boolean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReportInputError(f"{where}: expected an integer, got {value!r}") from None
    if not math.isfinite(number) or number != int(number):
        raise ReportInputError(f"{where}: expected an integer, got {value!r}")
    return int(number)


def to_float(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ReportInputError(f"{where}: expected a number, got a boolean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReportInputError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ReportInputError(f"{where}: expected a finite number, got {value!r}")
    return number


def get_int(data: Mapping[str, Any], key: str, path: str) -> int | None:
    value = data.get(key)
    return None if value is None else to_int(value, f"{path}.{key}")


def get_float(data: Mapping[str, Any], key: str, path: str) -> float | None:
    value = data.get(key)
    return None if value is None else to_float(value, f"{path}.{key}")


def get_bool(data: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ReportInputError(f"{path}.{key}: expected a boolean, got {value!r}")


def get_list(data: Mapping[str, Any], key: str, path: str) -> Sequence[Any]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ReportInputError(f"{path}.{key}: expected a list, got {type(value).__name__}")
    return value


def get_str_list(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    return tuple(describe_item(item) for item in get_list(data, key, path))


def describe_item(item: Any) -> str:
    """One line for an EID/site entry that may be a plain string or a small dict.

    Only known keys are used, so nothing unexpected in the inputs reaches a report.
    """
    if not isinstance(item, Mapping):
        return clean_text(item)
    parts = [clean_text(item[k]) for k in ("eid", "site", "etr") if item.get(k) is not None]
    labels = (
        ("rlocs", "rlocs"),
        ("registered_rlocs", "registered"),
        ("expected_rlocs", "expected"),
    )
    for key, label in labels:
        values = item.get(key)
        if isinstance(values, (list, tuple)):
            parts.append(f"{label} {','.join(clean_text(v) for v in values) or '-'}")
    return " ".join(parts) or "?"
