"""Validate instance data against the project's YANG modules.

yangson is the main judge (pure Python, always installed in .venv); yanglint,
when the machine has it, gives a second, stricter opinion.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

from lxml import etree
from yangson import DataModel
from yangson.enumerations import ContentType, ValidationScope
from yangson.exceptions import YangsonException

from ansible_collections.lispnet.ms_recovery.lab.yang.capabilities import (
    MODULES,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    NC,
    T,
)

ROOT = Path(__file__).resolve().parents[2]
PROJECT_YANG = ROOT / "yang"
# pyang installs the IETF modules under the running venv (also when ansible-test runs
# the tests from a copy of the collection).
IETF_YANG = Path(sys.prefix) / "share" / "yang" / "modules" / "ietf"
_QNAME_VALUE = re.compile(r"^([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*$")
# Used for types and the default-deny-all extension only; implementing
# ietf-netconf-acm would make yangson demand its nacm container in the data.
_IMPORT_ONLY = frozenset({"ietf-netconf-acm", "ietf-inet-types", "ietf-yang-types"})
_REVISION = re.compile(r"^\s*revision\s+\"?(\d{4}-\d{2}-\d{2})", re.MULTILINE)


class YangValidationError(AssertionError):
    """Instance data does not conform to the modules."""


def module_dirs() -> tuple[Path, ...]:
    return (PROJECT_YANG, IETF_YANG)


def _file_revision(name: str) -> str:
    for directory in module_dirs():
        path = directory / f"{name}.yang"
        if path.exists():
            match = _REVISION.search(path.read_text(encoding="utf-8"))
            if match is None:
                raise YangValidationError(f"{path} has no revision")
            return match.group(1)
    raise YangValidationError(f"module {name} not found in {module_dirs()}")


def yang_library() -> dict[str, object]:
    """RFC 7895 modules-state for yangson: every module the servers announce.

    The revisions come from namespaces.MODULES, and are checked against the
    files so that a module edited without updating the code fails loudly.
    """
    modules = []
    for name, namespace, revision in MODULES:
        on_disk = _file_revision(name)
        if on_disk != revision:
            raise YangValidationError(f"{name}: code says {revision}, file says {on_disk}")
        modules.append(
            {
                "name": name,
                "revision": revision,
                "namespace": namespace,
                "conformance-type": "import" if name in _IMPORT_ONLY else "implement",
            }
        )
    return {
        "ietf-yang-library:modules-state": {
            "module-set-id": "lispnet-ms-recovery",
            "module": modules,
        }
    }


@cache
def data_model() -> DataModel:
    return DataModel(json.dumps(yang_library()), [str(d) for d in module_dirs()])


def _to_stdlib(elem: etree._Element) -> ET.Element:
    """Copy to an ElementTree tree, which is what yangson reads.

    yangson resolves an identityref prefix (``lisp:lisp``) only through an
    ``xmlns:PREFIX`` attribute on the leaf itself (its issue #79), and the
    standard parser drops inherited declarations, so they are copied in.
    """
    out = ET.Element(elem.tag)
    out.text = elem.text
    text = elem.text
    if text and len(elem) == 0:
        match = _QNAME_VALUE.match(text)
        if match and match.group(1) in elem.nsmap:
            out.set(f"xmlns:{match.group(1)}", elem.nsmap[match.group(1)])
    for child in elem:
        if isinstance(child.tag, str):
            out.append(_to_stdlib(child))
    return out


def _data_root(data: etree._Element) -> etree._Element:
    if data.tag == T.rpc_reply:
        inner = data.find(T.data)
        if inner is not None:
            return inner
    if data.tag != T.data:
        raise YangValidationError(f"expected <data xmlns={NC!r}>, got {data.tag}")
    return data


def validate_data(data: etree._Element) -> None:
    """Raise YangValidationError unless ``data`` (a NETCONF <data>, config and
    state together) conforms to the modules."""
    root = _data_root(data)
    try:
        instance = data_model().from_xml(_to_stdlib(root))
        instance.validate(ValidationScope.all, ContentType.all)
    except YangsonException as exc:
        raise YangValidationError(f"yangson: {_describe(exc)}") from exc
    _yanglint(root)


def _validate_sub(schema: str, elem: etree._Element) -> None:
    # yangson 1.7 parses an RPC/notification subtree from XML but then fails
    # to validate the result (unqualified root members); going through its
    # raw (JSON) form, which it handles, gives a real check of the values.
    try:
        parsed = data_model().from_xml(_to_stdlib(elem), subschema=schema)
        instance = data_model().from_raw(parsed.raw_value(), subschema=schema)
        instance.validate(ValidationScope.all, ContentType.all)
    except YangsonException as exc:
        raise YangValidationError(f"yangson {schema}: {_describe(exc)}") from exc


def _wrapped(tag: str, children: etree._Element) -> etree._Element:
    wrapper = etree.Element(tag)
    for child in children:
        if isinstance(child.tag, str):
            wrapper.append(copy.deepcopy(child))
    return wrapper


def validate_rpc_input(body: etree._Element) -> None:
    """``body``: the RPC element sent inside <rpc>, e.g. <send-reregistration>."""
    name = etree.QName(body)
    module = _module_of(name.namespace)
    _validate_sub(f"{module}:{name.localname}", _wrapped(f"{{{name.namespace}}}input", body))


def validate_rpc_output(rpc: str, reply: etree._Element) -> None:
    """``rpc``: "module:name"; ``reply``: the <rpc-reply> holding the output leaves."""
    module = rpc.partition(":")[0]
    namespace = next(ns for name, ns, _unused in MODULES if name == module)
    _validate_sub(rpc, _wrapped(f"{{{namespace}}}output", reply))


def validate_notification(envelope: etree._Element) -> None:
    """``envelope``: a <notification>, or the event element inside it."""
    body = envelope
    if body.tag == T.notification:
        body = next(c for c in envelope if isinstance(c.tag, str) and c.tag != T.event_time)
    name = etree.QName(body)
    _validate_sub(f"{_module_of(name.namespace)}:{name.localname}", body)


def _module_of(namespace: str | None) -> str:
    for name, ns, _unused in MODULES:
        if ns == namespace:
            return name
    raise YangValidationError(f"no module with namespace {namespace}")


def _describe(exc: Exception) -> str:
    # Some yangson exceptions fail in __str__ (e.g. a None namespace).
    try:
        text = str(exc)
    except TypeError:
        text = repr(exc.args)
    return f"{type(exc).__name__}: {text}"


def yanglint_available() -> bool:
    return shutil.which("yanglint") is not None


def _yanglint(root: etree._Element) -> None:
    if not yanglint_available():
        return
    modules = [
        str(PROJECT_YANG / f"{name}.yang")
        for name, _unused, _unused in MODULES
        if (PROJECT_YANG / f"{name}.yang").exists()
    ]
    with tempfile.NamedTemporaryFile("wb", suffix=".xml") as tmp:
        # yanglint wants the top-level data nodes, not the NETCONF wrapper.
        tmp.write(b"".join(etree.tostring(child) for child in root))
        tmp.flush()
        cmd = ["yanglint", "-p", str(PROJECT_YANG), "-p", str(IETF_YANG)]
        cmd += ["-f", "xml", "-t", "data", *modules, tmp.name]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise YangValidationError(f"yanglint: {proc.stderr.strip() or proc.stdout.strip()}")
