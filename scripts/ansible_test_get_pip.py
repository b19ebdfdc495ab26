"""Stand-in for the pip bootstrap script ansible-test downloads into its cache.

ansible-test creates a virtual environment per sanity test without pip and
bootstraps pip with a get-pip script it downloads from its own CI file host, which
a machine that reaches only the package index cannot fetch ("Download failed ...
can be manually downloaded and saved to ~/.ansible/test/cache/"). scripts/ansible-test.sh
saves this file there instead: it installs the pip bundled with Python (ensurepip),
then the exact packages ansible-test asked for from the package index, as the real
script does. It runs inside the new virtual environment (sys.executable).
"""

from __future__ import annotations

import subprocess
import sys

# get-pip's own switches; pip install does not know them.
_OWN_FLAGS = ("--no-setuptools", "--no-wheel")


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg not in _OWN_FLAGS]
    # In a process of its own: ensurepip turns pip's configuration off in its
    # environment (PIP_CONFIG_FILE), and the install below needs it (index, certificates).
    subprocess.run([sys.executable, "-m", "ensurepip"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)
    if "--no-setuptools" in sys.argv:
        # ensurepip of Python 3.11 also installs setuptools; ansible-test wants none.
        subprocess.run(
            [sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"],
            check=True,
        )


if __name__ == "__main__":
    main()
