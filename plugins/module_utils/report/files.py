# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the requested formats and write them, touching only files whose content changed."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.html import to_html
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.json_report import (
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


def write_report(
    report: RecoveryReport,
    dest: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    check_mode: bool = False,
) -> WriteOutcome:
    """Write each format to ``dest``; in check mode, only say which files would change."""
    directory = Path(dest)
    files: dict[str, str] = {}
    changed: list[str] = []
    for fmt in dict.fromkeys(formats):
        path = directory / FILE_NAMES[fmt]
        text = _RENDERERS[fmt](report)
        files[fmt] = str(path)
        if _current(path) == text and (path.stat().st_mode & 0o777) == FILE_MODE:
            continue
        changed.append(str(path))
        if not check_mode:
            atomic_write_text(path, text, mode=FILE_MODE)
    return WriteOutcome(files=files, changed_files=tuple(changed))
