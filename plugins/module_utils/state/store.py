# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state file: one JSON document per Map-Server, shared by its units.

The units of a pair are usually checked by parallel forks, so a
read-modify-write happens under an exclusive lock on a side file (the data
file itself is replaced by rename, which would orphan a lock held on it).
Readers need no lock: atomic_write_text never leaves a torn file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.records import (
    StateDocument,
    StateFormatError,
)

DEFAULT_STATE_DIR = "~/.cache/lispnet_ms_recovery"
LOCK_TIMEOUT = 30.0
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def default_state_file(map_server: str) -> str:
    return os.path.join(
        os.path.expanduser(DEFAULT_STATE_DIR), _UNSAFE.sub("_", map_server) + ".json"
    )


@dataclass(frozen=True)
class Update:
    """The outcome of one read-modify-write."""

    before: StateDocument | None
    after: StateDocument
    changed: bool
    warning: str | None = None


class StateStore:
    def __init__(self, path: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout

    def read(self) -> tuple[str | None, StateDocument | None, str | None]:
        """(text, document, warning). A damaged file is reported and treated as
        absent: refusing to run would block reboot detection until someone
        deletes it by hand."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None, None
        try:
            return text, StateDocument.parse(text), None
        except StateFormatError as exc:
            return text, None, f"ignored the unreadable state file {self.path}: {exc}"

    def update(
        self, change: Callable[[StateDocument | None], StateDocument], check_mode: bool
    ) -> Update:
        """Apply ``change`` to the stored document; write only when the text
        differs. In check mode nothing is created or written."""
        if check_mode:
            return self._apply(change, write=False)
        with self._locked():
            return self._apply(change, write=True)

    def _apply(
        self, change: Callable[[StateDocument | None], StateDocument], write: bool
    ) -> Update:
        old_text, before, warning = self.read()
        after = change(before)
        new_text = after.render()
        changed = new_text != old_text
        if changed and write:
            atomic_write_text(self.path, new_text)
        return Update(before, after, changed, warning)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"the state file {self.path} stayed locked for"
                            f" {self.lock_timeout:g} s ({self.lock_path})"
                        ) from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # closing releases the lock
