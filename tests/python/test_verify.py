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
def test_an_identifier_kept_by_an_explicit_rule_is_honoured_there(tmp_path, key, leak):
    """Issue 20: a rule that keeps an identifying attribute is a deliberate choice: it is not a
    finding at that place (the audit records the keep, `profile check` warns about the rule);
    before, every such file was withheld and the only way out was --no-verify."""
    rule, kind = LEAKS[leak]
    prof = tmp_path / "leaky.json"
    prof.write_text(json.dumps({"rules": rule if isinstance(rule, list) else [rule]}))
    out = tmp_path / "out"
    run("deid", "--profile", str(prof), "--key-file", key, "--output", str(out), "--audit", str(tmp_path / "a.jsonl"), PHI)
    records = audit_records(tmp_path / "a.jsonl")
    dicom = [r for r in records if r["status"] != "not_dicom"]
    assert len(dicom) == 4
    assert [r for r in dicom if r["status"] != "written"] == []
    kept = [path for r in dicom for path, action in r["tags"].items() if action == "keep"]
    assert kept  # the audit says what was kept
    check = run("profile", "check", str(prof))
    if "keyword" in (rule if isinstance(rule, dict) else rule[-1]) and leak not in ("description", "comments"):
        assert "warning:" in check.stdout


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
