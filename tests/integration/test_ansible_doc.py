"""`ansible-doc` renders every module and plugin the collection ships, with the
documentation, examples and return values a user reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    BIN_DIR,
    ansible_env,
)

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"
)


def ansible_doc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "ansible-doc"), *args],
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_module_is_listed() -> None:
    listed = ansible_doc("-l", "lispnet.ms_recovery", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {name.rsplit(".", 1)[-1] for name in json.loads(listed.stdout)}
    assert set(MODULES) <= names
    assert {"ms_state", "reregister", "registrations", "map_request", "eid_snapshot"} <= names


@pytest.mark.parametrize("module", MODULES)
def test_module_doc_has_options_examples_and_returns(module: str) -> None:
    shown = ansible_doc("--json", f"lispnet.ms_recovery.{module}")
    assert shown.returncode == 0, shown.stderr
    entry = json.loads(shown.stdout)[f"lispnet.ms_recovery.{module}"]
    assert entry["doc"]["short_description"]
    assert entry["doc"].get("options"), f"{module} documents no options"
    assert entry["examples"].strip()
    assert entry["return"], f"{module} documents no return values"
    assert "check_mode" in entry["doc"].get("attributes", {}), f"{module}: check mode undocumented"
    text = ansible_doc(f"lispnet.ms_recovery.{module}")
    assert text.returncode == 0 and "EXAMPLES" in text.stdout


@pytest.mark.parametrize(
    ("kind", "name"),
    [("inventory", "eid_inventory"), ("netconf", "ietf"), ("role", "ms_recovery")],
)
def test_plugins_and_role_render(kind: str, name: str) -> None:
    shown = ansible_doc("-t", kind, f"lispnet.ms_recovery.{name}")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip()
