"""Outputs add no IOD error under any profile (issue: Type 1 attributes E.1-1 marks Z or X/Z).
Synthetic SR (Basic Text, Enhanced, Comprehensive), Key Object Selection, Enhanced MR, Enhanced CT,
a multi-frame secondary capture, an Encapsulated PDF and a presentation state (iod_samples.py:
every Type 1 attribute present, every value identifying) are de-identified under Basic, each of the
ten options alone, all of them together and the TCIA preset; dciodvfy judges every input and
output, and an Error an output has that its input did not is a defect of ours.
Run alone it prints the counts per profile:  python3 tests/python/test_iod_conformance.py
and over tests/data, examples and ../shared/corpus:  ... test_iod_conformance.py --corpus [PROFILE...]"""
import json
import os
import subprocess
import sys
import tempfile

import pydicom
import pytest

import conformance
import iod_samples

OPTIONS = ["retain_safe_private", "retain_uids", "retain_device_identity", "retain_institution_identity",
           "retain_patient_characteristics", "retain_long_full_dates", "retain_long_modified_dates",
           "clean_descriptors", "clean_structured_content", "clean_graphics"]
# Basic, each option alone, every option at once (full and modified dates exclude each other), TCIA.
PROFILES = {"basic": []}
PROFILES.update({o: ["--option", o] for o in OPTIONS})
PROFILES["all_options"] = [a for o in OPTIONS if o != "retain_long_full_dates" for a in ("--option", o)]
PROFILES["tcia"] = ["--profile", "tcia"]


def deidentify_under_every_profile(folder, key):
    """{profile: {input: output}} for the samples in folder."""
    inputs = os.path.join(folder, "in")
    runs = {}
    for name, args in PROFILES.items():
        out = os.path.join(folder, name)
        os.makedirs(out)
        runs[name] = conformance.deidentify([inputs], out, key, args)
    return runs


def measure(folder, key):
    """{profile: (written, withheld names, {input: new errors})}."""
    paths = iod_samples.write_all(os.path.join(folder, "in"))
    result = {}
    for name, pairs in deidentify_under_every_profile(folder, key).items():
        missing = sorted(n for n, p in paths.items() if p not in pairs)
        result[name] = (len(pairs), missing, conformance.new_dciodvfy_errors(pairs))
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iod")
    key = str(tmp / "site.key")
    subprocess.run([conformance.EXE, "keygen", key], check=True, capture_output=True)
    return measure(str(tmp), key), str(tmp)


def output_of(folder, profile, sample):
    """The output dataset of one sample under one profile, and its audit record."""
    for rec in map(json.loads, open(os.path.join(folder, profile, "audit.jsonl"), encoding="utf-8")):
        if rec.get("status") == "written" and rec["input"].endswith(os.sep + sample + ".dcm"):
            return pydicom.dcmread(rec["output"]), rec
    raise AssertionError(f"{sample} not written under {profile}")


def test_samples_are_valid_inputs():
    """The inputs must be clean where it matters: an error already in the input hides ours."""
    assert conformance.DCIODVFY, "dciodvfy is missing: run tools/setup.sh"
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in iod_samples.write_all(tmp).items():
            errors = conformance.dciodvfy_errors(path)
            assert errors is not None, name
            # Enhanced MR lacks two Type 1C sequences of the timing macro (no SAR or operating mode to
            # tell); the malformed dates are that sample's point.
            allowed = {"enhanced_mr": {"SpecificAbsorptionRateSequence", "OperatingModeSequence"},
                       "sr_malformed_dates": {"Value invalid for this VR", "invalid data values"}}.get(name, set())
            assert not [e for e in errors if not any(a in e for a in allowed)], (name, errors)


def test_every_sample_is_written_under_every_profile(runs):
    result, _ = runs
    withheld = {p: m for p, (_, m, _) in result.items() if m}
    assert not withheld, withheld


def test_no_output_gains_a_dciodvfy_error_under_any_profile(runs):
    result, _ = runs
    new = {p: {os.path.basename(s): e for s, e in errs.items()} for p, (_, _, errs) in result.items() if errs}
    assert not new, new


def test_corpus_under_every_option_at_once_gains_no_dciodvfy_error(tmp_path):
    """tests/data, examples and ../shared/corpus (when present) under all ten options together
    (one run, ~40 s: the Basic run is test_conformance's; every profile alone: --corpus below).
    An unparseable date under Modified Dates removed Study Date (Type 2) in 2 corpus files."""
    key = str(tmp_path / "site.key")
    subprocess.run([conformance.EXE, "keygen", key], check=True, capture_output=True)
    (written, errs), = measure_corpus(str(tmp_path), key, ["all_options"]).values()
    assert written >= 20, "too few outputs to judge anything"
    assert not conformance.unexpected(errs), conformance.unexpected(errs)


def measure_corpus(folder, key, profiles):
    """{profile: (written, {input: new errors})} over tests/data, examples and the shared corpus."""
    result = {}
    for name in profiles:
        out = os.path.join(folder, name)
        os.makedirs(out)
        pairs = conformance.deidentify(conformance.input_roots(), out, key, PROFILES[name])
        result[name] = (len(pairs), conformance.new_dciodvfy_errors(pairs))
    return result


def main_corpus(profiles):
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "site.key")
        subprocess.run([conformance.EXE, "keygen", key], check=True, capture_output=True)
        for name, (written, errs) in measure_corpus(tmp, key, profiles).items():
            left = conformance.unexpected(errs)
            print(f"{name:32} outputs {written} new errors {sum(len(e) for e in errs.values())} in {len(errs)} outputs, "
                  f"{sum(len(e) for e in left.values())} not the input's own unseen ones", flush=True)
            for src, e in sorted(left.items()):
                for line in e:
                    print(f"    {src}: {line}", flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--corpus"]:
    main_corpus(sys.argv[2:] or list(PROFILES))
elif __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "site.key")
        subprocess.run([conformance.EXE, "keygen", key], check=True, capture_output=True)
        total = 0
        for name, (written, missing, errs) in measure(tmp, key).items():
            n = sum(len(e) for e in errs.values())
            total += n
            print(f"{name:32} written {written}/{len(iod_samples.SAMPLES)} withheld {missing} new errors {n}")
            for src, e in sorted(errs.items()):
                for line in e:
                    print(f"    {os.path.basename(src)}: {line}")
        print("total new errors", total)


def test_type1_values_judged_away_get_a_dummy_not_an_empty_value(runs):
    """Regressions (19 new dciodvfy errors over 13 profiles before): Content Label that spells the
    patient's name is no valid code to keep (was emptied), a text object cleaned to nothing (was
    emptied under Clean Descriptors), a content item's text cleaned to nothing."""
    _, folder = runs
    for profile in PROFILES:
        pr, rec = output_of(folder, profile, "presentation_state")
        assert pr.ContentLabel == "ANONYMIZED", (profile, pr.ContentLabel)
        assert rec["tags"]["(0070,0080)"] == "dummy"
        text = pr.GraphicAnnotationSequence[0].TextObjectSequence[0].UnformattedTextValue
        assert text and "Kowalczyk" not in text, (profile, text)
        sr, _ = output_of(folder, profile, "comprehensive_sr")
        last = sr.ContentSequence[-1].TextValue
        assert last and "Kowalczyk" not in last and "Zofia" not in last, (profile, last)


def test_requested_procedure_id_type_depends_on_the_sequence_holding_it(runs):
    """Type 1C in a Request Attributes item: a keyed token there (was emptied under Clean
    Descriptors, which keeps that sequence); Type 2 in an SR's Referenced Request item."""
    _, folder = runs
    for profile in ("clean_descriptors", "all_options", "tcia"):
        ct, rec = output_of(folder, profile, "ct_image")
        rp = ct.RequestAttributesSequence[0].RequestedProcedureID
        assert rp and rp != "RP-5531", (profile, rp)
        assert rec["tags"]["(0040,0275)[0]/(0040,1001)"] == "token"


def test_unreadable_type1_dates_stay_present(runs):
    """A date option cannot shift a date no parser reads (ACR-NEMA's '2023.03.01'): removing it
    broke a Type 1 attribute of the SR (Content Date, Verification DateTime, a DATE item), where the
    dummy stands in, and the Type 2 Study Date (2 corpus files), which is emptied."""
    _, folder = runs
    sr, rec = output_of(folder, "retain_long_modified_dates", "sr_malformed_dates")
    assert "StudyDate" in sr and sr.StudyDate == ""
    assert rec["tags"]["(0008,0020)"] == "empty"
    assert sr.ContentDate == "19000101"
    assert sr.VerifyingObserverSequence[0].VerificationDateTime == "19000101000000"
    assert sr.ContentSequence[2].Date == "19000101"
    assert rec["tags"]["(0008,0023)"] == "dummy"


def test_class_uids_read_keep_in_the_audit(runs):
    """SOP Class UIDs (and every class-like UID) are kept as they are: the audit says keep, and
    uid only where a UID was remapped."""
    _, folder = runs
    for sample in iod_samples.SAMPLES:
        out, rec = output_of(folder, "basic", sample)
        tags = rec["tags"]
        assert tags["(0008,0016)"] == "keep", sample
        assert tags["(0008,0018)"] == "uid", sample
        for path, did in tags.items():
            if path.endswith("(0008,1150)"):  # Referenced SOP Class UID at any depth
                assert did == "keep", (sample, path)
            if path.endswith("(0008,1155)"):  # Referenced SOP Instance UID: remapped
                assert did == "uid", (sample, path)


def test_an_attribute_conditional_on_a_removed_value_goes_with_it(runs):
    """Responsible Person Role is Type 1C 'if Responsible Person is present and has a value': E.1-1
    takes the person away (X), so the role goes too (dciodvfy: present when condition unsatisfied,
    under every profile before)."""
    _, folder = runs
    for profile in PROFILES:
        ct, rec = output_of(folder, profile, "ct_image")
        assert "ResponsiblePerson" not in ct, profile  # E.1-1 X; Type 2C only for an animal
        assert "ResponsiblePersonRole" not in ct, profile
        assert rec["tags"]["(0010,2298)"] == "remove", profile
