"""module_utils run inside Ansible modules on managed hosts: they may import
only the standard library, yaml and the collection's own module_utils."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "plugins" / "module_utils" / "eid_inventory"
OWN = "ansible_collections.lispnet.ms_recovery.plugins.module_utils."


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_stdlib_yaml_and_own_module_utils() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert files
    for path in files:
        for name in _imported(path):
            top = name.split(".")[0]
            allowed = name.startswith(OWN) or top == "yaml" or top in sys.stdlib_module_names
            assert allowed, f"{path.name} imports {name}"


def test_every_file_starts_with_the_collection_header() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        head = path.read_text().splitlines()[:2]
        assert head[0] == "# -*- coding: utf-8 -*-", path.name
        assert head[1].startswith("# GNU General Public License v3.0+"), path.name
