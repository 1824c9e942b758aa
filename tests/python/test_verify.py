"""The residual-PHI verifier: it passes every clean output (see test_deid.py, which runs with it
on) and withholds every output where a profile keeps a planted identifier."""
import json
import os

import pytest

from conftest import DATA, audit_records, run

PHI = os.path.join(DATA, "phi")

# A rule that keeps an identifier-carrying attribute, and the kind the verifier must report.
LEAKS = {
    "patient name": ({"keyword": "PatientName", "action": "keep"}, "patient name part"),
    "other names": ({"keyword": "OtherPatientNames", "action": "keep"}, "patient name part"),
    "patient id": ({"keyword": "PatientID", "action": "keep"}, "patient or visit identifier"),
    "other ids": ({"keyword": "OtherPatientIDs", "action": "keep"}, "patient or visit identifier"),
    "accession": ({"keyword": "AccessionNumber", "action": "keep"}, "patient or visit identifier"),
    "nested procedure id": ([{"keyword": "RequestAttributesSequence", "action": "keep"},
                             {"keyword": "RequestedProcedureID", "action": "keep"}], "patient or visit identifier"),
    "birth date": ({"keyword": "PatientBirthDate", "action": "keep"}, "birth date"),
    "description": ({"keyword": "StudyDescription", "action": "keep"}, None),
    "address": ({"keyword": "PatientAddress", "action": "keep"}, "address"),
    "phone": ({"keyword": "PatientTelephoneNumbers", "action": "keep"}, "phone number"),
    "institution": ({"keyword": "InstitutionName", "action": "keep"}, "institution"),
    "physician": ({"keyword": "ReferringPhysicianName", "action": "keep"}, "person name part"),
    "private text": ({"private_creator": "ACME PHI 1.0", "group": "0009", "element": "01", "action": "keep"}, None),
    "private bytes": ({"private_creator": "ACME PHI 1.0", "group": "0009", "element": "02", "action": "keep"}, "patient name part"),
    "comments": ({"keyword": "PatientComments", "action": "keep"}, None),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_every_kept_identifier_is_caught(tmp_path, key, leak):
    rule, kind = LEAKS[leak]
    prof = tmp_path / "leaky.json"
    prof.write_text(json.dumps({"rules": rule if isinstance(rule, list) else [rule]}))
    out = tmp_path / "out"
    p = run("deid", "--profile", str(prof), "--key-file", key, "--output", str(out), "--audit", str(tmp_path / "a.jsonl"), PHI)
    records = audit_records(tmp_path / "a.jsonl")
    dicom = [r for r in records if r["status"] != "not_dicom"]
    assert len(dicom) == 4
    withheld = [r for r in dicom if r["status"] == "withheld"]
    # Every file carries the planted value in that attribute (the big-endian one has a Latin-1
    # name, caught as well), so all four are withheld; only the request sequence is missing from
    # the big-endian file, so three for that one.
    assert len(withheld) == (3 if leak == "nested procedure id" else 4), p.stdout
    for r in withheld:
        assert r["reason"].startswith("residual PHI: ")
        if kind:
            assert kind in r["reason"], r["reason"]
        assert r["output"] is None
    written = [f for _, _, fs in os.walk(out) for f in fs if f.endswith(".dcm")] if os.path.exists(out) else []
    assert len(written) == 4 - len(withheld)  # nothing withheld was written, nothing else was lost


def test_standalone_verify_reports_and_passes(tmp_path, key):
    # Raw inputs are full of PHI; our outputs are clean.
    p = run("verify", "--json", os.path.join(PHI, "Quixote_Zebulon", "CT_Zebulon_1.dcm"), check=False)
    assert p.returncode == 3
    report = json.loads(p.stdout)
    kinds = {f["kind"] for f in report[0]["findings"]}
    assert {"patient name part", "birth date"} <= kinds
    assert "Zebulon" not in p.stdout.replace(os.path.join(PHI, "Quixote_Zebulon", "CT_Zebulon_1.dcm"), "")
    out = tmp_path / "out"
    run("deid", "--key-file", key, "--output", str(out), PHI)
    p = run("verify", str(out), check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "4 files: 4 clean, 0 with findings" in p.stdout
