# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's NETCONF platform plugins change in Ansible's netconf
connection before it opens its session (``plugins/netconf/*.py``).

- RSA host keys are verified over rsa-sha2 signatures (ssh_rsa_sha2.py).
- A host key the known_hosts file in use marks ``@revoked`` is refused before
  authentication (known_hosts.py; paramiko, which ncclient uses, does not
  know those lines).
- A failure to open the session reaches the module as the project's words
  (``netconf_session.connect_failure``). ansible.netcommon lets ncclient's and
  paramiko's exceptions through as they are; some carry no text (a router that
  hangs up mid-handshake raises a bare EOFError), and the module then read
  "get failed: None".
"""

from __future__ import annotations

import functools
from typing import Any

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
    known_hosts_in_use,
    refusing_revoked_keys,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    connect_failure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ssh_rsa_sha2 import (
    offer_rsa_sha2,
)


def prepare_connection(connection: Any) -> None:
    """Called by a platform plugin made by ``connection`` (it makes its
    platform plugin before it connects)."""
    offer_rsa_sha2()
    connect = getattr(connection, "_connect", None)
    if connect is None or getattr(connect, "_reports_clearly", False):
        return

    @functools.wraps(connect)
    def _connect(*args: Any, **kwargs: Any) -> Any:
        play = getattr(connection, "_play_context", None)
        host = str(getattr(play, "remote_addr", "?"))
        port = int(getattr(play, "port", None) or 830)
        try:
            with refusing_revoked_keys(*_known_hosts_checked(connection, host), port):
                return connect(*args, **kwargs)
        except AnsibleError:
            raise  # netcommon's own wording (unknown host key, missing ncclient)
        except Exception as exc:
            raise AnsibleConnectionFailure(f"{host}:{port}: {connect_failure(exc)}") from exc

    _connect._reports_clearly = True  # type: ignore[attr-defined]
    connection._connect = _connect


def _known_hosts_checked(connection: Any, host: str) -> tuple[str | None, str]:
    """The known_hosts file the connection's ncclient checks ``host``'s key
    against, as netcommon passes its options on (None: host keys unchecked),
    and the name it checks."""
    if not connection.get_option("host_key_checking"):
        return None, host
    ssh_config = connection.get_option("netconf_ssh_config")
    if ssh_config in BOOLEANS_TRUE:
        ssh_config = True
    elif ssh_config in BOOLEANS_FALSE:
        ssh_config = None
    return known_hosts_in_use(ssh_config, host)
