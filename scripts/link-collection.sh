#!/usr/bin/env bash
# Make this checkout importable as ansible_collections.lispnet.ms_recovery inside the
# venv, and install the `lisplab` command. Usage: link-collection.sh VENV_PYTHON
set -euo pipefail
py=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
purelib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$purelib/ansible_collections/lispnet"
ln -sfn "$root" "$purelib/ansible_collections/lispnet/ms_recovery"
bindir=$(dirname "$py")
cat > "$bindir/lisplab" <<SH
#!/bin/sh
exec "$py" -m ansible_collections.lispnet.ms_recovery.lab.cli "\$@"
SH
chmod +x "$bindir/lisplab"
