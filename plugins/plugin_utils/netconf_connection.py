# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's NETCONF platform plugins change in Ansible's netconf
connection before it opens its session (``plugins/netconf/*.py``).

- RSA host keys are verified over rsa-sha2 signatures (ssh_rsa_sha2.py).
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
        try:
            return connect(*args, **kwargs)
        except AnsibleError:
            raise  # netcommon's own wording (unknown host key, missing ncclient)
        except Exception as exc:
            play = getattr(connection, "_play_context", None)
            where = f"{getattr(play, 'remote_addr', '?')}:{getattr(play, 'port', None) or 830}"
            raise AnsibleConnectionFailure(f"{where}: {connect_failure(exc)}") from exc

    _connect._reports_clearly = True  # type: ignore[attr-defined]
    connection._connect = _connect
