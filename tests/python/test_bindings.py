"""The Python bindings: API, errors, threads, pydicom interoperability, and equality with the CLI."""
import ctypes
import io
import os
import subprocess
import sys

import pydicom
import pytest

import dicomscrub
from dicomscrub import _native
from conftest import DATA, ROOT, run

PHI = os.path.join(DATA, "phi")
CT = os.path.join(PHI, "Quixote_Zebulon", "CT_Zebulon_1.dcm")
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def tree(d):
    out = {}
    for base, _, names in os.walk(d):
        for n in names:
            p = os.path.join(base, n)
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


@pytest.fixture
def key_file(tmp_path):
    k = tmp_path / "k.key"
    k.write_text(KEY_HEX + "\n")
    os.chmod(k, 0o600)
    return str(k)


def test_engine_and_buffer_api():
    e = dicomscrub.Engine(key=bytes.fromhex(KEY_HEX), options=["clean_descriptors"])
    assert not e.one_time_key
    r = e.deidentify(open(CT, "rb").read())
    assert r.ok and r.status == "ok" and r.reason == ""
    assert r.output_path.count("/") == 2 and r.output_path.endswith(".dcm")
    assert r.data[128:132] == b"DICM"
    assert r.audit["status"] == "written" and r.audit["tags"]["(0010,0010)"] == "empty"
    assert b"Zebulon" not in r.data
    same = dicomscrub.Engine(key=KEY_HEX, options=["clean_descriptors"]).deidentify(open(CT, "rb").read())
    assert same.data == r.data  # hex text and bytes are the same key; output is deterministic
    assert dicomscrub.Engine().one_time_key


def test_withheld_and_errors_carry_offset_and_tag_path(burned_withheld):
    e = dicomscrub.Engine(key=KEY_HEX)
    w = e.deidentify(open(burned_withheld, "rb").read())
    assert w.status == "withheld" and "Burned In Annotation is YES" in w.reason and w.data is None
    with pytest.raises(dicomscrub.DicomscrubError) as ei:
        e.deidentify(open(os.path.join(DATA, "malformed", "truncated_value.dcm"), "rb").read())
    assert ei.value.status == "input error" and ei.value.offset == 1118 and ei.value.tag_path == "(7FE0,0010)"
    with pytest.raises(dicomscrub.DicomscrubError) as ci:
        dicomscrub.Engine(options=["retain_everything"])
    assert ci.value.status == "configuration error" and "retain_everything" in ci.value.message
    with pytest.raises(dicomscrub.DicomscrubError):
        dicomscrub.Engine(key=b"short")


def test_files_trees_and_threads(tmp_path, key_file):
    e = dicomscrub.Engine(key_file=key_file)
    dst = tmp_path / "one.dcm"
    r = dicomscrub.deidentify_file(CT, dst, engine=e)
    assert r.ok and dst.exists()
    with pytest.raises(dicomscrub.DicomscrubError) as ei:
        e.deidentify_file(CT, dst)  # never replaces
    assert ei.value.status == "i/o error"
    one = dicomscrub.deidentify_tree(PHI, tmp_path / "w1", workers=1, engine=e)
    two = dicomscrub.deidentify_tree(PHI, tmp_path / "w2", workers=2, engine=e)
    assert [x.status for x in one] == [x.status for x in two]
    assert sum(x.ok for x in one) == 4
    assert [x.input for x in one if x.status == "error"] == [os.path.join(PHI, "planted.json")]  # not DICOM
    bad = dicomscrub.deidentify_tree(os.path.join(DATA, "malformed", "truncated_value.dcm"), tmp_path / "w3", engine=e)
    assert bad[0].status == "error" and isinstance(bad[0].error, dicomscrub.InputError)
    assert bad[0].error.offset == 1118 and bad[0].error.tag_path == "(7FE0,0010)" and bad[0].input.endswith("truncated_value.dcm")
    assert tree(tmp_path / "w1") == tree(tmp_path / "w2")
    # ctypes.CDLL (not PyDLL) drops the GIL for every foreign call: that is what lets
    # deidentify_tree's worker threads run in the engine at the same time.
    assert isinstance(_native.lib, ctypes.CDLL) and not isinstance(_native.lib, ctypes.PyDLL)


def test_python_output_equals_cli_output(tmp_path, key_file):
    dicomscrub.deidentify_tree(PHI, tmp_path / "py", workers=2, key_file=key_file)
    run("deid", "--key-file", key_file, "--output", str(tmp_path / "cli"), PHI)
    py, cli = tree(tmp_path / "py"), tree(tmp_path / "cli")
    assert len(py) == 4 and py == cli


def test_python_m_dicomscrub_mirrors_the_cli(tmp_path, key_file):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "bindings", "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "dicomscrub", "deid", "--key-file", key_file, "--output", str(tmp_path / "m"), PHI],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 1, p.stderr  # planted.json is not DICOM: reported as an error, like the CLI's exit 1
    assert "4 written" in p.stdout
    run("deid", "--key-file", key_file, "--output", str(tmp_path / "cli"), PHI)
    assert tree(tmp_path / "m") == tree(tmp_path / "cli")
    p = subprocess.run([sys.executable, "-m", "dicomscrub", "keygen", str(tmp_path / "new.key")], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and oct(os.stat(tmp_path / "new.key").st_mode & 0o777) == "0o600"


def test_pydicom_in_and_out(burned_withheld):
    e = dicomscrub.Engine(key=KEY_HEX)
    ds = pydicom.dcmread(CT)
    out = e.deidentify_dataset(ds)
    assert isinstance(out, pydicom.Dataset)
    assert out.PatientName == "" and out.PatientIdentityRemoved == "YES"
    assert out.SOPInstanceUID != ds.SOPInstanceUID
    # The same instance through bytes and through pydicom gets the same pseudonyms.
    r = e.deidentify(open(CT, "rb").read())
    assert r.dataset().SOPInstanceUID == out.SOPInstanceUID
    assert e.deidentify_dataset(pydicom.dcmread(burned_withheld)) is None


def test_type_hints_ship():
    import dicomscrub as pkg
    assert os.path.exists(os.path.join(os.path.dirname(pkg.__file__), "py.typed"))
    assert dicomscrub.Engine.deidentify.__doc__ and dicomscrub.deidentify_tree.__doc__
