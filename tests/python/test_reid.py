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
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = deidentify_with_dask(client, [root], tmp_path / "out", key_file=key, batch_size=5,
                                       mapping_dir=tmp_path / "maps")
    assert [r["status"] for r in results] == ["ok"] * 36
    assert check_matched_back(paths, str(tmp_path / "out"), str(tmp_path / "maps")) == 36
    assert len(read_mapping(tmp_path / "maps" / "uid_mapping.csv")) == 66


# ---- lookup tables ----

def write_lookup(path, rows, header=True):
    with open(path, "w", encoding="utf-8") as f:
        if header:
            f.write("keyword,original,replacement\n")
        for r in rows:
            f.write(r + "\n")
    return str(path)


def outputs(out):
    import pydicom

    found = []
    for base, _, names in os.walk(out):
        for n in names:
            found.append(pydicom.dcmread(os.path.join(base, n), stop_before_pixels=True))
    return found


def test_lookup_table_hits_replace_the_profiles_pseudonyms(tmp_path, key, archive):
    root, _ = archive
    table = write_lookup(tmp_path / "subjects.csv", [
        "PatientID,PT0001-7001,SUBJ-001", "PatientID,PT0002-7002,SUBJ-002", '"PatientID",PT0003-7003,"SUBJ-003"',
        "PatientName,ZYMURGY^QUILLON1,Subject^One", "\"(0008,0050)\",ACC1088,TRIAL-A1",
    ])
    out, maps = tmp_path / "out", tmp_path / "maps"
    p = run("deid", "--key-file", key, "--output", str(out), "--lookup", table, "--lookup-missing", "keyed",
            "--mapping", str(maps), root)
    assert p.returncode == 0, p.stdout + p.stderr
    dss = outputs(out)
    assert len(dss) == 36
    assert sorted({d.PatientID for d in dss}) == ["SUBJ-001", "SUBJ-002", "SUBJ-003"]
    p1 = [d for d in dss if d.PatientID == "SUBJ-001"]
    assert {str(d.PatientName) for d in p1} == {"Subject^One"}
    assert sum(d.AccessionNumber == "TRIAL-A1" for d in dss) == 6  # patient 1, study 0: 2 series x 3
    assert sorted(read_mapping(maps / "patid_mapping.csv")) == [
        ("PT0001-7001", "SUBJ-001"), ("PT0002-7002", "SUBJ-002"), ("PT0003-7003", "SUBJ-003")]
    # The other patients' names get the profile's action (Z: empty; the table names only patient 1's).
    assert {str(d.PatientName) for d in dss if d.PatientID != "SUBJ-001"} == {""}


def test_lookup_table_misses_withhold_or_fall_back_to_the_keyed_pseudonym(tmp_path, key, archive):
    root, _ = archive
    table = write_lookup(tmp_path / "partial.csv", ["PatientID,PT0001-7001,SUBJ-001"], header=False)
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "w"), "--lookup", table, root)
    assert p.returncode == 3
    assert "24 withheld" in p.stdout
    assert "partial.csv has no replacement for this instance's PatientID" in p.stdout
    assert "PT0002" not in p.stdout + p.stderr  # reasons never carry values
    assert {d.PatientID for d in outputs(tmp_path / "w")} == {"SUBJ-001"}
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "k"), "--lookup", table, "--lookup-missing", "keyed", root)
    assert p.returncode == 0
    ids = {d.PatientID for d in outputs(tmp_path / "k")}
    assert "SUBJ-001" in ids and len(ids) == 3 and not any(i.startswith("PT") for i in ids)


def test_a_lookup_output_run_again_is_written_byte_for_byte(tmp_path, key, archive):
    """A second pass with the same table found the table's replacements (SUBJ-001) where it looks
    for originals: every instance was withheld as a miss. A replacement of the table is the data
    manager's pseudonym: it passes, and the residual check does not call it the patient's ID."""
    import filecmp

    root, _ = archive
    table = write_lookup(tmp_path / "subjects.csv", [
        "PatientID,PT0001-7001,SUBJ-001", "PatientID,PT0002-7002,SUBJ-002", "PatientID,PT0003-7003,SUBJ-003",
        "PatientName,ZYMURGY^QUILLON1,Subject^One", "PatientName,ZYMURGY^QUILLON2,Subject^Two",
        "PatientName,ZYMURGY^QUILLON3,Subject^Three"])
    first, second = tmp_path / "first", tmp_path / "second"
    p = run("deid", "--key-file", key, "--output", str(first), "--lookup", table, root)
    assert p.returncode == 0, p.stdout + p.stderr
    p = run("deid", "--key-file", key, "--output", str(second), "--lookup", table, str(first))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "36 written" in p.stdout
    for base, _, names in os.walk(first):
        for n in names:
            a = os.path.join(base, n)
            assert filecmp.cmp(a, os.path.join(second, os.path.relpath(a, first)), shallow=False), a
    # Still a miss: a value that is neither an original nor a replacement of the table.
    other = write_lookup(tmp_path / "other.csv", ["PatientID,PT0001-7001,SUBJ-009"])
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "third"), "--lookup", other, str(first))
    assert p.returncode == 3 and "36 withheld" in p.stdout


@pytest.mark.parametrize("rows,message", [
    (["PatientID,PT1"], "line 2: expected 3 columns"),
    (["PatientID,PT1,S1", "NoSuchKeyword,a,b"], "line 3: 'NoSuchKeyword' is not a PS3.6 keyword"),
    (['PatientID,"PT1,S1'], "line 2: a quoted field is not closed"),
    (["PatientID,PT1,S1", "PatientID,PT1,S2"], "line 3: PatientID has a second, different replacement"),
    (["PatientID,PT1,THIS-REPLACEMENT-IS-FAR-TOO-LONG-FOR-A-LONG-STRING-ATTRIBUTE-OF-64-CHARACTERS"], "line 2: the replacement is longer"),
    (["StudyInstanceUID,1.2.3,not-a-uid"], "line 2: the replacement is not a valid UID"),
    (["PatientID,,S1"], "line 2: the original value is empty"),
])
def test_malformed_lookup_tables_are_refused_naming_file_and_line(tmp_path, key, archive, rows, message):
    root, _ = archive
    table = write_lookup(tmp_path / "bad.csv", rows)
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "o"), "--lookup", table, root, check=False)
    assert p.returncode == 2
    assert "bad.csv" in p.stderr and message in p.stderr, p.stderr
    assert not (tmp_path / "o").exists()


def test_lookup_through_python(tmp_path, key, archive):
    import dicomscrub

    root, paths = archive
    table = write_lookup(tmp_path / "t.csv", ["PatientID,PT0002-7002,SUBJ-002"])
    eng = dicomscrub.Engine(key_file=key, lookup=table)
    r1 = eng.deidentify(open(paths[0], "rb").read())
    assert r1.status == "withheld" and "PatientID" in r1.reason
    r2 = eng.deidentify(open(paths[12], "rb").read())
    assert r2.ok and r2.dataset().PatientID == "SUBJ-002"
    keyed = dicomscrub.Engine(key_file=key, lookup=table, lookup_missing="keyed")
    assert keyed.deidentify(open(paths[0], "rb").read()).ok
    with pytest.raises(dicomscrub.DicomscrubError, match="not keyed or withhold"):
        dicomscrub.Engine(key_file=key, lookup=table, lookup_missing="maybe")


# ---- the TCIA-style preset ----

def test_profile_show_tcia_explains_each_choice():
    out = run("profile", "show", "tcia").stdout
    for option in ("clean_descriptors", "retain_long_modified_dates", "retain_patient_characteristics",
                   "retain_device_identity", "retain_safe_private", "Clean Pixel Data"):
        assert option in out.split("profile: tcia")[0], option
    assert "options: retain_safe_private retain_device_identity retain_patient_characteristics " \
           "retain_long_modified_dates clean_descriptors" in out
    assert "no built-in profile named 'nope' (built-in: basic, tcia)" in run("profile", "show", "nope", check=False).stderr


def test_tcia_preset_keeps_intervals_characteristics_devices_and_safe_private(tmp_path, key):
    import pydicom

    from reid_archive import make_instance

    src = tmp_path / "in"
    src.mkdir()
    make_instance(str(src / "a.dcm"), 5, 0, 0, 0)
    make_instance(str(src / "b.dcm"), 5, 1, 0, 0)  # the same patient's next study
    ds = pydicom.dcmread(src / "a.dcm")
    ds.StudyDescription = "CT CHEST for ZYMURGY follow-up"
    ds.DeviceSerialNumber, ds.PatientAge = "SN-4431", "061Y"
    block = ds.private_block(0x00E1, "ELSCINT1", create=True)  # (00E1,xx21) DS is on E.3.10-1
    block.add_new(0x21, "DS", "1.5")
    block.add_new(0x22, "LO", "unlisted private text")
    ds.save_as(src / "a.dcm", enforce_file_format=True)
    out = tmp_path / "out"
    p = run("deid", "--profile", "tcia", "--key-file", key, "--output", str(out), str(src))
    assert p.returncode == 0, p.stdout + p.stderr
    outs = sorted(outputs(out), key=lambda d: d.StudyDate)
    assert len(outs) == 2
    o, o2 = outs
    ia, ib = pydicom.dcmread(src / "a.dcm"), pydicom.dcmread(src / "b.dcm")
    from datetime import date

    def day(s):
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    assert day(o.StudyDate) != day(ia.StudyDate)
    assert day(o2.StudyDate) - day(o.StudyDate) == day(ib.StudyDate) - day(ia.StudyDate)  # interval kept
    assert o.PatientSex == ia.PatientSex and o.PatientAge == "061Y"
    assert o.Manufacturer == "ACME" and o.DeviceSerialNumber == "SN-4431"
    assert o.StudyDescription.startswith("CT CHEST") and "ZYMURGY" not in o.StudyDescription
    assert o.get((0x00E1, 0x1021)) is not None and o.get((0x00E1, 0x1022)) is None
    assert o.LongitudinalTemporalInformationModified == "MODIFIED"
    codes = {c.CodeValue for c in o.DeidentificationMethodCodeSequence}
    assert codes == {"113100", "113105", "113107", "113108", "113109", "113111"}


def test_a_site_allow_list_extends_the_preset(tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    kb = tmp_path / "kb.csv"
    kb.write_text('tag,disposition\n"(0019,""GEMS_ACQU_01"",0A)",k\n"(0043,""GEMS_PARM_01"",27)",d\n')
    prof = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "import_private_allowlist.py"), str(kb)],
                          capture_output=True, text=True, check=True).stdout
    rules = json.loads(prof)["rules"]
    assert json.loads(prof)["extends"] == "tcia"
    assert [(r["private_creator"], r["group"], r["element"]) for r in rules] == [("GEMS_ACQU_01", "0019", "0A")]
    (tmp_path / "site.json").write_text(prof)
    shown = run("profile", "show", str(tmp_path / "site.json")).stdout
    assert '(0019,xx0A) creator "GEMS_ACQU_01"' in shown and "retain_safe_private" in shown
