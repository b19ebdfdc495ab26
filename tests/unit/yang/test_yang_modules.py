"""The YANG modules themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.lab.yang.capabilities import (
    MODULES,
    capabilities,
)

ROOT = Path(__file__).resolve().parents[3]
PYANG = Path(sys.executable).with_name("pyang")


def test_pyang_strict_passes_without_warnings() -> None:
    modules = sorted(str(p) for p in (ROOT / "yang").glob("*.yang"))
    assert len(modules) == 5
    proc = subprocess.run(
        [
            str(PYANG),
            "--strict",
            "-p",
            str(ROOT / "yang"),
            "-p",
            str(ROOT / ".venv/share/yang/modules/ietf"),
            *modules,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_capabilities_name_every_module_with_revision() -> None:
    caps = capabilities()
    assert len(caps) == len(MODULES)
    assert (
        "urn:lispnet:params:xml:ns:yang:lispnet-ms-recovery"
        "?module=lispnet-ms-recovery&revision=2026-12-04"
    ) in caps
    for name, _unused, revision in MODULES:
        text = ROOT / "yang" / f"{name}.yang"
        if text.exists():
            assert f"revision {revision}" in text.read_text()
