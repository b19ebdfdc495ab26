# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the requested formats and write them, touching only files whose content changed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.html import to_html
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.json_report import (
    report_to_dict,
    to_json,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.junit import to_junit
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    RecoveryReport,
)

FILE_NAMES = {"json": "report.json", "junit": "report.junit.xml", "html": "report.html"}
FORMATS = tuple(FILE_NAMES)
_RENDERERS: dict[str, Callable[[RecoveryReport], str]] = {
    "json": to_json,
    "junit": to_junit,
    "html": to_html,
}
# Reports are CI artifacts meant to be read by others; nothing in them is secret.
FILE_MODE = 0o644
# Measured times differ on every run: a report that differs only in them is the
# same report (a healthy rerun is not a change), but the files show the last run.
TIMING_KEYS = frozenset(
    {
        "generated_at",
        "headline",
        "elapsed",
        "progress",
        "latency_ms",
        "time_to_full_recovery",
        "sites_back_at_full_recovery",
        "timeline",
    }
)
# "Seen for the first time" and "nothing happened" both report no outage.
_NO_OUTAGE = {"first_seen": "none"}


@dataclass(frozen=True)
class WriteOutcome:
    files: dict[str, str]
    changed_files: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changed_files)


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return None


def substance(data: Any) -> Any:
    """report.json's content without the measured times."""
    if isinstance(data, dict):
        kept = {k: substance(v) for k, v in data.items() if k not in TIMING_KEYS}
        if isinstance(kept.get("event"), str):
            kept["event"] = _NO_OUTAGE.get(kept["event"], kept["event"])
        if isinstance(kept.get("events"), list):  # one per attempt of the role
            kept["events"] = [_NO_OUTAGE.get(e, e) for e in kept["events"]]
        return kept
    if isinstance(data, list):
        return [substance(v) for v in data]
    return data


def _same_substance(report: RecoveryReport, directory: Path) -> bool:
    previous = _current(directory / FILE_NAMES["json"])
    if previous is None:
        return False
    try:
        before = json.loads(previous)
    except ValueError:
        return False
    # Through JSON, so that tuples and lists compare alike.
    now = json.loads(json.dumps(report_to_dict(report)))
    return bool(substance(before) == substance(now))


def write_report(
    report: RecoveryReport,
    dest: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    check_mode: bool = False,
) -> WriteOutcome:
    """Write each format to ``dest``; in check mode, only say which files would change.

    A file counts as changed when its content does, except that with report.json
    among the formats a report differing from the last one only in measured times
    (TIMING_KEYS) is rewritten without counting as a change."""
    directory = Path(dest)
    files: dict[str, str] = {}
    changed: list[str] = []
    only_timings = "json" in formats and _same_substance(report, directory)
    for fmt in dict.fromkeys(formats):
        path = directory / FILE_NAMES[fmt]
        text = _RENDERERS[fmt](report)
        files[fmt] = str(path)
        current = _current(path)
        if current == text and (path.stat().st_mode & 0o777) == FILE_MODE:
            continue
        if not (only_timings and current is not None and path.stat().st_mode & 0o777 == FILE_MODE):
            changed.append(str(path))
        if not check_mode:
            atomic_write_text(path, text, mode=FILE_MODE)
    return WriteOutcome(files=files, changed_files=tuple(changed))
