#!/usr/bin/env bash
# Run ansible-test on a real copy of the collection: ansible-test refuses a symlinked
# tree and needs .../ansible_collections/NS/NAME with the dependency collections
# beside it. Offline: --local, from the venv that holds the test requirements.
# Usage: ansible-test.sh VENV_PYTHON units|sanity [ansible-test options...]
set -euo pipefail
py=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
copy="$tree/ansible_collections/lispnet/ms_recovery"
mkdir -p "$copy" "$tree/ansible_collections/ansible"
# The files git knows (tracked or new, not ignored): what a clean clone holds.
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf -) | tar -xf - -C "$copy"
site=$("$py" -c 'import ansible_collections.ansible.netcommon as m, os; print(os.path.dirname(os.path.dirname(m.__path__[0])))')
for dep in netcommon utils; do
  cp -r "$site/ansible/$dep" "$tree/ansible_collections/ansible/"
done
pyver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
# Even with --local, ansible-test runs each sanity test in a venv of its own, which it
# bootstraps with a get-pip script from its CI file host; only the package index is
# reachable here. Give it scripts/ansible_test_get_pip.py under the name it looks for
# in its cache (its error message invites that), unless a real one is there.
pipver=$("$py" -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
from ansible_test._internal.host_configs import NativePythonConfig as P
print(g(P(version="'"$pyver"'", path="")).get("pip", ""))')
get_pip="$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"
if [ -n "$pipver" ] && { [ ! -s "$get_pip" ] || grep -q "^\"\"\"Stand-in for the pip bootstrap" "$get_pip"; }; then
  mkdir -p "$(dirname "$get_pip")"
  cp "$root/scripts/ansible_test_get_pip.py" "$get_pip"
fi
cd "$copy"
PATH="$(dirname "$py"):$PATH" "$(dirname "$py")/ansible-test" "$@" --local --python "$pyver"
