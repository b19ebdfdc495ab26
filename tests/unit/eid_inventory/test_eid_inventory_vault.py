"""Ansible Vault values: with a fake decrypter, and once with ansible's own
VaultLib, encrypting then loading (controller code is fine in a test; the
module_utils themselves must not import it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    dump_inventory,
    load_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    fake_decrypt,
    fake_vault,
    to_yaml,
    vault_block,
)


def _vaulted_text(ciphertext: str) -> str:
    return to_yaml(base()).replace(f"  key: {KEY}\n", "  key: " + vault_block(ciphertext, 4), 1)


def test_vault_value_is_decrypted_and_remembered() -> None:
    inventory = parse_inventory(_vaulted_text(fake_vault("vaulted key")), "eids.yml", fake_decrypt)
    key = inventory.sites[0].key
    assert key.reveal() == b"vaulted key"
    assert key.vault is not None and key.vault.startswith("$ANSIBLE_VAULT;1.1;AES256")
    assert inventory.sites[1].key.vault is None


def test_whole_file_vault(tmp_path: Path) -> None:
    path = tmp_path / "eids.yml"
    path.write_text(fake_vault(to_yaml(base())))
    assert load_inventory(path, fake_decrypt).sites[0].key.reveal() == KEY.encode()
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    (problem,) = caught.value.problems
    assert problem.source == str(path) and problem.line == 1
    assert "encrypted with Ansible Vault" in problem.message
    assert "vault secret is needed" in problem.message


def test_decrypt_failure_is_a_problem_not_a_crash() -> None:
    def refuse(_unused: str) -> str:
        raise RuntimeError("Decryption failed (no vault secrets were found)")

    with pytest.raises(InventoryError) as caught:
        parse_inventory(_vaulted_text(fake_vault("x")), "eids.yml", refuse)
    (problem,) = caught.value.problems
    assert problem.field == "sites[0].key"
    assert "cannot decrypt the vault value (RuntimeError: Decryption failed" in problem.message


def test_vault_value_decrypting_to_nothing_is_an_empty_key() -> None:
    with pytest.raises(InventoryError, match=r"sites\[0\].key: must not be empty"):
        parse_inventory(_vaulted_text(fake_vault("")), "eids.yml", fake_decrypt)


def test_real_ansible_vault(tmp_path: Path) -> None:
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault = VaultLib([("default", VaultSecret(b"vault-password"))])

    def decrypt(ciphertext: str) -> str:
        return vault.decrypt(ciphertext).decode("utf-8")

    text = to_yaml(base())
    for plaintext in ("real key one", "real key two"):
        ciphertext = vault.encrypt(plaintext).decode("ascii")
        text = text.replace(f"  key: {KEY}\n", "  key: " + vault_block(ciphertext, 4), 1)
    path = tmp_path / "eids.yml"
    path.write_text(text)
    inventory = load_inventory(path, decrypt)
    assert [s.key.reveal() for s in inventory.sites] == [b"real key one", b"real key two"]

    kept = dump_inventory(inventory, keys="keep-vault")
    assert "real key" not in kept
    assert parse_inventory(kept, "snapshot.yml", decrypt) == inventory
    # Whole-file encryption, as `ansible-vault encrypt eids.yml` leaves it.
    path.write_bytes(vault.encrypt(to_yaml(base())))
    assert load_inventory(path, decrypt).sites[1].key.reveal() == KEY.encode()

    wrong = VaultLib([("default", VaultSecret(b"wrong"))])
    with pytest.raises(InventoryError, match="cannot decrypt the file"):
        load_inventory(path, lambda c: wrong.decrypt(c).decode())
