# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One recovery at a time per Map-Server, on this controller.

Two recoveries started together after a reboot (an operator and an EDA
rulebook, two terminals) would both read an empty table and both notify every
site. Holding an exclusive lock from the table read until the table is whole
makes the second run wait, then read a whole table and send nothing.

The lock is ``flock`` on a side file: the kernel releases it when the holder
exits, also on SIGKILL, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_LOCK_DIR = "~/.cache/lispnet_ms_recovery"
POLL_INTERVAL = 0.05
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class RunLockTimeout(TimeoutError):
    """Another run held the lock for longer than the caller would wait."""


def default_lock_file(map_server: str, lisp_address: str) -> str:
    """``~/.cache/lispnet_ms_recovery/<map_server>-<address>.reregister.lock``.

    The LISP address is part of the name so that two unrelated Map-Servers that
    happen to share a name in different inventories (two labs) do not wait on
    each other.
    """
    name = _UNSAFE.sub("_", f"{map_server}-{lisp_address}") + ".reregister.lock"
    return os.path.join(os.path.expanduser(DEFAULT_LOCK_DIR), name)


@contextmanager
def run_lock(path: str | os.PathLike[str], timeout: float) -> Iterator[float]:
    """Hold the exclusive lock on ``path`` for the block; yields the seconds waited.

    Waits at most ``timeout`` seconds, then raises :class:`RunLockTimeout`
    naming the file.
    """
    lock_path = Path(path)
    lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() - started >= timeout:
                    raise RunLockTimeout(
                        f"another recovery of this Map-Server held the lock {lock_path}"
                        f" for more than {timeout:g} s (lock_timeout)"
                    ) from None
                time.sleep(POLL_INTERVAL)
        yield time.monotonic() - started
    finally:
        os.close(fd)  # closing the descriptor releases the lock
