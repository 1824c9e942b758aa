import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.environ.get("DICOMSCRUB_EXE", os.path.join(ROOT, "build", "cli", "dicomscrub"))
DATA = os.path.join(ROOT, "tests", "data")


def run(*args, check=True):
    p = subprocess.run([EXE, *args], capture_output=True, text=True)
    if check and p.returncode not in (0, 3):
        raise AssertionError(f"dicomscrub {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


@pytest.fixture
def key(tmp_path):
    k = tmp_path / "site.key"
    run("keygen", str(k))
    return str(k)


@pytest.fixture(scope="session")
def planted():
    with open(os.path.join(DATA, "phi", "planted.json"), encoding="utf-8") as f:
        return json.load(f)

# The bindings under test: the in-tree package over build/libdicomscrub.so, unless the caller
# points DICOMSCRUB_PYTHON_INSTALLED=1 at an installed one (tools/test.sh checks pip install too).
if not os.environ.get("DICOMSCRUB_PYTHON_INSTALLED"):
    import sys

    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    # Worker processes (Dask) import the package too: give them the same path.
    os.environ["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python") + os.pathsep + os.environ.get("PYTHONPATH", "")
    os.environ.setdefault("DICOMSCRUB_LIBRARY", os.path.join(ROOT, "build", "libdicomscrub.so"))
