#!/usr/bin/env bash
# mypy over plugins/, lab/ and extensions/, imported as the collection package they
# are (ansible_collections.lispnet.ms_recovery...). Usage: typecheck.sh VENV_PYTHON
set -euo pipefail
py=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/ansible_collections/lispnet"
ln -s "$root" "$tree/ansible_collections/lispnet/ms_recovery"
pkg=ansible_collections.lispnet.ms_recovery
cd "$tree"
MYPYPATH=$tree "$py" -m mypy --config-file "$root/pyproject.toml" \
  --cache-dir "$root/.mypy_cache" --python-executable "$py" \
  -p $pkg.plugins -p $pkg.lab -p $pkg.extensions
