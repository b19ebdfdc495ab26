"""Shared builders for the EID inventory tests: a small valid inventory as a
plain dict that each test bends into the shape it needs."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import yaml
from hypothesis import strategies as st

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


def rich() -> dict[str, Any]:
    """:func:`base` with what round trips must keep: IPv6 and instance-ids,
    a /128, SHA-1 with a key-id, an ETR with an IPv6 RLOC and no NETCONF, an
    ETR that supports notifications."""
    data = base()
    data["sites"][0]["eids"] += [
        {"prefix": "2001:db8:1::/48"},
        {"prefix": "10.1.0.0/24", "instance_id": 100},
        {"prefix": "1:2:3:4:5:6:7:8/128"},
    ]
    data["sites"][0]["algorithm"] = "hmac-sha-1"
    data["sites"][0]["key_id"] = 7
    data["sites"][1]["etrs"].insert(0, {"name": "a-etr", "rloc": "::ffff:127.0.0.9"})
    data["sites"][0]["etrs"][0]["supports"] = ["notify"]
    return data


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def fake_vault(plaintext: str) -> str:
    """Looks like vault text; :func:`fake_decrypt` reverses it."""
    return "$ANSIBLE_VAULT;1.1;AES256\n" + plaintext.encode().hex() + "\n"


def fake_decrypt(ciphertext: str) -> str:
    header, _unused, body = ciphertext.strip().partition("\n")
    if not header.startswith("$ANSIBLE_VAULT"):
        raise ValueError("not vault text")
    return bytes.fromhex(body.strip()).decode()


def vault_block(ciphertext: str, indent: int) -> str:
    """``!vault |`` followed by the ciphertext as an indented literal block."""
    pad = " " * indent
    return "!vault |\n" + "".join(f"{pad}{line}\n" for line in ciphertext.strip().splitlines())


@st.composite
def varied_inventories(draw: st.DrawFn) -> str:
    """YAML of :func:`base` with a drawn key and one drawn EID (IPv6, any
    length, any instance-id) for the first site: the round-trip properties."""
    key = draw(
        st.text(
            st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\x85"),
            min_size=1,
            max_size=40,
        ).filter(lambda k: k.strip() != "")
    )
    length = draw(st.integers(min_value=0, max_value=128))
    address = draw(st.integers(min_value=0, max_value=(1 << 128) - 1))
    network = ipaddress.IPv6Network((address >> (128 - length) << (128 - length), length))
    data = base()
    data["sites"][0]["key"] = key
    data["sites"][0]["eids"] = [
        {"prefix": str(network), "instance_id": draw(st.integers(0, (1 << 24) - 1))}
    ]
    return yaml.safe_dump(data, allow_unicode=True)
