# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One NETCONF session to one Map-Server unit: poll it, take its notifications.

Blocking (ncclient): the watcher runs every call in a worker thread. Each
call is bounded (the session timeout, or the notification wait given).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import (
    UnitEndpoint,
    WatchConfig,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import PollReading
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NcclientSession,
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import (
    Platform,
    get_platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.events import (
    parse_notification,
)

log = logging.getLogger(__name__)


class UnitLink(Protocol):
    # False when the unit refused create-subscription: the watcher then polls only.
    subscribed: bool

    def poll(self) -> PollReading: ...

    def next_notification(self, timeout: float) -> MsEvent | None:
        """The next event of ours within ``timeout`` s, else None; raises
        NetconfFailure when the session is gone."""

    def close(self) -> None: ...


class NcclientLink:
    def __init__(self, session: NcclientSession, platform: Platform, name: str) -> None:
        self.session = session
        self.platform = platform
        self.name = name
        self.subscribed = False

    @classmethod
    def open(cls, endpoint: UnitEndpoint, config: WatchConfig) -> NcclientLink:
        session = NcclientSession.connect(
            host=endpoint.host,
            port=endpoint.port,
            username=config.username,
            password=config.password,
            ssh_config=config.ssh_config,
            hostkey_verify=config.hostkey_verify,
            timeout=config.timeout,
        )
        link = cls(session, get_platform(config.platform), endpoint.name)
        try:
            link.subscribed = bool(session.manager.create_subscription().ok)
        except Exception as exc:  # no RFC 5277 support: polling still works
            log.warning("%s: no notifications (%s); polling only", endpoint.name, exc)
        return link

    def poll(self) -> PollReading:
        snapshot, summary = self.platform.read_ms_unit_summary(self.session)
        return PollReading(snapshot.unit, summary)

    def next_notification(self, timeout: float) -> MsEvent | None:
        manager: Any = self.session.manager
        note = manager.take_notification(block=True, timeout=timeout)
        if note is None:
            if not manager.connected:
                raise NetconfFailure(f"{self.name}: session closed")
            return None
        try:
            return parse_notification(note.notification_ele)
        except ValueError as exc:  # a malformed event must not end the watch
            log.warning("%s: unreadable notification: %s", self.name, exc)
            return None

    def close(self) -> None:
        self.session.close()
