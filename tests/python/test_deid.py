"""End-to-end de-identification through the CLI, checked with pydicom (an independent reader)
and byte searches: the PHI-planted set, references, determinism, key dependence, options."""
import json
import os

import pydicom
import pytest

from conftest import DATA, audit_records, run

PHI = os.path.join(DATA, "phi")
OPTION_SETS = [
    [],
    ["clean_descriptors"],
    ["retain_long_modified_dates", "clean_descriptors", "clean_structured_content", "retain_safe_private"],
    ["retain_patient_characteristics", "retain_device_identity", "retain_uids"],
]


def deid(out, key, *inputs, options=(), extra=(), check=True):
    args = ["deid", "--key-file", key, "--output", str(out), "--audit", str(out) + ".audit.jsonl"]
    for o in options:
        args += ["--option", o]
    return run(*args, *extra, *inputs, check=check)


def outputs(out):
    found = []
    for d, _, names in os.walk(out):
        found += [os.path.join(d, n) for n in names]
    return sorted(found)


def spellings(value):
    """The byte forms a planted value can take in an output."""
    forms = {value.encode("utf-8"), value.upper().encode("utf-8"), value.lower().encode("utf-8")}
    try:
        forms.add(value.encode("latin-1"))
    except UnicodeEncodeError:
        pass
    return forms


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: "+".join(o) or "basic")
def test_no_planted_value_survives(tmp_path, key, planted, options):
    out = tmp_path / "out"
    p = deid(out, key, PHI, options=options)
    assert "4 written" in p.stdout, p.stdout + p.stderr
    files = outputs(out)
    assert len(files) == 4
    values = dict(planted["planted"])
    if "retain_uids" in options:
        values.pop("uid_root")  # kept on purpose by Retain UIDs
    if "retain_device_identity" in options:
        values.pop("station")
        values.pop("serial")
    if "retain_long_modified_dates" in options:
        pass  # dates are shifted, so the planted ones must still be absent
    for f in files:
        data = open(f, "rb").read()
        for name, value in values.items():
            if name == "latin1_name":
                for part in value.split("^"):
                    for form in spellings(part):
                        assert form not in data, f"{name} survives in {f}"
                continue
            for form in spellings(value):
                assert form not in data, f"planted {name} survives in {f} under {options}"
        rel = os.path.relpath(f, out)
        for name, value in values.items():
            assert value.lower() not in rel.lower(), f"{name} in the output path {rel}"
    audit = open(str(out) + ".audit.jsonl").read()
    for name, value in values.items():
        if name in ("uid_root",):
            continue
        # The audit names input paths (they stay at the site) but never element values.
        for line in audit.splitlines():
            rec = json.loads(line)
            rec.pop("input", None)
            assert value not in json.dumps(rec, ensure_ascii=False), f"{name} in the audit record"


def test_outputs_read_back_with_pydicom_and_references_hold(tmp_path, key, planted):
    out = tmp_path / "out"
    deid(out, key, PHI)
    ds = {}
    for f in outputs(out):
        d = pydicom.dcmread(f)
        assert d.PatientIdentityRemoved == "YES"
        assert d.file_meta.MediaStorageSOPInstanceUID == d.SOPInstanceUID
        assert d.SOPInstanceUID.startswith("2.25.")
        assert d.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
        assert d.LongitudinalTemporalInformationModified == "REMOVED"
        assert f.endswith(os.path.join(d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID + ".dcm"))
        ds[d.SOPInstanceUID] = d
    studies = {d.StudyInstanceUID for d in ds.values()}
    assert len(studies) == 1, "one study in, one study out"
    patient_ids = {d.PatientID for d in ds.values()}
    assert len(patient_ids) == 1 and planted["planted"]["mrn"] not in patient_ids
    # The implicit-VR file B referenced A's SOP Instance UID: it must now reference A's new UID.
    refs = [d for d in ds.values() if "ReferencedImageSequence" in d]
    assert len(refs) == 1
    b = refs[0]
    target = b.ReferencedImageSequence[0].ReferencedSOPInstanceUID
    assert target in ds and target != b.SOPInstanceUID
    assert b.SourceImageSequence[0].ReferencedSOPInstanceUID == target
    assert b.ReferencedImageSequence[0].ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # registry UID kept


def test_reruns_are_byte_identical_and_keys_matter(tmp_path, key):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    deid(a, key, PHI, extra=["--jobs", "1"])
    deid(b, key, PHI, extra=["--jobs", "2"])
    fa, fb = outputs(a), outputs(b)
    assert [os.path.relpath(f, a) for f in fa] == [os.path.relpath(f, b) for f in fb]
    for x, y in zip(fa, fb):
        assert open(x, "rb").read() == open(y, "rb").read()
    other = tmp_path / "other.key"
    run("keygen", str(other))
    deid(c, str(other), PHI)
    assert not set(os.path.relpath(f, a) for f in fa) & set(os.path.relpath(f, c) for f in outputs(c))


def test_modified_dates_shift_per_patient(tmp_path, key):
    out = tmp_path / "out"
    deid(out, key, PHI, options=["retain_long_modified_dates"])
    import datetime
    shifted = set()
    for f in outputs(out):
        d = pydicom.dcmread(f)
        assert d.LongitudinalTemporalInformationModified == "MODIFIED"
        assert d.PatientBirthDate == ""  # a patient characteristic, not longitudinal: still Z
        assert d.StudyDate == d.SeriesDate  # same day in, same day out
        shifted.add(d.StudyDate)
    assert len(shifted) == 1
    days = (datetime.date(2024, 1, 17) - datetime.datetime.strptime(shifted.pop(), "%Y%m%d").date()).days
    assert 1 <= days <= 3652


def test_input_untouched_and_non_dicom_reported(tmp_path, key):
    before = {f: open(f, "rb").read() for f in outputs(PHI)}
    out = tmp_path / "out"
    p = deid(out, key, os.path.join(DATA, "malformed"), PHI, check=False)
    assert p.returncode == 1  # malformed inputs are errors; the rest still written
    assert "4 written" in p.stdout
    assert "not DICOM" in p.stdout
    assert {f: open(f, "rb").read() for f in outputs(PHI)} == before


def test_withheld_instances_are_not_written(tmp_path, key, burned_withheld):
    out = tmp_path / "out"
    p = deid(out, key, burned_withheld)
    assert p.returncode == 3
    assert "Burned In Annotation is YES" in p.stdout
    assert outputs(out) == [] or all(f.endswith(".jsonl") for f in outputs(out))
    rec = audit_records(str(out) + ".audit.jsonl")[0]
    assert rec["status"] == "withheld" and rec["output"] is None


def test_one_time_key_is_announced(tmp_path):
    p = run("deid", "--output", str(tmp_path / "o"), os.path.join(PHI, "Quixote_Zebulon", "deflated.dcm"))
    assert "one-time key" in p.stderr


def test_key_file_readable_by_others_is_refused(tmp_path, key):
    os.chmod(key, 0o644)
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "o"), PHI, check=False)
    assert p.returncode == 2 and "chmod 600" in p.stderr


def test_profile_rules_and_errors(tmp_path, key):
    prof = tmp_path / "site.json"
    prof.write_text(json.dumps({
        "name": "site", "extends": "basic", "options": ["clean_descriptors"],
        "rules": [
            {"keyword": "StudyDescription", "action": "replace", "value": "RESEARCH"},
            {"keyword": "PatientSex", "action": "keep"},
            {"private_creator": "ACME PHI 1.0", "group": "0009", "element": "01", "action": "hash"},
        ]}, indent=1))
    assert run("profile", "check", str(prof)).returncode == 0
    shown = run("profile", "show", str(prof)).stdout
    assert "replace \"RESEARCH\"" in shown and "clean_descriptors" in shown
    out = tmp_path / "out"
    deid(out, key, PHI, extra=["--profile", str(prof)])
    for f in outputs(out):
        d = pydicom.dcmread(f)
        assert d.StudyDescription == "RESEARCH"
        assert d.PatientSex == "M"
        assert d[0x00091001].value not in (b"", "") and b"Zebulon" not in bytes(str(d[0x00091001].value), "utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "rules": [\n    {"keyword": "NoSuchThing", "action": "keep"}\n  ]\n}\n')
    p = run("profile", "check", str(bad), check=False)
    assert p.returncode == 1 and "line 3, column 5" in p.stderr and "hint" in p.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "options": [\n    "retain_uids",,\n  ]\n}\n')
    p = run("profile", "check", str(broken), check=False)
    assert p.returncode == 1 and "line 3" in p.stderr


@pytest.mark.parametrize("sample", sorted(json.load(open(os.path.join(DATA, "charset_expected.json"), encoding="utf-8"))))
def test_every_character_set_is_cleaned_and_read_back(tmp_path, key, sample):
    expected = json.load(open(os.path.join(DATA, "charset_expected.json"), encoding="utf-8"))[sample]["(0010,0010)"]
    out = tmp_path / "out"
    p = deid(out, key, os.path.join(DATA, sample), options=["clean_descriptors"])
    assert "1 written" in p.stdout, p.stdout
    (f,) = outputs(out)
    # Our reader reads the output back, and its UTF-8 JSON holds no part of the name in any script.
    dumped = run("dump", "--json", f).stdout
    for part in expected.replace("=", "^").split("^"):
        if len(part) >= 2:
            assert part not in dumped, f"{part!r} survives in {sample}"
    d = pydicom.dcmread(f)
    assert d.PatientName == "" and d.PatientIdentityRemoved == "YES"


def test_outputs_do_not_depend_on_whether_an_audit_is_written(tmp_path, key):
    # Without --audit the engine skips its per-tag bookkeeping; the bytes written must not change.
    with_audit, without = tmp_path / "a", tmp_path / "b"
    deid(with_audit, key, PHI)
    run("deid", "--key-file", key, "--output", str(without), PHI)
    tree = lambda root: {os.path.relpath(f, root): open(f, "rb").read() for f in outputs(root) if f.endswith(".dcm")}
    assert tree(with_audit) and tree(with_audit) == tree(without)


def test_dicomdir_is_withheld_as_a_patient_index_not_for_a_missing_uid(tmp_path, key):
    # A DICOMDIR lists patients in its records and has no SOP Instance UID: it is withheld with a
    # reason that says what it is (rebuild it from the outputs), and a fragment without a UID says
    # it is not an instance. Before, both read "no SOP Instance UID: cannot name the output".
    from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
    from pydicom.sequence import Sequence

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.77"
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds = FileDataset(str(tmp_path / "DICOMDIR"), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.FileSetID = "SITE"
    rec = Dataset()
    rec.DirectoryRecordType = "PATIENT"
    rec.PatientName = "Zebulon^Quixote"
    rec.PatientID = "MRN-88123456"
    ds.DirectoryRecordSequence = Sequence([rec])
    ds.save_as(str(tmp_path / "DICOMDIR"), write_like_original=False)
    fragment = FileDataset(str(tmp_path / "fragment.dcm"), {}, file_meta=FileMetaDataset(), preamble=b"\0" * 128)
    fragment.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    fragment.PatientName = "Zebulon^Quixote"
    fragment.save_as(str(tmp_path / "fragment.dcm"), write_like_original=True)  # a fragment: no full meta
    out = tmp_path / "out"
    p = deid(out, key, str(tmp_path / "DICOMDIR"), str(tmp_path / "fragment.dcm"))
    assert p.returncode == 3, p.stderr
    assert [f for f in outputs(out) if not f.endswith(".jsonl")] == []
    reasons = sorted(r["reason"] for r in audit_records(str(out) + ".audit.jsonl") if r["status"] == "withheld")
    assert len(reasons) == 2
    assert reasons[0].startswith("DICOMDIR (a media directory listing patients)")
    assert reasons[1].startswith("no SOP Instance UID: not a composite instance")


def test_audit_records_give_each_errors_code_and_offset_as_fields(tmp_path, key):
    """A program sorting a batch's failures reads the code, byte offset and tag path from the
    record instead of parsing the reason (tests/data/malformed/expected.json: what each file is)."""
    expected = json.load(open(os.path.join(DATA, "malformed", "expected.json")))
    audit = tmp_path / "a.jsonl"
    run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(audit), "--audit-paths", "plain",
        os.path.join(DATA, "malformed"), check=False)
    records = {os.path.basename(r["input"]): r for r in audit_records(audit)}
    assert set(expected) <= set(records)
    for name, want in expected.items():
        err = records[name]["error"]
        assert err["code"] == want["code"], name
        if want["offset"]:
            assert err["offset"] == want["offset"], name
        assert str(err.get("offset", "")) in records[name]["reason"]
    assert records["deep_nesting.dcm"]["error"]["tag_path"].startswith("(0008,1140)[0]/")
