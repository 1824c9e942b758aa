"""Outputs add no IOD error under any profile (issue: Type 1 attributes E.1-1 marks Z or X/Z).
Synthetic SR (Basic Text, Enhanced, Comprehensive), Key Object Selection, Enhanced MR, Enhanced CT,
a multi-frame secondary capture, an Encapsulated PDF and a presentation state (iod_samples.py:
every Type 1 attribute present, every value identifying) are de-identified under Basic, each of the
ten options alone, all of them together and the TCIA preset; dciodvfy judges every input and
output, and an Error an output has that its input did not is a defect of ours.
Run alone it prints the counts per profile:  python3 tests/python/test_iod_conformance.py"""
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


def test_samples_are_valid_inputs():
    """The inputs must be clean where it matters: an error already in the input hides ours."""
    assert conformance.DCIODVFY, "dciodvfy is missing: run tools/setup.sh"
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in iod_samples.write_all(tmp).items():
            errors = conformance.dciodvfy_errors(path)
            assert errors is not None, name
            # Enhanced MR lacks two Type 1C sequences of the timing macro (no SAR or operating mode to tell).
            allowed = {"SpecificAbsorptionRateSequence", "OperatingModeSequence"} if name == "enhanced_mr" else set()
            assert not [e for e in errors if not any(a in e for a in allowed)], (name, errors)


def test_every_sample_is_written_under_every_profile(runs):
    result, _ = runs
    withheld = {p: m for p, (_, m, _) in result.items() if m}
    assert not withheld, withheld


def test_no_output_gains_a_dciodvfy_error_under_any_profile(runs):
    result, _ = runs
    new = {p: {os.path.basename(s): e for s, e in errs.items()} for p, (_, _, errs) in result.items() if errs}
    assert not new, new


if __name__ == "__main__":
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
