"""Files `lisplab up` writes for users: the Ansible inventory, the EID inventory,
SSH host-key material, and the Map-Server's initial "disk"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.lab.faces import face_of
from ansible_collections.lispnet.ms_recovery.lab.ms_store import KeyedSite, MsStore
from ansible_collections.lispnet.ms_recovery.lab.netconf.hostkeys import (
    known_hosts_line,
    load_or_create_host_key,
)
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.dump import (
    dump_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.model import (
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.secret import (
    Secret,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    algorithm_from_name,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    StoredEtr,
)


def routers(spec: LabSpec) -> list[tuple[str, str]]:
    """(name, management address) of every router in the lab."""
    units = [
        (name, str(spec.unit_address(i, ms)))
        for ms in range(spec.map_servers)
        for i, name in enumerate(spec.unit_names(ms))
    ]
    etrs = [
        (spec.etr_name(site, n), str(spec.etr_address(spec.etr_index(site, n))))
        for site in range(spec.sites)
        for n in range(spec.etrs_per_site)
    ]
    return units + etrs


def eid_inventory(spec: LabSpec, source: str) -> EidInventory:
    port = spec.netconf_port
    map_servers = tuple(
        MapServer(
            name=spec.ms_name(ms),
            lisp_address=spec.ms_service_address(ms),
            units=tuple(
                MsUnit(name, NetconfEndpoint(str(spec.unit_address(i, ms)), port))
                for i, name in enumerate(spec.unit_names(ms))
            ),
        )
        for ms in range(spec.map_servers)
    )
    sites = []
    for site in range(spec.sites):
        etrs = []
        supports = frozenset({"notify"}) if spec.site_behaviour(site) == "notify" else frozenset()
        for n in range(spec.etrs_per_site):
            rloc = spec.etr_address(spec.etr_index(site, n))
            endpoint = NetconfEndpoint(str(rloc), port)
            etrs.append(Etr(spec.etr_name(site, n), rloc, endpoint, supports))
        sites.append(
            Site(
                name=spec.site_name(site),
                site_id=site + 1,
                map_servers=tuple(spec.ms_name(ms) for ms in spec.site_map_servers(site)),
                key_id=0,
                algorithm=algorithm_from_name(spec.site_algorithm(site)),
                key=Secret(spec.site_key(site)),
                etrs=tuple(etrs),
                eids=spec.site_eids(site),
                proxy_reply=spec.site_proxy_reply(site),
            )
        )
    return EidInventory(map_servers=map_servers, sites=tuple(sites), source=source)


def ms_store(
    spec: LabSpec, lab_dir: Path, ms: int = 0, inventory: EidInventory | None = None
) -> MsStore:
    """Map-Server ``ms``'s initial disk: its sites' config and stored basic routing info."""
    store = MsStore(paths.ms_store(lab_dir, spec.ms_name(ms)))
    inventory = inventory or eid_inventory(spec, "lab")
    store.set_sites(
        [
            KeyedSite(
                MsSite(
                    name=site.name,
                    site_id=site.site_id,
                    key_id=site.key_id,
                    algorithm=spec.site_algorithm(site.site_id - 1),
                    eids=site.eids,
                    etrs=tuple(StoredEtr(etr.name, etr.rloc) for etr in site.etrs),
                ),
                site.key.reveal(),
            )
            for site in inventory.sites_of(spec.ms_name(ms))
        ]
    )
    return store


def _connection(spec: LabSpec, lab_dir: Path) -> dict[str, Any]:
    # Connection settings go on the router groups, not on `all`: Ansible applies
    # `all` vars to the implicit localhost too, which would break delegate_to.
    return {
        "ansible_connection": "ansible.netcommon.netconf",
        "ansible_network_os": face_of(spec.platform).network_os,
        "ansible_port": spec.netconf_port,
        "ansible_user": spec.username,
        "ansible_password": spec.password,
        "ansible_netconf_ssh_config": str(paths.ssh_config(lab_dir)),
    }


def ansible_inventory(spec: LabSpec, lab_dir: Path) -> dict[str, Any]:
    """The Map-Server units: what the recovery playbooks run against."""
    lab_dir = lab_dir.resolve()
    units: dict[str, dict[str, Any]] = {}
    for ms in range(spec.map_servers):
        for i, name in enumerate(spec.unit_names(ms)):
            units[name] = {
                "ansible_host": str(spec.unit_address(i, ms)),
                "lisp_map_server": spec.ms_name(ms),
            }
            if ms > 0:
                # The state file holds one Map-Server's units: one file each.
                units[name]["lisp_ms_state_file"] = str(
                    lab_dir / f"ms_state.{spec.ms_name(ms)}.json"
                )
    return {
        "all": {
            "vars": {
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "lisp_known_hosts": str(paths.known_hosts(lab_dir)),
                "lisp_eid_inventory": str(paths.eid_inventory(lab_dir)),
                "lisp_lab_dir": str(lab_dir),
                "lisp_register_interval": spec.register_interval,
                # Per lab, so that labs (and tests) never share detection state.
                "lisp_ms_state_file": str(lab_dir / "ms_state.json"),
            },
            "children": {
                "map_servers": {"hosts": units, "vars": _connection(spec, lab_dir)},
                # As the inventory plugin makes them: a play can target one Map-Server.
                **{
                    f"ms_{spec.ms_name(ms)}": {"hosts": {n: {} for n in spec.unit_names(ms)}}
                    for ms in range(spec.map_servers)
                },
            },
        }
    }


def etr_inventory(spec: LabSpec, lab_dir: Path) -> dict[str, Any]:
    """The ETRs, in a file of their own: give it as a second ``-i`` when a play
    needs them. Ansible parses every host of its inventories before the first
    task, and at 10,000 ETRs that took ~7 s of a recovery that targets two hosts."""
    lab_dir = lab_dir.resolve()
    etrs = {}
    for site in range(spec.sites):
        for n in range(spec.etrs_per_site):
            etrs[spec.etr_name(site, n)] = {
                "ansible_host": str(spec.etr_address(spec.etr_index(site, n))),
                "lisp_site": spec.site_name(site),
            }
    return {
        "all": {
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "children": {"etrs": {"hosts": etrs, "vars": _connection(spec, lab_dir)}},
        }
    }


def write_all(spec: LabSpec, lab_dir: Path) -> None:
    lab_dir.mkdir(parents=True, exist_ok=True)
    lab_dir.chmod(0o700)
    atomic_write_text(paths.spec(lab_dir), spec.to_json())
    inventory = eid_inventory(spec, str(paths.eid_inventory(lab_dir)))
    for ms in range(spec.map_servers):
        ms_store(spec, lab_dir, ms, inventory).flush(force=True)
    lines = []
    for name, address in routers(spec):
        key = load_or_create_host_key(paths.host_key(lab_dir, name), spec.host_key_algorithm(name))
        lines.append(known_hosts_line(address, spec.netconf_port, key))
    atomic_write_text(paths.known_hosts(lab_dir), "\n".join(lines) + "\n")
    # The MS units get a known_hosts of their own: SSH clients parse the whole
    # file on every connect, and the full one has a line per ETR (10,000 at scale).
    units = 2 * spec.map_servers
    atomic_write_text(paths.known_hosts(lab_dir, "ms"), "\n".join(lines[:units]) + "\n")
    ms_hosts = " ".join(address for _unused, address in routers(spec)[:units])
    atomic_write_text(
        paths.ssh_config(lab_dir),
        f"Host {ms_hosts}\n    UserKnownHostsFile {paths.known_hosts(lab_dir, 'ms').resolve()}\n"
        f"Host *\n    UserKnownHostsFile {paths.known_hosts(lab_dir).resolve()}\n",
    )
    atomic_write_text(paths.eid_inventory(lab_dir), dump_inventory(inventory, keys="plain"))
    atomic_write_text(
        paths.ansible_inventory(lab_dir),
        "# Written by `lisplab up`; the Map-Server units over NETCONF (ETRs: etrs.yml).\n"
        + yaml.safe_dump(ansible_inventory(spec, lab_dir), sort_keys=False),
    )
    atomic_write_text(
        paths.etr_inventory(lab_dir),
        "# Written by `lisplab up`; the ETRs over NETCONF (-i inventory.yml -i etrs.yml).\n"
        + yaml.safe_dump(etr_inventory(spec, lab_dir), sort_keys=False, width=200),
    )
