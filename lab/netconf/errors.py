"""NETCONF <rpc-error> exceptions and their XML rendering (RFC 6241 section 4.3)."""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy

from lxml import etree

from .xmlns import NC_NS, nc

ERROR_TYPES = frozenset({"transport", "rpc", "protocol", "application"})


class RpcError(Exception):
    """An error a NETCONF operation reports to the client as <rpc-error>.

    ``info`` holds child elements for <error-info> (e.g. <bad-element>); they are
    copied, so the caller may reuse them.
    """

    def __init__(
        self,
        tag: str,
        message: str = "",
        *,
        error_type: str = "application",
        severity: str = "error",
        path: str | None = None,
        info: Iterable[etree._Element] = (),
        app_tag: str | None = None,
    ) -> None:
        if error_type not in ERROR_TYPES:
            raise ValueError(f"bad error-type {error_type!r}")
        super().__init__(message or tag)
        self.tag = tag
        self.message = message
        self.error_type = error_type
        self.severity = severity
        self.path = path
        self.info = list(info)
        self.app_tag = app_tag

    def to_element(self) -> etree._Element:
        """Render as an <rpc-error> element in the base namespace."""
        err = etree.Element(nc("rpc-error"), nsmap={None: NC_NS})
        etree.SubElement(err, nc("error-type")).text = self.error_type
        etree.SubElement(err, nc("error-tag")).text = self.tag
        etree.SubElement(err, nc("error-severity")).text = self.severity
        if self.app_tag:
            etree.SubElement(err, nc("error-app-tag")).text = self.app_tag
        if self.path:
            etree.SubElement(err, nc("error-path")).text = self.path
        if self.message:
            msg = etree.SubElement(err, nc("error-message"))
            msg.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
            msg.text = self.message
        if self.info:
            info = etree.SubElement(err, nc("error-info"))
            for child in self.info:
                info.append(deepcopy(child))
        return err


class UnknownRpc(Exception):
    """Raised by a backend that does not implement the requested RPC."""


def info_element(local: str, text: str) -> etree._Element:
    """One <error-info> child in the base namespace, e.g. bad-element."""
    el = etree.Element(nc(local), nsmap={None: NC_NS})
    el.text = text
    return el


def bad_element(tag: str, name: str, message: str, *, error_type: str = "protocol") -> RpcError:
    """An error about one element, carrying <bad-element> as RFC 6241 appendix A asks."""
    return RpcError(tag, message, error_type=error_type, info=[info_element("bad-element", name)])


def operation_not_supported(message: str, *, error_type: str = "protocol") -> RpcError:
    return RpcError("operation-not-supported", message, error_type=error_type)
