"""The encrypted cache of validated EID inventories (plugin_utils/eid_inventory_cache.py):
validated once, reused while the content is the same, never a key in clear."""

from __future__ import annotations

import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.key_advice import (
    key_warnings,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils import (
    eid_inventory_cache as cache_module,
)
from ansible_collections.lispnet.ms_recovery.plugins.plugin_utils.eid_inventory_cache import (
    CACHE_DIR_ENV,
    MAX_ENTRIES,
    load_validated,
    validated_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    fake_decrypt,
    fake_vault,
    to_yaml,
    vault_block,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each full parse (validation) the cache lets through."""
    seen: list[str] = []
    real = cache_module.parse_inventory

    def counting(text: str, source: str, decrypt: object = None) -> object:
        seen.append(source)
        return real(text, source, decrypt)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "parse_inventory", counting)
    return seen


def _write(tmp_path: Path, text: str, name: str = "eids.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_validated_once_then_read_from_the_cache(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    path = _write(tmp_path, to_yaml(base()))
    first = validated_inventory(path).handover
    second = validated_inventory(path).handover
    assert parses == [path]
    assert first == second == handover_text(load_inventory(path))
    assert load_validated(path) == load_inventory(path)


def test_parallel_first_readers_validate_once(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forks of one task all start on a miss: one validates, the others wait for it.
    seen: list[str] = []
    real = cache_module.parse_inventory

    def slow(text: str, source: str, decrypt: object = None) -> object:
        seen.append(source)
        time.sleep(0.3)
        return real(text, source, decrypt)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "parse_inventory", slow)
    path = _write(tmp_path, to_yaml(base()))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _unused: validated_inventory(path).handover, range(4)))
    assert seen == [path]
    assert len(set(results)) == 1


def test_the_key_advice_comes_with_a_cached_inventory(tmp_path: Path, cache: Path) -> None:
    path = _write(tmp_path, to_yaml(base()))  # both sites share one key
    first = validated_inventory(path)
    assert any("share one key" in warning for warning in first.warnings)
    assert validated_inventory(path).warnings == first.warnings
    assert key_warnings(load_inventory(path)) == first.warnings


def test_changed_content_is_validated_again(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = _write(tmp_path, to_yaml(base()))
    validated_inventory(path)
    data = base()
    data["sites"][0]["eids"] = [{"prefix": "10.9.0.0/24"}]
    Path(path).write_text(to_yaml(data))
    assert "10.9.0.0/24" in validated_inventory(path).handover
    assert parses == [path, path]


def test_an_invalid_inventory_is_not_cached(tmp_path: Path, cache: Path) -> None:
    data = base()
    data["sites"][0]["site_id"] = "one"
    path = _write(tmp_path, to_yaml(data))
    for _unused in range(2):
        with pytest.raises(InventoryError, match=r"sites\[0\]\.site_id"):
            validated_inventory(path)
    assert not cache.exists() or not any(not p.name.startswith(".") for p in cache.iterdir())


def test_entries_hold_no_key_in_clear_and_are_private(tmp_path: Path, cache: Path) -> None:
    validated_inventory(_write(tmp_path, to_yaml(base())))
    (entry,) = (p for p in cache.iterdir() if not p.name.startswith("."))
    blob = entry.read_bytes()
    assert KEY.encode() not in blob and KEY.encode().hex().encode() not in blob
    assert b"site-0001" not in blob  # encrypted as a whole, not only the keys
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_tampered_entry_is_a_miss_not_a_result(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    path = _write(tmp_path, to_yaml(base()))
    expected = validated_inventory(path).handover
    (entry,) = (p for p in cache.iterdir() if not p.name.startswith("."))
    blob = bytearray(entry.read_bytes())
    blob[-1] ^= 1
    entry.write_bytes(bytes(blob))
    assert validated_inventory(path).handover == expected
    assert parses == [path, path]


def test_inline_vault_values_are_never_cached(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    # The file's text does not hold the key: a cache keyed by that text would
    # hand the key to whoever reads the file, without the vault secret.
    text = to_yaml(base()).replace(
        f"  key: {KEY}\n", "  key: " + vault_block(fake_vault("vaulted"), 4), 1
    )
    path = _write(tmp_path, text)
    for _unused in range(2):
        assert validated_inventory(path, fake_decrypt).handover
    assert parses == [path, path]
    assert not cache.exists() or not any(not p.name.startswith(".") for p in cache.iterdir())


def test_whole_file_vault_is_cached_by_its_plaintext(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    path = _write(tmp_path, fake_vault(to_yaml(base())))
    first = validated_inventory(path, fake_decrypt).handover
    assert validated_inventory(path, fake_decrypt).handover == first
    assert parses == [path]
    with pytest.raises(InventoryError, match="vault secret is needed"):
        validated_inventory(path)  # the cache is no way around the vault


def test_the_cache_off_validates_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    path = _write(tmp_path, to_yaml(base()))
    validated_inventory(path)
    validated_inventory(path)
    assert parses == [path, path]


def test_only_the_newest_entries_stay(tmp_path: Path, cache: Path) -> None:
    for n in range(MAX_ENTRIES + 3):
        data = base()
        data["sites"][0]["site_id"] = 100 + n
        validated_inventory(_write(tmp_path, to_yaml(data), f"eids{n}.yml"))
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == MAX_ENTRIES
