# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The validated EID inventory, kept between tasks and runs, encrypted (controller side).

Every task of the recovery role takes the EID inventory, and each task's
action plugin runs in a fresh worker process: without a cache, every task
composed and validated the YAML again (~3 s of CPU at 10,000 sites).
Here the first reader validates it and stores the result (the module
handover, handover.py); later readers with the same file content take that
instead (~0.1 s at 10,000 sites).

Safe to keep on disk:

- Keyed by content: the entry's name and its AES-256-GCM key are derived
  (SHA-256, different labels) from the file's text (after whole-file Vault
  decryption), its path and the validator's own code. A changed file, or a
  changed collection, finds no entry and is validated again; nothing has to
  be invalidated by hand, and mtime is not trusted.
- Keys never in clear on disk: the entry is encrypted with a key only the
  plaintext of the inventory yields. Whoever can decrypt an entry could read
  the inventory file (or has its vault secret) anyway.
- Not cached: files with inline ``!vault`` values, whose text on disk does not
  hold the keys (the vault secret does); deriving the entry's key from that
  text would let a reader of the file open the keys without the vault secret.
  Use a whole-file vault (ansible-vault encrypt eids.yml) at scale.
- The directory is mode 0700, entries 0600, written atomically; an entry that
  does not decrypt (tampered, truncated) is a miss. The newest MAX_ENTRIES stay.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    checks,
    handover,
    key_advice,
    loader,
    model,
    yaml_events,
    yaml_nodes,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
    inventory_from_handover,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.key_advice import (
    key_warnings,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.loader import (
    decrypt_file,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.yaml_nodes import (
    VAULT_HEADER,
    VAULT_TAG,
    Decrypt,
)

# Where entries live; empty or "off" turns the cache off.
CACHE_DIR_ENV = "LISPNET_MS_RECOVERY_CACHE_DIR"
DEFAULT_CACHE_DIR = "~/.cache/lispnet_ms_recovery/eid_inventory"
MAX_ENTRIES = 8
# How long a process waits for another one validating the same content.
WRITER_WAIT_S = 120.0
_NONCE_BYTES = 12
_VALIDATOR_MODULES = (checks, handover, key_advice, loader, model, yaml_events, yaml_nodes)
_validator_digest: bytes | None = None


def cache_dir() -> Path | None:
    value = os.environ.get(CACHE_DIR_ENV, DEFAULT_CACHE_DIR)
    if not value or value.lower() == "off":
        return None
    return Path(os.path.expanduser(value))


@dataclass(frozen=True)
class Validated:
    """A valid inventory as the action plugin hands it over, and its advice."""

    handover: str  # handover.py's JSON (keys in clear: never logged, never stored so)
    warnings: list[str]  # key_advice.py's, naming sites only

    def encode(self) -> bytes:
        # The handover is one line of compact JSON: the warnings go on a line before it.
        return (json.dumps(self.warnings) + "\n" + self.handover).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> Validated:
        warnings, _newline, handover = data.decode("utf-8").partition("\n")
        return cls(handover, list(json.loads(warnings)))


def validated_inventory(path: str, decrypt: Decrypt | None = None) -> Validated:
    """The valid inventory at ``path`` as a module handover (handover.py).

    Raises InventoryError (every problem) for an invalid one, OSError or
    UnicodeDecodeError when it cannot be read; nothing is cached then.
    """
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if text.lstrip().startswith(VAULT_HEADER):
        text = decrypt_file(text, path, decrypt)
    directory = cache_dir()
    entry = None if directory is None or VAULT_TAG in text else _Entry(directory, path, text)
    if entry is None:
        return _validate(text, path, decrypt)
    cached = entry.read()
    if cached is not None:
        return cached
    # Parallel forks all start on a miss: one validates, the others wait for
    # its entry instead of each validating (at 10,000 sites and 20 forks: 20 x
    # ~3 s of CPU and ~100 MB at once).
    with entry.writer():
        cached = entry.read()
        if cached is not None:
            return cached
        result = _validate(text, path, decrypt)
        entry.write(result)
        return result


def _validate(text: str, path: str, decrypt: Decrypt | None) -> Validated:
    inventory = parse_inventory(text, path, decrypt)
    return Validated(handover_text(inventory), key_warnings(inventory))


def load_validated(path: str, decrypt: Decrypt | None = None) -> EidInventory:
    """``load_inventory``, through the cache."""
    return inventory_from_handover(validated_inventory(path, decrypt).handover, path)


def _validator() -> bytes:
    """A digest of the code that validates: another version validates anew."""
    global _validator_digest
    if _validator_digest is None:
        digest = hashlib.sha256()
        for module in _VALIDATOR_MODULES:
            digest.update(Path(str(module.__file__)).read_bytes())
        _validator_digest = digest.digest()
    return _validator_digest


class _Entry:
    def __init__(self, directory: Path, path: str, text: str) -> None:
        content = hashlib.sha256()
        for part in (_validator(), os.path.abspath(path).encode(), text.encode("utf-8")):
            content.update(len(part).to_bytes(8, "big") + part)
        seed = content.digest()
        self.directory = directory
        self.name = hashlib.sha256(b"lispnet eid-inventory cache name\0" + seed).hexdigest()[:40]
        self.key = hashlib.sha256(b"lispnet eid-inventory cache key\0" + seed).digest()
        self.file = directory / self.name

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """Held by the one process validating this entry; bounded, best effort."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.directory / f".{self.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            deadline = time.monotonic() + WRITER_WAIT_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break  # validate without it rather than wait forever
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # releases the lock

    def read(self) -> Validated | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            blob = self.file.read_bytes()
        except OSError:
            return None
        try:
            plain = AESGCM(self.key).decrypt(
                blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], self.name.encode()
            )
            return Validated.decode(plain)
        except (InvalidTag, ValueError):
            return None

    def write(self, validated: Validated) -> None:
        """Best effort: a cache that cannot be written only costs time."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE_BYTES)
        blob = nonce + AESGCM(self.key).encrypt(nonce, validated.encode(), self.name.encode())
        with contextlib.suppress(OSError):
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            tmp = self.directory / f".{self.name}.{os.getpid()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, self.file)
            self._prune()

    def _prune(self) -> None:
        entries = sorted(
            (p for p in self.directory.iterdir() if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in entries[MAX_ENTRIES:]:
            with contextlib.suppress(OSError):
                old.unlink()
            with contextlib.suppress(OSError):
                (self.directory / f".{old.name}.lock").unlink()
