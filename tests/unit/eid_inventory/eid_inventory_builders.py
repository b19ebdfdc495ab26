"""Shared builders for the EID inventory tests: a small valid inventory as a
plain dict that each test bends into the shape it needs."""

from __future__ import annotations

import copy
from typing import Any

import yaml

# Every test inventory uses this key, so a leak of it anywhere is detectable.
KEY = "Zq9-sup3r-s3cret-key"


def site(name: str, site_id: int, prefix: str, rloc: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "site_id": site_id,
        "map_server": "ms1",
        "key_id": 0,
        "algorithm": "hmac-sha-256",
        "key": KEY,
        "etrs": [{"name": f"{name}-etr1", "rloc": rloc, "netconf": {"host": rloc, "port": 8830}}],
        "eids": [{"prefix": prefix}],
        **extra,
    }


BASE: dict[str, Any] = {
    "map_servers": [
        {
            "name": "ms1",
            "lisp_address": "127.100.0.1",
            "units": [
                {"name": "ms1-a", "netconf": {"host": "127.100.0.2", "port": 8830}},
                {"name": "ms1-b", "netconf": {"host": "127.100.0.3"}},
            ],
        },
        {
            "name": "ms2",
            "lisp_address": "::1",
            "units": [{"name": "ms2-a", "netconf": {"host": "127.100.0.5"}}],
        },
    ],
    "sites": [
        site("site-0001", 1, "10.1.0.0/24", "127.100.1.1"),
        site("site-0002", 2, "10.2.0.0/24", "127.100.2.1"),
    ],
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def fake_vault(plaintext: str) -> str:
    """Looks like vault text; :func:`fake_decrypt` reverses it."""
    return "$ANSIBLE_VAULT;1.1;AES256\n" + plaintext.encode().hex() + "\n"


def fake_decrypt(ciphertext: str) -> str:
    header, _, body = ciphertext.strip().partition("\n")
    if not header.startswith("$ANSIBLE_VAULT"):
        raise ValueError("not vault text")
    return bytes.fromhex(body.strip()).decode()


def vault_block(ciphertext: str, indent: int) -> str:
    """``!vault |`` followed by the ciphertext as an indented literal block."""
    pad = " " * indent
    return "!vault |\n" + "".join(f"{pad}{line}\n" for line in ciphertext.strip().splitlines())
