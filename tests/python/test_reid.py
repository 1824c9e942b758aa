"""Authorized re-identification: mapping tables (MIDI-B uid_mapping.csv / patid_mapping.csv)."""
import os
import stat
import subprocess

import pytest

from conftest import EXE, run
from reid_archive import check_matched_back, make_archive, read_mapping


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    return str(root), make_archive(str(root))  # 3 patients x 2 studies x 2 series x 3 = 36 instances


def test_mapping_tables_match_every_output_back_to_its_input(tmp_path, key, archive):
    root, paths = archive
    out, maps = tmp_path / "out", tmp_path / "maps"
    p = run("deid", "--key-file", key, "--output", str(out), "--mapping", str(maps), "--jobs", "2", root)
    assert p.returncode == 0, p.stdout + p.stderr
    for name in ("uid_mapping.csv", "patid_mapping.csv"):
        assert stat.S_IMODE(os.stat(maps / name).st_mode) == 0o600
    assert check_matched_back(paths, str(out), str(maps)) == 36
    uids = read_mapping(maps / "uid_mapping.csv")
    # 6 studies + 12 series + 36 instances + 12 frames of reference, each exactly once.
    assert len(uids) == 6 + 12 + 36 + 12
    assert sorted(read_mapping(maps / "patid_mapping.csv"))[0][0] == "PT0001-7001"
    assert len(read_mapping(maps / "patid_mapping.csv")) == 3


def test_reruns_and_concurrent_processes_merge_without_duplicates_or_losses(tmp_path, key, archive):
    root, paths = archive
    maps = tmp_path / "maps"
    # A first run on one patient, then three processes at once on overlapping inputs.
    run("deid", "--key-file", key, "--output", str(tmp_path / "o1"), "--mapping", str(maps), os.path.join(root, "p1"))
    procs = [subprocess.Popen([EXE, "deid", "--key-file", key, "--output", str(tmp_path / f"c{i}"), "--mapping", str(maps),
                               *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i, args in enumerate([[root], [os.path.join(root, "p2"), os.path.join(root, "p3")], [root]])]
    for pr in procs:
        assert pr.wait() == 0, pr.stderr.read()
    assert check_matched_back(paths, str(tmp_path / "c0"), str(maps)) == 36
    assert len(read_mapping(maps / "uid_mapping.csv")) == 66
    # A writer killed mid-line leaves a partial row: the next writer ends it and goes on.
    with open(maps / "patid_mapping.csv", "a") as f:
        f.write("PT9999-CUT")
    run("deid", "--key-file", key, "--output", str(tmp_path / "o2"), "--mapping", str(maps), root)
    rows = read_mapping(maps / "patid_mapping.csv")
    assert len(rows) == 3 and all(len(r) == 2 for r in rows)


def test_dry_run_writes_no_mapping(tmp_path, key, archive):
    root, _ = archive
    run("deid", "--key-file", key, "--dry-run", "--mapping", str(tmp_path / "maps"), root)
    assert not (tmp_path / "maps").exists()


def test_mapping_through_python_and_the_c_abi(tmp_path, key, archive):
    import dicomscrub

    root, paths = archive
    engine = dicomscrub.Engine(key_file=key, mapping_dir=tmp_path / "maps")
    results = dicomscrub.deidentify_tree(root, tmp_path / "out", workers=4, engine=engine)
    assert all(r.ok for r in results)
    assert check_matched_back(paths, str(tmp_path / "out"), str(tmp_path / "maps")) == 36
    # Buffer calls record their rows too, and the same key gives the CLI's rows.
    engine2 = dicomscrub.Engine(key_file=key, mapping_dir=tmp_path / "maps2")
    for p in paths:
        assert engine2.deidentify(open(p, "rb").read()).ok
    run("deid", "--key-file", key, "--output", str(tmp_path / "cli"), "--mapping", str(tmp_path / "maps3"), root)
    for name in ("uid_mapping.csv", "patid_mapping.csv"):
        a = sorted(read_mapping(tmp_path / "maps" / name))
        assert a == sorted(read_mapping(tmp_path / "maps2" / name)) == sorted(read_mapping(tmp_path / "maps3" / name))
    with pytest.raises(dicomscrub.DicomscrubError, match="unknown setting"):
        raise_unknown_setting()


def raise_unknown_setting():
    import ctypes

    import dicomscrub
    from dicomscrub import _native as n

    h = n.EngineP()
    sets = (ctypes.c_char_p * 1)(b"no_such=1")
    st = n.lib.dscrub_engine_new_with_settings(b"basic", None, 0, None, 0, sets, 1, ctypes.byref(h))
    dicomscrub._raise(st)


def test_mapping_from_dask_workers(tmp_path, key, archive):
    distributed = pytest.importorskip("distributed")
    from dicomscrub.distributed import deidentify_with_dask

    root, paths = archive
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = deidentify_with_dask(client, [root], tmp_path / "out", key_file=key, batch_size=5,
                                       mapping_dir=tmp_path / "maps")
    assert [r["status"] for r in results] == ["ok"] * 36
    assert check_matched_back(paths, str(tmp_path / "out"), str(tmp_path / "maps")) == 36
    assert len(read_mapping(tmp_path / "maps" / "uid_mapping.csv")) == 66
