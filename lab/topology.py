"""The lab's topology: addresses, sites, keys and EIDs, derived from a few numbers.

Everything the lab processes, the generated Ansible inventory and the EID
inventory know about the lab comes from one :class:`LabSpec`, so they cannot
disagree.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import random
import secrets
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.lab.faults import FaultSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
)

ETRS_PER_THIRD_OCTET = 250
# standard: what real ETRs do (ignore an unsolicited Map-Notify, register on
# their own timer); notify: the patent's ETR, re-registering when notified.
ETR_BEHAVIOURS = ("standard", "notify")
# `lisplab up --platform`: what the routers speak over NETCONF (lab/faces.py).
LAB_PLATFORMS = ("lispnet", "ietf", "iosxe")
MS_NAME = "ms1"
UNIT_NAMES = ("ms1-a", "ms1-b")
# Map-Server k (from 0) has its service address at 127.S.0.(1+3k) and its two
# units' NETCONF at the next two: 84 Map-Servers fit below the ETRs' 127.S.1.x.
ADDRESSES_PER_MS = 3
MAX_MAP_SERVERS = 84


@dataclass(frozen=True)
class LabSpec:
    sites: int = 20
    etrs_per_site: int = 1
    eids_per_site: int = 2
    register_interval: float = 60.0
    subnet: int = 100  # the lab lives in 127.<subnet>.0.0/16
    netconf_port: int = 8830
    username: str = "lab"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)
    seed: str = field(default_factory=lambda: secrets.token_hex(8), repr=False)
    shard_size: int = 2000
    auto_recover: bool = False
    notify_schedule: tuple[float, ...] = (3.0, 3.0, 3.0, 3.0, 6.0, 12.0, 24.0)
    proxy_reply_every: int = 4  # every Nth site asks the MS to proxy-reply
    # Network faults injected in every router's send path (lab/faults.py).
    loss: float = 0.0
    duplicate: float = 0.0
    delay_ms: float = 0.0
    fault_seed: int | None = None
    etr_behaviour: str = "standard"
    # Share of the sites whose ETRs act on notifications although the lab's
    # behaviour is standard: a mixed network.
    notify_share: float = 0.0
    # Independent Map-Server pairs; site s registers to Map-Server s mod N
    # and, with register_to R, to the R - 1 next ones too (site_map_servers).
    map_servers: int = 1
    register_to: int = 1
    # What the routers speak over NETCONF (lab/faces.py): lispnet = the IETF
    # modules with the project's augment and RPCs; ietf = a standard server.
    platform: str = "lispnet"

    def __post_init__(self) -> None:
        if not 1 <= self.map_servers <= MAX_MAP_SERVERS:
            raise ValueError(f"map-servers must be 1..{MAX_MAP_SERVERS}")
        if not 1 <= self.register_to <= self.map_servers:
            raise ValueError(
                f"register-to {self.register_to} needs 1..map-servers"
                f" ({self.map_servers}): a site registers to that many different Map-Servers"
            )
        if self.sites < 1 or self.etrs_per_site < 1 or self.eids_per_site < 1:
            raise ValueError("sites, etrs-per-site and eids-per-site must be at least 1")
        if self.sites * self.eids_per_site > 65536:
            raise ValueError("at most 65536 EIDs fit the lab's 10.0.0.0/8 plan")
        if self.etrs_total > 250 * 250:
            raise ValueError("at most 62500 ETRs fit one lab subnet")
        if not 1 <= self.subnet <= 254:
            raise ValueError("subnet must be 1..254 (the lab uses 127.<subnet>.0.0/16)")
        if self.register_interval <= 0:
            raise ValueError("register-interval must be positive")
        if self.etr_behaviour not in ETR_BEHAVIOURS:
            raise ValueError(
                f"etr-behaviour {self.etr_behaviour!r} is not one of {', '.join(ETR_BEHAVIOURS)}"
            )
        if self.platform not in LAB_PLATFORMS:
            raise ValueError(f"platform {self.platform!r} is not one of {', '.join(LAB_PLATFORMS)}")
        if not 0.0 <= self.notify_share <= 1.0:
            raise ValueError("notify-share must be within 0..1")
        self.faults  # noqa: B018 -- validates the fault settings now, not in a shard

    @property
    def faults(self) -> FaultSpec:
        return FaultSpec(
            loss=self.loss, duplicate=self.duplicate, delay_ms=self.delay_ms, seed=self.fault_seed
        )

    @property
    def etrs_total(self) -> int:
        return self.sites * self.etrs_per_site

    # Addresses -----------------------------------------------------------------
    def host(self, third: int, fourth: int) -> IPAddress:
        return ipaddress.IPv4Address(f"127.{self.subnet}.{third}.{fourth}")

    @property
    def service_address(self) -> IPAddress:
        return self.ms_service_address(0)

    def ms_service_address(self, ms: int) -> IPAddress:
        return self.host(0, 1 + ADDRESSES_PER_MS * ms)

    def unit_address(self, unit: int, ms: int = 0) -> IPAddress:
        return self.host(0, 2 + ADDRESSES_PER_MS * ms + unit)

    # Map-Servers -------------------------------------------------------------------
    def ms_name(self, ms: int) -> str:
        return MS_NAME if ms == 0 else f"ms{ms + 1}"

    def unit_names(self, ms: int = 0) -> tuple[str, str]:
        name = self.ms_name(ms)
        return (f"{name}-a", f"{name}-b")

    def ms_process(self, ms: int) -> str:
        """The lab process (and control socket) of Map-Server ``ms``."""
        return "ms" if ms == 0 else self.ms_name(ms)

    def site_map_servers(self, site: int) -> tuple[int, ...]:
        """The Map-Servers site ``site`` registers to: s mod N and the next
        register_to - 1 (so with 2 each Map-Server shares its sites with both
        neighbours, and a reboot of one leaves every site a live Map-Server)."""
        return tuple((site + k) % self.map_servers for k in range(self.register_to))

    def sites_of_ms(self, ms: int) -> list[int]:
        return [site for site in range(self.sites) if ms in self.site_map_servers(site)]

    def etr_address(self, index: int) -> IPAddress:
        return self.host(1 + index // ETRS_PER_THIRD_OCTET, 1 + index % ETRS_PER_THIRD_OCTET)

    # Sites ----------------------------------------------------------------------
    def site_name(self, site: int) -> str:
        return f"site-{site + 1:05d}"

    def etr_name(self, site: int, etr: int) -> str:
        return f"{self.site_name(site)}-etr{etr + 1}"

    def etr_index(self, site: int, etr: int) -> int:
        return site * self.etrs_per_site + etr

    def host_key_algorithm(self, router: str) -> str:
        """The SSH host key type of ``router``: RSA (served with rsa-sha2
        signatures only, as IOS-XE and netopeer2 do by default) for the
        second MS unit and the first ETR, so every lab exercises RSA host
        keys in switchovers, recoveries and ETR sessions; ed25519 otherwise.
        In ``--platform iosxe`` both MS units have RSA keys, IOS-XE's default."""
        rsa = (*UNIT_NAMES[self.platform != "iosxe" :], self.etr_name(0, 0))
        return "ssh-rsa" if router in rsa else "ssh-ed25519"

    def site_key(self, site: int) -> bytes:
        # Derived from the lab's secret seed so the MS and the ETR processes agree
        # without passing thousands of keys around.
        return hashlib.sha256(f"{self.seed}:{site}".encode()).hexdigest()[:32].encode()

    def site_algorithm(self, site: int) -> str:
        return "hmac-sha-1" if site % 5 == 4 else "hmac-sha-256"

    def site_proxy_reply(self, site: int) -> bool:
        return self.proxy_reply_every > 0 and site % self.proxy_reply_every == 0

    def site_behaviour(self, site: int) -> str:
        """The behaviour of the site's ETRs. A notify share P picks the sites
        evenly spread over the lab (every 1/P-th), the same ones every run."""
        if self.etr_behaviour == "notify":
            return "notify"
        share = self.notify_share
        return "notify" if math.floor((site + 1) * share) > math.floor(site * share) else "standard"

    def site_eids(self, site: int) -> tuple[Eid, ...]:
        eids = []
        for n in range(self.eids_per_site):
            index = site * self.eids_per_site + n
            if n == 1:
                # The second EID of a site is IPv6, so every lab exercises both families.
                prefix = ipaddress.ip_network(f"2001:db8:{index >> 16:x}:{index & 0xFFFF:x}::/64")
                eids.append(Eid(0, prefix))
            else:
                prefix = ipaddress.ip_network(f"10.{index >> 8 & 255}.{index & 255}.0/24")
                eids.append(Eid(0, prefix))
        return tuple(eids)

    # Persistence ------------------------------------------------------------------
    def to_json(self) -> str:
        data = asdict(self)
        data["notify_schedule"] = list(self.notify_schedule)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LabSpec:
        data = json.loads(text)
        data["notify_schedule"] = tuple(data["notify_schedule"])
        return cls(**data)

    @classmethod
    def load(cls, lab_dir: Path) -> LabSpec:
        return cls.from_json((lab_dir / "lab.json").read_text())


def xtr_id_of(name: str) -> bytes:
    """A stable 128-bit xTR-ID per ETR name."""
    return hashlib.sha256(name.encode()).digest()[:16]


def free_subnet(candidates: range = range(150, 250)) -> int:
    """A 127.X.0.0/16 nobody is using: tests, the benchmark and a user's lab may
    run at once. A running lab's subnet is never free, even while its MS is down for
    a reboot; the rest are tried in random order so concurrent callers rarely
    collide."""
    # Imported here: processes imports this module (LabSpec).
    from ansible_collections.lispnet.ms_recovery.lab.processes import running_lab_subnets

    held = running_lab_subnets()
    order = [subnet for subnet in candidates if subnet not in held]
    random.shuffle(order)
    for subnet in order:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((f"127.{subnet}.0.1", 4342))
        except OSError:
            continue
        finally:
            probe.close()
        return subnet
    raise RuntimeError(f"no free 127.X subnet in {candidates.start}..{candidates.stop - 1}")
