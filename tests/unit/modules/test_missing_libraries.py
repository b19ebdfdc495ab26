"""A module on a Python without PyYAML or lxml imports cleanly (the guards ansible-test's
import sanity test expects) and fails its task naming the library to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Each module that reads the EID inventory (PyYAML) or talks NETCONF (lxml), with the
# arguments it requires: the library check comes right after argument parsing.
MODULES = {
    "eid_snapshot": {"dest": "/nonexistent/eids.yml"},
    "map_request": {"eid_inventory": "/nonexistent/eids.yml"},
    "ms_state": {"eid_inventory": "/nonexistent/eids.yml"},
    "registrations": {"eid_inventory": "/nonexistent/eids.yml"},
    "reregister": {"eid_inventory": "/nonexistent/eids.yml"},
}

# Run in a fresh interpreter where importing the library raises ImportError.
_RUN = """
import importlib, json, sys
sys.modules[sys.argv[1]] = None
from ansible.module_utils.testing import patch_module_args
package = "ansible_collections.lispnet.ms_recovery.plugins.modules"
module = importlib.import_module(f"{package}.{sys.argv[2]}")
with patch_module_args(json.loads(sys.argv[3])):
    module.main()
"""


@pytest.mark.parametrize("library, package", [("yaml", "PyYAML"), ("lxml", "lxml")])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_without_library_names_it(name: str, library: str, package: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, library, name, json.dumps(MODULES[name])],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["failed"] is True
    assert f"Failed to import the required Python library ({package})" in result["msg"]
    assert "Traceback" not in done.stderr
