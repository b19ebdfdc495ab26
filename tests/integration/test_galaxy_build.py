"""The collection as users get it: a galaxy tarball, installed offline.

Everything runs against the installed copy only: ANSIBLE_COLLECTIONS_PATH is
the temporary install plus a directory holding just the dependencies, and the
sys.path scan is off, because the venv also links this checkout in as the
collection. From there, ``ansible-playbook lispnet.ms_recovery.recover``
recovers a rebooted lab Map-Server.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    load_inventory,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The venv's own collections (the ansible package), where the dependencies live.
SITE_PACKAGES = Path(importlib.import_module("ansible").__file__ or "").parents[1]
SITE_COLLECTIONS = SITE_PACKAGES / "ansible_collections"
DEPENDENCIES = ("ansible.netcommon", "ansible.utils")
# Where -vvvv says a module of this collection was loaded from.
MODULE_FILE = re.compile(
    r"(?:Using module file|ANSIBLE_NETWORK_IMPORT_MODULES: found lispnet\.ms_recovery\.\w+ at)"
    r" (\S+/lispnet/ms_recovery/plugins/modules/\S+\.py)"
)


@dataclass
class Installed:
    tarball: Path
    collections: Path  # holds ansible_collections/lispnet/ms_recovery
    deps: Path  # holds ansible_collections/ansible/{netcommon,utils}
    work: Path

    @property
    def root(self) -> Path:
        return self.collections / "ansible_collections/lispnet/ms_recovery"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        env.update(
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            ANSIBLE_COLLECTIONS_PATH=f"{self.collections}{os.pathsep}{self.deps}",
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
            ANSIBLE_LOCAL_TEMP=str(self.work / "tmp"),
            ANSIBLE_NOCOLOR="1",
        )
        return env


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"{' '.join(command)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("galaxy")
    dist = work / "dist"
    run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist)], REPO)
    [tarball] = dist.glob("lispnet-ms_recovery-*.tar.gz")
    installed = Installed(tarball, work / "collections", work / "deps", work)
    # With the isolated environment: otherwise ansible-galaxy sees the venv's
    # link to this checkout and reports the collection as already installed.
    run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "-p",
            str(installed.collections),
            str(tarball),
        ],
        work,
        installed.env(),
    )
    for name in DEPENDENCIES:
        namespace, collection = name.split(".")
        link = installed.deps / "ansible_collections" / namespace / collection
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(SITE_COLLECTIONS / namespace / collection)
    yield installed


def test_tarball_holds_the_collection_and_not_the_workspace(installed: Installed) -> None:
    with tarfile.open(installed.tarball) as tar:
        names = set(tar.getnames())
    for wanted in (
        "MANIFEST.json",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "extensions/eda/plugins/event_source/ms_watch.py",
        "extensions/eda/rulebooks/ms_recovery.yml",
        "plugins/module_utils/netconf_session.py",
    ):
        assert wanted in names
    unwanted = (".venv", ".lab", ".git", ".ci", ".pytest_cache", ".ruff_cache", ".hypothesis")
    assert not [n for n in names if n.split("/")[0] in (*unwanted, "dist", "out")]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]
    manifest = json.loads((installed.root / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["name"] == "ms_recovery"


def test_ansible_finds_only_the_installed_copy(installed: Installed) -> None:
    out = run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "lispnet.ms_recovery", "--format=json"],
        installed.work,
        installed.env(),
    )
    assert list(json.loads(out)) == [str(installed.collections / "ansible_collections")]


def test_installed_playbook_runs_by_fqcn(installed: Installed) -> None:
    if not (installed.root / "playbooks/recover.yml").exists():
        pytest.skip("playbooks/recover.yml is not written yet")
    out = run(
        [
            str(BIN / "ansible-playbook"),
            "--syntax-check",
            "-i",
            "localhost,",
            "lispnet.ms_recovery.recover",
        ],
        installed.work,
        installed.env(),
    )
    [line] = [x for x in out.splitlines() if x.startswith("playbook: ")]
    found = Path(line.removeprefix("playbook: ")).resolve()
    assert found == (installed.root / "playbooks/recover.yml").resolve()


def test_installed_playbook_recovers_a_rebooted_ms(installed: Installed, lab: Lab) -> None:
    # Only the playbook run is isolated: the lab's processes were started by
    # this test process, from the venv (its link to this checkout), which is
    # the lab's business, not the collection's.
    if not (installed.root / "playbooks/recover.yml").exists():
        pytest.skip("playbooks/recover.yml is not written yet")
    expected = load_inventory(lab.eids).expected("ms1")
    lab.control("reboot", down_for=1.0)
    wait_ms_back(lab.dir, timeout=20)
    assert len(lab.registered()) < len(expected)
    report_dir = installed.work / "report"
    env = installed.env()
    # Unix socket paths are limited to ~108 bytes; pytest's tmp dirs are long.
    control_dir = tempfile.mkdtemp(prefix="apc-", dir="/tmp")
    env["ANSIBLE_PERSISTENT_CONTROL_PATH_DIR"] = control_dir
    try:
        out = run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                str(lab.inventory),
                "-e",
                f"report_dir={report_dir}",
                "-vvvv",
                "lispnet.ms_recovery.recover",
            ],
            installed.work,
            env,
        )
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)
    assert lab.registered() == expected
    assert json.loads((report_dir / "report.json").read_text())["ok"] is True
    # Every module of the collection came from the installed copy. The network
    # action plugins import them into ansible-playbook itself (-vvvv names the
    # file), where the collection loader resolves their module_utils from the
    # same configured path; recovery_report runs as AnsiballZ, bundled from it.
    used = set(re.findall(MODULE_FILE, out))
    assert {Path(p).name for p in used} >= {"ms_state.py", "reregister.py", "registrations.py"}
    assert all(Path(p).resolve().is_relative_to(installed.root.resolve()) for p in used), used
    assert lab.spec.password not in out


def test_event_source_loads_from_the_installed_copy(installed: Installed) -> None:
    # As in a decision environment: the collection is not on sys.path, and the
    # source (run by path, like ansible-rulebook does) must find its own code.
    # The venv's packages stay importable, except its ansible_collections
    # (which links this checkout).
    site = SITE_PACKAGES
    pydeps = installed.work / "pydeps"
    pydeps.mkdir(exist_ok=True)
    for entry in site.iterdir():
        target = pydeps / entry.name
        if entry.name != "ansible_collections" and not target.exists():
            target.symlink_to(entry)
    source = installed.root / "extensions/eda/plugins/event_source/ms_watch.py"
    code = (
        "import runpy, sys\n"
        f"sys.path = [p for p in sys.path if 'site-packages' not in p] + [{str(pydeps)!r}]\n"
        f"module = runpy.run_path({str(source)!r})\n"
        "from ansible_collections.lispnet.ms_recovery.extensions.eda.watch import config\n"
        "print(config.__file__)\n"
        "print(config.parse_args({'hosts': ['h'], 'username': 'u', 'password': 'p'}).units)\n"
        "print(callable(module['main']))\n"
    )
    out = run([sys.executable, "-c", code], installed.work)
    first, second, third = out.splitlines()
    assert first.startswith(str(installed.root))
    assert "UnitEndpoint(name='h'" in second
    assert third == "True"


def test_execution_environment_renders_a_build_context(installed: Installed) -> None:
    builder = BIN / "ansible-builder"
    if not builder.exists():
        pytest.skip("ansible-builder is not installed (pip install ansible-builder)")
    # The EE file's paths are relative to it: the same layout, with the tarball
    # in dist/ as the docs say to build it.
    tree = installed.work / "ee"
    (tree / "meta").mkdir(parents=True)
    (tree / "dist").mkdir()
    for name in ("meta/execution-environment.yml", "requirements.txt", "bindep.txt"):
        (tree / name).write_text((REPO / name).read_text())
    (tree / "dist" / installed.tarball.name).write_bytes(installed.tarball.read_bytes())
    context = tree / "context"
    run(
        [
            str(builder),
            "create",
            "-f",
            "meta/execution-environment.yml",
            "-c",
            str(context),
            "--output-filename",
            "Containerfile",
        ],
        tree,
    )
    containerfile = (context / "Containerfile").read_text()
    assert "python3.11" in containerfile
    assert "ansible-galaxy collection install --offline --no-deps" in containerfile
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (REPO / "bindep.txt").read_text()
    assert (build / "collection" / installed.tarball.name).exists()
