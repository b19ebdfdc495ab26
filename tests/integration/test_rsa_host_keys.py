"""RSA host keys signed with rsa-sha2 only (IOS-XE's and netopeer2's default),
verified against known_hosts, through the project's sessions and through
Ansible's netconf connection; connection failures reported in words.

The lab gives the second MS unit and the first ETR such keys
(``LabSpec.host_key_algorithm``); its listeners refuse the SHA-1 ``ssh-rsa``
signature, as those servers do.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import paramiko
import pytest
import yaml

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.netconf import (
    RSA,
    known_hosts_line,
    load_or_create_host_key,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import get_platform
from ansible_collections.lispnet.ms_recovery.tests.integration.ansible_helpers import (
    run_playbook,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import (
    NO_PASSIVE_REFILL,
    Lab,
    running_lab,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

RSA_UNIT = 1  # ms1-b


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("rsa-keys")
    with running_lab(root / "lab", sites=2, register_interval=NO_PASSIVE_REFILL) as running:
        yield running


def _known_hosts_type(lab: Lab, address: str) -> str:
    for line in paths.known_hosts(lab.dir).read_text().splitlines():
        name, key_type, _unused = line.split()
        if name == f"[{address}]:{lab.spec.netconf_port}":
            return key_type
    raise AssertionError(f"{address} not in the lab's known_hosts")


def _handshake(lab: Lab, address: str, algorithms: list[str]) -> None:
    async def connect() -> None:
        async with asyncssh.connect(
            address,
            lab.spec.netconf_port,
            known_hosts=str(paths.known_hosts(lab.dir)),
            server_host_key_algs=algorithms,
            username=lab.spec.username,
            password=lab.spec.password,
            client_keys=None,
            agent_path=None,
            connect_timeout=20,
        ):
            pass

    asyncio.run(connect())


def test_lab_rsa_routers_sign_with_sha2_only(lab: Lab) -> None:
    unit = str(lab.spec.unit_address(RSA_UNIT))
    etr = str(lab.spec.etr_address(0))
    assert _known_hosts_type(lab, unit) == "ssh-rsa"
    assert _known_hosts_type(lab, etr) == "ssh-rsa"
    assert _known_hosts_type(lab, str(lab.spec.unit_address(0))) == "ssh-ed25519"
    for address in (unit, etr):
        _handshake(lab, address, ["rsa-sha2-256"])  # verified against known_hosts
        with pytest.raises(asyncssh.KeyExchangeFailed):
            _handshake(lab, address, ["ssh-rsa"])  # the SHA-1 signature is refused


def test_project_sessions_verify_rsa_keys(lab: Lab) -> None:
    # Pinned from known_hosts (how the modules' fan-out connects).
    with lab.ms_session(RSA_UNIT) as session:
        assert get_platform().read_ms_unit(session).unit.unit_name == "ms1-b"
    with lab.etr_session(0) as session:
        assert get_platform().read_etr(session) is not None


def test_ncclient_known_hosts_path_verifies_rsa_keys(lab: Lab, tmp_path: Path) -> None:
    # An ssh_config that says more than where the known hosts are is handed
    # to ncclient, which reads known_hosts itself (as Ansible's connection does).
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host *\n    UserKnownHostsFile {paths.known_hosts(lab.dir)}\n    ConnectTimeout 20\n"
    )
    with NcclientSession.connect(
        host=str(lab.spec.unit_address(RSA_UNIT)),
        port=lab.spec.netconf_port,
        username=lab.spec.username,
        password=lab.spec.password,
        ssh_config=str(config),
    ) as session:
        assert get_platform().read_ms_unit(session).unit.unit_name == "ms1-b"


def _impostor_known_hosts(lab: Lab, tmp_path: Path) -> Path:
    """The lab's known_hosts with ms1-b's line holding another RSA key."""
    address = str(lab.spec.unit_address(RSA_UNIT))
    impostor = load_or_create_host_key(tmp_path / "impostor.key", RSA)
    lines = [
        known_hosts_line(address, lab.spec.netconf_port, impostor)
        if line.startswith(f"[{address}]:")
        else line
        for line in paths.known_hosts(lab.dir).read_text().splitlines()
    ]
    known = tmp_path / "known_hosts"
    known.write_text("\n".join(lines) + "\n")
    return known


def test_another_rsa_key_is_refused(lab: Lab, tmp_path: Path) -> None:
    known = _impostor_known_hosts(lab, tmp_path)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {known}\n")
    with pytest.raises(NetconfFailure, match="host key not trusted"):
        NcclientSession.connect(
            host=str(lab.spec.unit_address(RSA_UNIT)),
            port=lab.spec.netconf_port,
            username=lab.spec.username,
            password=lab.spec.password,
            ssh_config=str(config),
        )


STATE_PLAY = """
- hosts: map_servers
  gather_facts: false
  tasks:
    - name: state
      lispnet.ms_recovery.ms_state:
        state_file: "{{ lisp_lab_dir }}/rsa-state.json"
"""


def test_ansible_connection_verifies_rsa_keys(lab: Lab) -> None:
    run = run_playbook(lab, STATE_PLAY)
    assert run.rc == 0, run.output
    assert run.result("state", "ms1-b")["unit"]["name"] == "ms1-b"


def test_ansible_connection_refuses_another_rsa_key(lab: Lab, tmp_path: Path) -> None:
    known = _impostor_known_hosts(lab, tmp_path)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {known}\n")
    inventory = yaml.safe_load(lab.inventory.read_text())
    inventory["all"]["children"]["map_servers"]["vars"]["ansible_netconf_ssh_config"] = str(config)
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    run = run_playbook(lab, STATE_PLAY, inventory=path)
    assert run.rc != 0
    assert run.result("state", "ms1-a").get("failed") is not True, run.output
    failed = run.result("state", "ms1-b")
    assert failed.get("failed") or failed.get("unreachable"), run.output
    assert "unknown or changed SSH host key" in str(failed.get("msg")), failed


# -- a host key known_hosts also marks @revoked ---------------------------------


def _revoking_ssh_config(lab: Lab, tmp_path: Path, unit: int, *, hashed: bool) -> Path:
    """An ssh_config whose known_hosts is the lab's, with ``unit``'s real key
    also marked @revoked for its name (hashed: its key line and the @revoked
    pattern as OpenSSH's HashKnownHosts writes them)."""
    name = f"[{lab.spec.unit_address(unit)}]:{lab.spec.netconf_port}"
    lines = paths.known_hosts(lab.dir).read_text().splitlines()
    (key_type, key) = next(line.split()[1:] for line in lines if line.split()[0] == name)
    if hashed:
        lines = [
            f"{paramiko.HostKeys.hash_host(name)} {key_type} {key}"
            if line.split()[0] == name
            else line
            for line in lines
        ]
    pattern = paramiko.HostKeys.hash_host(name) if hashed else name
    known = tmp_path / "known_hosts"
    known.write_text("\n".join([*lines, f"@revoked {pattern} {key_type} {key}"]) + "\n")
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {known}\n    ConnectTimeout 20\n")
    return config


def test_ansible_connection_refuses_a_host_key_marked_revoked(lab: Lab, tmp_path: Path) -> None:
    """paramiko does not know @revoked lines: without the collection's check
    every host of such a known_hosts failed (InvalidHostKey), the revoked key
    unnamed. Now only ms1-a, whose key is revoked, is refused, in words."""
    config = _revoking_ssh_config(lab, tmp_path, 0, hashed=False)
    inventory = yaml.safe_load(lab.inventory.read_text())
    inventory["all"]["children"]["map_servers"]["vars"]["ansible_netconf_ssh_config"] = str(config)
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    run = run_playbook(lab, STATE_PLAY, inventory=path)
    assert run.rc != 0
    # ms1-b's key is in the same file, not revoked: the file is otherwise good.
    assert run.result("state", "ms1-b").get("unit", {}).get("name") == "ms1-b", run.output
    failed = run.result("state", "ms1-a")
    assert failed.get("failed") or failed.get("unreachable"), run.output
    revoked_line = len(config.with_name("known_hosts").read_text().splitlines())
    where = f"{config.with_name('known_hosts')}:{revoked_line}"
    assert f"the host key is marked @revoked at {where}" in str(failed.get("msg")), failed
    assert str(lab.spec.unit_address(0)) in str(failed.get("msg")), failed
    assert lab.spec.password not in run.output


def test_project_session_refuses_a_hashed_revoked_key(lab: Lab, tmp_path: Path) -> None:
    """Hashed entries are not pinned: ncclient (paramiko) reads the file, and
    the key is still refused before authentication."""
    config = _revoking_ssh_config(lab, tmp_path, RSA_UNIT, hashed=True)
    with pytest.raises(NetconfFailure, match=r"@revoked at .*known_hosts:\d+; nothing was sent"):
        NcclientSession.connect(
            host=str(lab.spec.unit_address(RSA_UNIT)),
            port=lab.spec.netconf_port,
            username=lab.spec.username,
            password=lab.spec.password,
            ssh_config=str(config),
        ).close()


# -- a peer that hangs up mid-handshake -------------------------------------------


class _HangUp(asyncssh.SSHServer):
    """Accepts the login, then drops the connection instead of opening the
    NETCONF channel (a router rebooting under the client's feet)."""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return True

    def session_requested(self) -> bool:
        self._conn.abort()
        return False


@pytest.fixture
def hang_up(tmp_path: Path) -> Iterator[tuple[str, int, asyncssh.SSHKey]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    key = load_or_create_host_key(tmp_path / "hangup.key")

    async def listen() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1", 0, server_factory=_HangUp, server_host_keys=[key], encoding=None
        )

    acceptor = asyncio.run_coroutine_threadsafe(listen(), loop).result(20)
    try:
        yield "127.0.0.1", acceptor.get_port(), key
    finally:
        loop.call_soon_threadsafe(acceptor.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(20)


def test_peer_hanging_up_is_a_clear_error(hang_up: tuple[str, int, asyncssh.SSHKey]) -> None:
    host, port, key = hang_up
    with pytest.raises(NetconfFailure, match="closed the connection during the SSH handshake"):
        NcclientSession.connect(
            host=host,
            port=port,
            username="lab",
            password="secret",
            hostkey_b64=key.export_public_key("openssh").decode().split()[1],
            timeout=20,
        )


def test_ansible_reports_a_peer_hanging_up(
    lab: Lab, hang_up: tuple[str, int, asyncssh.SSHKey], tmp_path: Path
) -> None:
    host, port, key = hang_up
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(host, port, key) + "\n")
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {known}\n")
    inventory = yaml.safe_load(lab.inventory.read_text())
    servers = inventory["all"]["children"]["map_servers"]
    servers["hosts"] = {"ms1-a": {**servers["hosts"]["ms1-a"], "ansible_host": host}}
    servers["vars"].update(ansible_port=port, ansible_netconf_ssh_config=str(config))
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    run = run_playbook(lab, STATE_PLAY, inventory=path)
    assert run.rc != 0
    failed = run.result("state", "ms1-a")
    assert "closed the connection" in str(failed.get("msg")), failed
    assert "None" not in str(failed.get("msg")), failed
