"""Issue 14: `deid` of a `deid` output with the same key writes it unchanged — never withholds it,
never re-maps its pseudonyms, never shifts its dates again, never cleans its pixels or PDF again —
and it recognises its own output only by keyed checks: markers alone, look-alike pseudonyms, or
our output changed after we wrote it are de-identified as any input (lib/deid/own_output)."""
import filecmp
import json
import os
import shutil

import pydicom
import pytest

import keyed_values
from conftest import DATA, ROOT, audit_records, run
from test_phi_detector import _instance as _base_instance

CORPUS = os.environ.get("DICOMSCRUB_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
BURNED = os.path.join(ROOT, "examples", "burned_in")
MARKERS = {(0x0012, 0x0063), (0x0012, 0x0064)}  # the only attributes a second pass may add to


def _sources():
    return [DATA, BURNED] + ([CORPUS] if os.path.isdir(CORPUS) else [])


def _outputs(folder):
    for dirpath, _, names in os.walk(folder):
        for n in sorted(names):
            if n.endswith(".dcm"):
                yield os.path.join(dirpath, n)


def _deid(key, out, audit, options, *inputs):
    run("deid", "--key-file", key, "--output", str(out), "--audit", str(audit), "--audit-paths", "plain", "--jobs", "2",
        *options, *inputs, check=False)
    return audit_records(audit)


def _differences_beyond_markers(a, b):
    da, db = pydicom.dcmread(a), pydicom.dcmread(b)
    ta = {e.tag: e for e in da}
    tb = {e.tag: e for e in db}
    return sorted(str(t) for t in set(ta) | set(tb)
                  if (t.group, t.element) not in MARKERS and (t not in ta or t not in tb or ta[t] != tb[t]))


# Basic with Retain Long Modified Dates (shifted dates) and no OCR read-back; then the TCIA preset
# (Clean Descriptors, Clean Pixel Data, OCR read-back, PDFs): every kind of value the engine writes.
@pytest.mark.parametrize("options", [["--option", "retain_long_modified_dates", "--no-ocr-check"], ["--profile", "tcia"]],
                         ids=["modified_dates", "tcia"])
def test_second_pass_writes_every_output_again_byte_for_byte(tmp_path, key, options):
    first = tmp_path / "first"
    records = _deid(key, first, tmp_path / "a1.jsonl", options, *_sources())
    outputs = sorted(_outputs(first))
    assert len(outputs) >= 20 and len(outputs) == sum(r["status"] == "written" for r in records)
    assert any("blanked" in (r.get("pixels") or "") for r in records), "no cleaned pixels to run again"
    for o in outputs:  # a third-party reader takes every output, every value at every depth
        ds = pydicom.dcmread(o)
        ds.walk(lambda d, e: e.value)
    second = tmp_path / "second"
    again = _deid(key, second, tmp_path / "a2.jsonl", options, str(first))
    assert len(again) == len(outputs)
    not_written = [(r["input"], r["status"], r.get("reason")) for r in again if r["status"] != "written"]
    assert not_written == []
    changed, moved = [], []
    for r in again:
        rel = os.path.relpath(r["input"], first)
        out = os.path.join(second, rel)
        if not os.path.exists(out):  # re-mapped UIDs would name it differently
            moved.append(rel)
        elif not filecmp.cmp(r["input"], out, shallow=False):
            changed.append((rel, _differences_beyond_markers(r["input"], out)))
        assert r.get("pixels") in (None, ""), f"{rel}: pixels handled again: {r.get('pixels')}"
    assert moved == []
    # Byte for byte; a difference would have to be in the markers alone (none is expected today).
    assert changed == []


def _instance(path, **values):
    """A small secondary capture naming its patient (test_phi_detector's, with an accession number)."""
    values.setdefault("AccessionNumber", "ACC-4471")
    return _base_instance(str(path), **values)


def _one(tmp_path, name, key, src, options=("--option", "retain_long_modified_dates")):
    out = tmp_path / name
    recs = _deid(key, out, tmp_path / f"{name}.jsonl", list(options), str(src))
    assert [r["status"] for r in recs] == ["written"], recs
    return recs[0], pydicom.dcmread(recs[0]["output"])


def test_our_markers_and_look_alike_pseudonyms_do_not_make_a_file_ours(tmp_path, key):
    """Markers anyone can write, a 2.25 UID and a base-32 ID of the right length: not ours, so the
    UIDs are re-mapped, the IDs tokenised and the dates shifted as for any input."""
    src = _instance(tmp_path / "forged.dcm", SOPInstanceUID="2.25.123456789012345678901234567890123456",
                    PatientID="ABCDEFGHIJKLMNOP", PatientIdentityRemoved="YES",
                    DeidentificationMethod="DICOMSCRUB 0.1.0 BASIC PROFILE")
    _, ds = _one(tmp_path, "out", key, src)
    assert ds.SOPInstanceUID != "2.25.123456789012345678901234567890123456"
    assert ds.PatientID not in ("ABCDEFGHIJKLMNOP", "")
    assert ds.StudyDate != "20230301"
    assert ds.StudyInstanceUID != "1.2.826.0.1.3680043.9.7433.88.20230301"


def test_a_value_changed_in_our_output_is_deidentified_again(tmp_path, key):
    """Our output with a real ID, a name and another study's UID put back in: those are
    de-identified; what is still ours stays as it was."""
    _, first = _one(tmp_path, "first", key, _instance(tmp_path / "in.dcm"))
    assert first.StudyInstanceUID != "1.2.826.0.1.3680043.9.7433.88.20230301"
    tampered = tmp_path / "tampered.dcm"
    first.PatientID = "MRN-55500111"
    first.PatientName = "Nowak^Jan"
    first.StudyInstanceUID = "1.2.826.0.1.3680043.9.7433.92.2"  # another study's, in clear
    first.save_as(str(tampered))
    _, second = _one(tmp_path, "second", key, tampered)
    assert second.PatientID not in ("MRN-55500111", "")
    assert str(second.PatientName) != "Nowak^Jan"
    assert second.StudyInstanceUID not in ("1.2.826.0.1.3680043.9.7433.92.2", first.StudyInstanceUID)
    assert second.SOPInstanceUID == first.SOPInstanceUID and second.SeriesInstanceUID == first.SeriesInstanceUID
    assert second.AccessionNumber == first.AccessionNumber and second.StudyDate == first.StudyDate
    # A different key does not recognise them: everything is pseudonymized again.
    other = tmp_path / "other.key"
    run("keygen", str(other))
    _, third = _one(tmp_path, "third", str(other), tampered)
    assert third.SOPInstanceUID != first.SOPInstanceUID and third.AccessionNumber != first.AccessionNumber
    assert third.StudyDate != first.StudyDate


def test_pixels_changed_after_our_cleaning_are_cleaned_again(tmp_path, key):
    """The pixel mark is a keyed MAC of the pixel data: the original burned-in text pasted back
    into our cleaned output is searched and blanked again, not trusted."""
    src = os.path.join(BURNED, "cover_page_rle.dcm")
    rec, first = _one(tmp_path, "first", key, src, options=())
    assert "blanked" in rec["pixels"]
    assert any(v.startswith("DICOMSCRUB CONTENT ") for v in first.DeidentificationMethod)
    # Untouched, a second pass leaves the pixels alone.
    rec2, again = _one(tmp_path, "again", key, rec["output"], options=())
    assert rec2.get("pixels") in (None, "") and again.PixelData == first.PixelData
    original = pydicom.dcmread(src)
    assert original.file_meta.TransferSyntaxUID == first.file_meta.TransferSyntaxUID
    first.PixelData = original.PixelData
    tampered = tmp_path / "tampered.dcm"
    first.save_as(str(tampered))
    rec3, third = _one(tmp_path, "third", key, tampered, options=())
    assert "blanked" in rec3["pixels"]
    assert third.PixelData != original.PixelData


def test_a_content_mark_that_spells_a_date_is_ours_in_both_passes(tmp_path, key):
    """The keyed content mark in De-identification Method is base 32 and spells a date under about
    one key in 10^4 ("...B4APR56P..."): the first pass withheld the PDF for "a date at (0012,0063)";
    a second pass judged the mark as the input's text, dropped it and cleaned again next time.
    Under such a key both passes write, and the second byte for byte."""
    src = os.path.join(BURNED, "scanned_requisition.dcm")
    opts = ("--no-ocr-check",)
    probe, _ = _one(tmp_path, "probe", key, src, options=opts)  # the cleaned document is the same under any key
    policy = "cover=true/0 ocr=false"
    with open(key) as f:
        assert keyed_values.pdf_content_mark(bytes.fromhex(f.read().strip()), probe["output"], policy) in pydicom.dcmread(probe["output"]).DeidentificationMethod
    k = keyed_values.find_key(lambda k: keyed_values.SPELLS_A_DATE.search(keyed_values.pdf_content_mark(k, probe["output"], policy)), "mark")
    spelling = keyed_values.write_key(tmp_path / "spelling.key", k)
    rec, first = _one(tmp_path, "first", spelling, src, options=opts)
    assert keyed_values.SPELLS_A_DATE.search(first.DeidentificationMethod[-1])
    rec2, _ = _one(tmp_path, "again", spelling, rec["output"], options=opts)
    assert filecmp.cmp(rec["output"], rec2["output"], shallow=False)


def test_a_pdf_cleaned_by_us_is_kept_and_a_changed_one_cleaned_again(tmp_path, key):
    src = os.path.join(BURNED, "scanned_requisition.dcm")
    rec, first = _one(tmp_path, "first", key, src, options=())
    rec2, again = _one(tmp_path, "again", key, rec["output"], options=())
    assert again.EncapsulatedDocument == first.EncapsulatedDocument
    assert filecmp.cmp(rec["output"], rec2["output"], shallow=False)
    # The original (scanned, naming the patient) pasted back: cleaned again, not trusted.
    first.EncapsulatedDocument = pydicom.dcmread(src).EncapsulatedDocument
    tampered = tmp_path / "tampered.dcm"
    first.save_as(str(tampered))
    out = tmp_path / "third"
    recs = _deid(key, out, tmp_path / "third.jsonl", [], str(tampered))
    assert len(recs) == 1
    if recs[0]["status"] == "written":
        assert pydicom.dcmread(recs[0]["output"]).EncapsulatedDocument != first.EncapsulatedDocument
    else:
        assert recs[0]["status"] == "withheld"
