"""Start-up cost stays out of the commands that do not need it: the `dicomscrub` program does not
link the gateway's DCMTK and libcurl (loading and relocating them cost every run ~24 M instructions,
70 % of a deid run's fixed cost); `dicomscrub gateway` runs `dicomscrub-gateway` beside it, and
says so clearly when that program is missing."""
import os
import shutil
import subprocess

from conftest import EXE


def needed(program):
    out = subprocess.run(["readelf", "-d", program], check=True, capture_output=True, text=True).stdout
    return [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def test_dicomscrub_does_not_link_the_gateway_libraries():
    libs = needed(EXE)
    assert libs, "readelf found no NEEDED entries: not an ELF program?"
    assert any(lib.startswith("libcrypto") for lib in libs)  # the reading is real: a library we do need
    assert not [lib for lib in libs if lib.startswith(("libdcm", "libofstd", "liboflog", "libcurl"))], libs
    gateway = os.path.join(os.path.dirname(EXE), "dicomscrub-gateway")
    assert any(lib.startswith("libdcmnet") for lib in needed(gateway))


def test_gateway_command_runs_the_gateway_program(tmp_path):
    # The same arguments reach dicomscrub-gateway: its own usage error comes back.
    p = subprocess.run([EXE, "gateway", "--listen"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "--listen needs a value" in p.stderr
    p = subprocess.run([EXE, "gateway", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "usage: dicomscrub gateway" in p.stdout


def test_gateway_program_missing_is_a_clear_error(tmp_path):
    alone = tmp_path / "dicomscrub"
    shutil.copy(EXE, alone)
    p = subprocess.run([str(alone), "gateway", "--listen", "127.0.0.1:1"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "dicomscrub-gateway" in p.stderr and "beside dicomscrub" in p.stderr
