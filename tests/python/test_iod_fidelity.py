"""Outputs stay valid instances of their IOD (issue 14, header side): standard attributes E.1-1
does not list are kept unless they name the patient, Type 1/2 attributes stay present, Type 3
sequences E.1-1 marks X/Z are removed rather than emptied, overlays go whole, presentation states
keep their creation date and time, dummy names have the PN form. Each test builds its input with
pydicom and reads the output back with pydicom."""
import json
import os

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from burned_in import base_dataset
from conftest import run

PID = "88123456"  # base_dataset's patient: QUIXOTE^ZEBULON, 88123456


def make(path, sop_class="1.2.840.10008.5.1.4.1.1.4", fill=None):
    ds = base_dataset(sop_class, str(path))
    del ds.ConversionType  # not a secondary capture: no cover-page pixel path
    ds.Modality = "MR"
    if fill:
        fill(ds)
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


def deid_one(tmp_path, key, src, *extra):
    out = tmp_path / "out"
    audit = tmp_path / "audit.jsonl"
    p = run("deid", "--key-file", key, "--output", str(out), "--audit", str(audit), *extra, src)
    rec = next(r for r in map(json.loads, open(audit, encoding="utf-8")) if "status" in r)  # after the header
    assert rec["status"] == "written", p.stdout + p.stderr
    return pydicom.dcmread(str(out / rec["output"]) if not os.path.isabs(rec["output"]) else rec["output"]), rec


def test_harmless_technical_text_is_kept(tmp_path, key):
    def fill(ds):
        ds.PositionReferenceIndicator = "IC"
        ds.FilterType = "WEDGE"
        ds.ContrastBolusRoute = "IV"
        ds.ReceiveCoilName = "HEAD 32CH"
        ds.TransmitCoilName = "BODY"
        ds.PatientSpeciesDescription = "Canis lupus familiaris"
        ds.SequenceName = "*tfl3d1"
        item = Dataset()
        item.SegmentLabel = "Liver"
        ds.SegmentSequence = Sequence([item])
    out, rec = deid_one(tmp_path, key, make(tmp_path / "mr.dcm", fill=fill))
    assert out.PositionReferenceIndicator == "IC"
    assert out.FilterType == "WEDGE"
    assert out.ContrastBolusRoute == "IV"
    assert out.ReceiveCoilName == "HEAD 32CH" and out.TransmitCoilName == "BODY"
    assert out.PatientSpeciesDescription == "Canis lupus familiaris"
    assert out.SequenceName == "*tfl3d1"
    assert out.SegmentSequence[0].SegmentLabel == "Liver"
    assert rec["tags"]["(0020,1040)"] == "keep-unless-identifying"


def test_text_naming_the_patient_goes_but_required_attributes_stay_present(tmp_path, key):
    def fill(ds):
        ds.PositionReferenceIndicator = "QUIXOTE"      # Type 2: emptied
        ds.RTImageLabel = f"ID {PID}"                  # Type 1 in the RT Image module: dummy
        ds.FilterType = "QUIXOTE WEDGE"                # Type 3: removed
    out, rec = deid_one(tmp_path, key, make(tmp_path / "mr.dcm", fill=fill))
    assert "PositionReferenceIndicator" in out and out.PositionReferenceIndicator in ("", None)
    assert out.RTImageLabel == "ANONYMIZED"
    assert "FilterType" not in out
    assert rec["tags"]["(0020,1040)"] == "empty" and rec["tags"]["(3002,0002)"] == "dummy"
    assert rec["tags"]["(0018,1160)"] == "remove"
    data = open(tmp_path / "mr.dcm", "rb").read()
    assert b"QUIXOTE" in data  # the input is untouched; the output has no trace of the name
    for f in (tmp_path / "out").rglob("*.dcm"):
        assert b"QUIXOTE" not in f.read_bytes().upper() and PID.encode() not in f.read_bytes()


def test_identifying_text_goes_even_without_the_final_check(tmp_path, key):
    def fill(ds):
        ds.FilterType = "QUIXOTE"
    out, _ = deid_one(tmp_path, key, make(tmp_path / "mr.dcm", fill=fill), "--no-verify")
    assert "FilterType" not in out


def test_type3_xz_sequence_is_removed_type2_one_is_emptied(tmp_path, key):
    def fill(ds):
        ref = Dataset()
        ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
        ref.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.80"
        ds.ReferencedStudySequence = Sequence([ref])          # Type 3 in General Study
        ctx = Dataset()
        ctx.ValueType = "TEXT"
        ctx.TextValue = "QUIXOTE"
        ds.AcquisitionContextSequence = Sequence([ctx])        # Type 2 in Acquisition Context
        req = Dataset()
        req.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.78"
        req.ReferencedStudySequence = Sequence([ref])          # Type 2 inside this item
        ds.ReferencedRequestSequence = Sequence([req])
    out, rec = deid_one(tmp_path, key, make(tmp_path / "sr.dcm", fill=fill))
    assert "ReferencedStudySequence" not in out
    assert "AcquisitionContextSequence" in out and len(out.AcquisitionContextSequence) == 0
    assert rec["tags"]["(0008,1110)"] == "remove"


def test_overlay_group_goes_whole(tmp_path, key):
    def fill(ds):
        ds.Rows = ds.Columns = 8
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = bytes(128)
        ds.add_new(0x60000010, "US", 8)
        ds.add_new(0x60000011, "US", 8)
        ds.add_new(0x60000040, "CS", "G")
        ds.add_new(0x60000050, "SS", [1, 1])
        ds.add_new(0x60000100, "US", 1)
        ds.add_new(0x60000102, "US", 0)
        ds.add_new(0x60003000, "OW", bytes(8))
        ds.add_new(0x60020010, "US", 8)  # a second overlay without its data
    out, _ = deid_one(tmp_path, key, make(tmp_path / "ct.dcm", fill=fill))
    assert not [e for e in out if 0x6000 <= e.tag.group <= 0x601E]
    assert out.Rows == 8 and len(out.PixelData) == 128


def test_presentation_state_keeps_its_type1_creation_date_and_time(tmp_path, key):
    def fill(ds):
        ds.Modality = "PR"
        ds.ContentLabel = "MEASURE"
        ds.ContentDescription = "Measurements"
        ds.PresentationCreationDate = "20240311"
        ds.PresentationCreationTime = "101500"
    src = make(tmp_path / "pr.dcm", sop_class="1.2.840.10008.5.1.4.1.1.11.1", fill=fill)
    out, _ = deid_one(tmp_path, key, src)
    assert out.PresentationCreationDate == "19000101" and out.PresentationCreationTime == "000000"
    assert out.ContentLabel == "MEASURE" and out.ContentDescription == "Measurements"
    os.makedirs(tmp_path / "m")
    shifted, _ = deid_one(tmp_path / "m", key, src, "--option", "retain_long_modified_dates")
    assert len(shifted.PresentationCreationDate) == 8 and shifted.PresentationCreationDate != "20240311"


def test_animal_patient_keeps_type2c_responsible_attributes_empty(tmp_path, key):
    def fill(ds):
        ds.PatientSpeciesDescription = "Canis lupus familiaris"
        ds.PatientBreedDescription = "Beagle"
        ds.ResponsiblePerson = "ROCINANTE^SANCHO"
        ds.ResponsibleOrganization = "La Mancha Kennels"
    out, _ = deid_one(tmp_path, key, make(tmp_path / "vet.dcm", fill=fill))
    assert out.ResponsiblePerson in ("", None) and out.ResponsibleOrganization in ("", None)
    assert out.PatientBreedDescription == "Beagle"


def test_dummy_person_name_has_the_pn_form(tmp_path, key):
    def fill(ds):
        ds.OperatorsName = "ROCINANTE^SANCHO"
    out, _ = deid_one(tmp_path, key, make(tmp_path / "mr.dcm", fill=fill))
    assert str(out.OperatorsName) == "ANONYMIZED^"
    assert out.OperatorsName.family_name == "ANONYMIZED"


def test_a_user_rule_that_removes_is_carried_out_as_written(tmp_path, key):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"rules": [{"tag": "(0020,1040)", "action": "remove"}]}))
    def fill(ds):
        ds.PositionReferenceIndicator = "QUIXOTE"
    out, _ = deid_one(tmp_path, key, make(tmp_path / "mr.dcm", fill=fill), "--profile", str(profile))
    assert "PositionReferenceIndicator" not in out


def test_text_repeating_the_device_identity_goes_unless_it_is_retained(tmp_path, key):
    def fill(ds):
        ds.DetectorID = "L03-02246"
        ds.DetectorDescription = "SN=L03-02246;ctx=contact;mc=3.5.1.0"  # the detector's own ID
        ds.ExposureControlModeDescription = "Serial No: 7731"            # a serial announced as one
        ds.AcquisitionDeviceProcessingCode = "GEMS_FFDM_PV"              # harmless: kept
    src = make(tmp_path / "dx.dcm", fill=fill)
    out, _ = deid_one(tmp_path, key, src)
    assert "DetectorDescription" not in out and "ExposureControlModeDescription" not in out
    assert out.AcquisitionDeviceProcessingCode == "GEMS_FFDM_PV"
    os.makedirs(tmp_path / "r")
    kept, _ = deid_one(tmp_path / "r", key, src, "--option", "retain_device_identity")
    assert kept.DetectorDescription == "SN=L03-02246;ctx=contact;mc=3.5.1.0"
    assert kept.ExposureControlModeDescription == "Serial No: 7731"
