"""The Python API as a data scientist meets it (issue 20): bytes, paths and in-memory pydicom
Datasets; options as one string; the exception hierarchy; deidentify_tree's one result per input,
its duplicate policy and progress; short reprs; python -m dicomscrub for every command."""
import os
import pathlib
import shutil
import subprocess
import sys

import pydicom
import pytest
from pydicom.dataset import Dataset

import dicomscrub
from conftest import DATA, EXE, ROOT

PHI = os.path.join(DATA, "phi", "Quixote_Zebulon")
CT = os.path.join(DATA, "ct_explicit_le.dcm")
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def engine():
    return dicomscrub.Engine(key=KEY_HEX)


def test_deidentify_takes_bytes_a_path_or_a_dataset_without_file_meta(engine, tmp_path):
    from_bytes = engine.deidentify(open(CT, "rb").read())
    from_path = engine.deidentify(CT)
    from_pathlike = engine.deidentify(pathlib.Path(CT))
    assert from_path.ok and from_path.data == from_bytes.data == from_pathlike.data and from_path.input == CT
    ds = Dataset()  # built in memory: no file meta, no preamble
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", "1.2.826.0.1.3680043.8.498.777"
    ds.PatientName, ds.PatientID, ds.Modality = "QUIXOTE^ZEBULON", "88123456", "OT"
    before = set(ds.keys())
    r = engine.deidentify(ds)
    assert r.ok and r.input == "<dataset>"
    out = r.dataset()
    assert str(out.PatientName) != "QUIXOTE^ZEBULON" and out.PatientID != "88123456"
    assert set(ds.keys()) == before  # the caller's Dataset is not changed
    assert "TransferSyntaxUID" not in getattr(ds, "file_meta", {})


def test_options_as_one_string_or_a_list():
    one = dicomscrub.Engine(key=KEY_HEX, options="retain_uids")
    many = dicomscrub.Engine(key=KEY_HEX, options=["retain_uids"])
    a, b = one.deidentify(CT), many.deidentify(CT)
    assert a.data == b.data and pydicom.dcmread(CT).SOPInstanceUID == a.dataset().SOPInstanceUID
    assert repr(one) == "Engine(profile='basic', options=['retain_uids'])"


def test_exception_hierarchy_carries_input_offset_and_tag_path(engine, tmp_path):
    bad = os.path.join(DATA, "malformed", "truncated_value.dcm")
    with pytest.raises(dicomscrub.InputError) as ei:
        engine.deidentify(bad)
    e = ei.value
    assert isinstance(e, ValueError) and isinstance(e, dicomscrub.DicomscrubError)
    assert e.input == bad and e.offset == 1118 and e.tag_path == "(7FE0,0010)"
    with pytest.raises(dicomscrub.InputError):
        engine.deidentify(str(tmp_path / "missing.dcm"))
    with pytest.raises(dicomscrub.ConfigError):
        dicomscrub.Engine(key=KEY_HEX, options="retain_everything")
    dst = tmp_path / "one.dcm"
    engine.deidentify_file(CT, dst)
    with pytest.raises(dicomscrub.OutputError) as oi:
        engine.deidentify_file(CT, dst)  # never replaces
    assert isinstance(oi.value, OSError) and oi.value.input == CT


def test_result_repr_is_short_and_withheld_can_raise(engine, burned_withheld):
    r = engine.deidentify(CT)
    text = repr(r)
    assert len(text) < 300 and "data=<" in text and "bytes>" in text and r.output_path in text
    w = engine.deidentify(burned_withheld)
    assert w.status == "withheld" and "reason=" in repr(w)
    with pytest.raises(dicomscrub.WithheldError, match="Burned In Annotation"):
        w.check()
    assert r.check() is r


@pytest.fixture
def twice(tmp_path):
    src = os.path.join(PHI, sorted(os.listdir(PHI))[0])
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "b").mkdir(parents=True)
    shutil.copy(src, tmp_path / "in" / "a" / "x.dcm")
    ds = pydicom.dcmread(src)
    px = bytearray(ds.PixelData)
    px[0] ^= 0xFF
    ds.PixelData = bytes(px)
    ds.save_as(str(tmp_path / "in" / "b" / "x.dcm"))
    return tmp_path / "in"


def tree(d):
    return {os.path.relpath(os.path.join(b, n), d): open(os.path.join(b, n), "rb").read()
            for b, _, ns in os.walk(d) for n in ns}


def test_deidentify_tree_one_result_per_input_duplicates_and_progress(engine, twice, tmp_path):
    seen = []
    res = {}
    for workers in (1, 3):
        out = tmp_path / f"w{workers}"
        results = dicomscrub.deidentify_tree(twice, out, workers=workers, engine=engine,
                                             progress=lambda d, t: seen.append((d, t)))
        assert [r.input for r in results] == [str(twice / "a" / "x.dcm"), str(twice / "b" / "x.dcm")]
        assert [r.status for r in results] == ["ok", "duplicate"]
        assert results[1].duplicate_of == str(twice / "a" / "x.dcm")
        res[workers] = tree(out)
    assert res[1] == res[3] and len(res[1]) == 1
    assert seen == [(1, 2), (2, 2)] * 2
    # The same tree as the CLI's (which keeps the first too), and the suffix policy writes both.
    key_file = tmp_path / "k.key"
    key_file.write_text(KEY_HEX + "\n")
    os.chmod(key_file, 0o600)
    subprocess.run([EXE, "deid", "--key-file", str(key_file), "--output", str(tmp_path / "cli"), str(twice)], capture_output=True)
    assert tree(tmp_path / "cli") == res[1]
    both = dicomscrub.deidentify_tree(twice, tmp_path / "s", engine=engine, duplicates="suffix")
    assert [r.status for r in both] == ["ok", "ok"] and both[1].output_path.endswith("-2.dcm")
    # tqdm-like objects get update(1) per input.
    class Bar:
        n = 0

        def update(self, k):
            Bar.n += k
    dicomscrub.deidentify_tree(twice, tmp_path / "t", engine=engine, progress=Bar())
    assert Bar.n == 2
    dry = dicomscrub.deidentify_tree(twice, tmp_path / "dry", engine=engine, dry_run=True)
    assert [r.status for r in dry] == ["ok", "duplicate"] and not (tmp_path / "dry").exists()


def test_dask_keeps_the_first_of_two_duplicates(twice, tmp_path):
    distributed = pytest.importorskip("distributed")
    from dicomscrub.distributed import deidentify_with_dask

    key_file = tmp_path / "k.key"
    key_file.write_text(KEY_HEX + "\n")
    os.chmod(key_file, 0o600)
    inputs = [str(twice / "b"), str(twice / "a"), str(twice / "a")]  # b first this time
    local = dicomscrub.deidentify_tree(inputs, tmp_path / "local", key_file=key_file)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        records = deidentify_with_dask(client, inputs, tmp_path / "dask", key_file=key_file, batch_size=1)
    assert [r["status"] for r in records] == ["ok", "duplicate"] == [r.status for r in local]
    assert tree(tmp_path / "dask") == tree(tmp_path / "local")
    assert pydicom.dcmread(next((tmp_path / "dask").rglob("*.dcm"))).PixelData == pydicom.dcmread(twice / "b" / "x.dcm").PixelData


def test_python_m_dicomscrub_offers_every_command(tmp_path, key):
    env = dict(os.environ, DICOMSCRUB_EXE=EXE,
               PYTHONPATH=os.path.join(ROOT, "bindings", "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def pym(*args):
        return subprocess.run([sys.executable, "-m", "dicomscrub", *map(str, args)], capture_output=True, text=True, env=env)

    for cmd in ("verify", "profile", "report", "dump", "rewrite"):
        p = pym(cmd, "--help")
        assert p.returncode == 0 and p.stdout.startswith(f"usage: dicomscrub {cmd}"), (cmd, p.stderr)
    assert pym("verify", PHI).returncode in (0, 3)
    assert "token (keyed)" in pym("profile", "show").stdout
    p = pym("deid", "--key-file", key, "--dry-run", "--output", tmp_path / "o", PHI)
    assert p.returncode == 0 and "4 would be written" in p.stdout and not (tmp_path / "o").exists()
    assert pym("deid", "--key-file", key, "--output", tmp_path / "o", "--jobs", "0", PHI).returncode == 2


def test_an_output_folder_that_cannot_be_made_is_an_output_error(engine, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(dicomscrub.OutputError) as ei:
        engine.deidentify_to_dir(CT, blocker)
    assert "cannot create the output folder" in ei.value.message and ei.value.input == CT
