"""Issue 14, structured reports: what an SR IOD requires stays (content tree Type 1/1C values as
dummies, never empty or removed; evidence and request references walked, their UIDs re-mapped
exactly as the instances they name, retrieve locations gone), judged by dciodvfy on a
Comprehensive SR and the CT image it cites, de-identified in one batch."""
import os
import subprocess

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import conformance
from iod_samples import save as _save
from conftest import audit_records, run

CT = "1.2.840.10008.5.1.4.1.1.2"
SR = "1.2.840.10008.5.1.4.1.1.88.33"
ROOT_UID = "1.2.826.0.1.3680043.9.7433.93."
NAME, PID = "Kowalczyk^Zofia", "MRN-88123456"


def _code(value, scheme, meaning):
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
    return Sequence([c])


def _item(rel, vt, code, **values):
    i = Dataset()
    i.RelationshipType, i.ValueType = rel, vt
    i.ConceptNameCodeSequence = _code(*code)
    for k, v in values.items():
        setattr(i, k, v)
    return i


def _common(ds, sop_class, instance, series, modality):
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, ROOT_UID + instance
    ds.StudyInstanceUID, ds.SeriesInstanceUID = ROOT_UID + "1", ROOT_UID + series
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = NAME, PID, "19470310", "F"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20230301", "101500", "ACC-4471", "S-77"
    ds.ReferringPhysicianName = "Adeyemi^Tunde"
    ds.Modality, ds.Manufacturer = modality, "ACME"
    ds.SeriesNumber, ds.InstanceNumber = "1", "1"


def _ct(folder):
    ds = Dataset()
    _common(ds, CT, "10", "2", "CT")
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = ROOT_UID + "3", ""
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImagePositionPatient, ds.ImageOrientationPatient, ds.PixelSpacing = [0, 0, 0], [1, 0, 0, 0, 1, 0], [1, 1]
    ds.SliceThickness, ds.KVP, ds.AcquisitionNumber = "1", "120", "1"
    ds.RescaleIntercept, ds.RescaleSlope = "0", "1"
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = bytes(32)
    return _save(ds, folder / "ct.dcm")


def _sr(folder):
    ds = Dataset()
    _common(ds, SR, "20", "4", "SR")
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.ContentDate, ds.ContentTime = "20230302", "093000"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.PerformedProcedureCodeSequence = Sequence()
    ref_img = Dataset()
    ref_img.ReferencedSOPClassUID, ref_img.ReferencedSOPInstanceUID = CT, ROOT_UID + "10"
    series = Dataset()
    series.SeriesInstanceUID, series.RetrieveAETitle = ROOT_UID + "2", "PACS_KOWALCZYK"
    series.RetrieveURL = "https://pacs.st-hedwig-clinic.example/wado-rs/studies/" + ROOT_UID + "1"
    series.ReferencedSOPSequence = Sequence([ref_img])
    evidence = Dataset()
    evidence.StudyInstanceUID, evidence.ReferencedSeriesSequence = ROOT_UID + "1", Sequence([series])
    ds.CurrentRequestedProcedureEvidenceSequence = Sequence([evidence])
    ds.PertinentOtherEvidenceSequence = Sequence([evidence])
    request = Dataset()
    request.StudyInstanceUID, request.AccessionNumber = ROOT_UID + "1", "ACC-4471"
    request.ReferencedStudySequence = Sequence()
    request.RequestedProcedureDescription = "CT chest for Zofia Kowalczyk"
    request.RequestedProcedureCodeSequence = Sequence()
    request.RequestedProcedureID = "RP-5531"
    request.PlacerOrderNumberImagingServiceRequest, request.FillerOrderNumberImagingServiceRequest = "PO-1", "FO-1"
    ds.ReferencedRequestSequence = Sequence([request])
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.ConceptNameCodeSequence = _code("18748-4", "LN", "Diagnostic Imaging Report")
    image = Dataset()
    image.ReferencedSOPClassUID, image.ReferencedSOPInstanceUID = CT, ROOT_UID + "10"
    ds.ContentSequence = Sequence([
        _item("HAS OBS CONTEXT", "PNAME", ("121008", "DCM", "Person Observer Name"), PersonName="Adeyemi^Tunde"),
        _item("CONTAINS", "TEXT", ("121071", "DCM", "Finding"), TextValue="Nodule seen; told Zofia Kowalczyk on 2023-03-01"),
        _item("CONTAINS", "DATE", ("111060", "DCM", "Study Date"), Date="20230301"),
        _item("CONTAINS", "TIME", ("111061", "DCM", "Study Time"), Time="101500"),
        _item("CONTAINS", "DATETIME", ("111526", "DCM", "DateTime Started"), DateTime="20230301101500"),
        _item("CONTAINS", "UIDREF", ("121018", "DCM", "Procedure Study Instance UID"), UID=ROOT_UID + "1"),
        _item("CONTAINS", "IMAGE", ("121112", "DCM", "Source of Measurement"), ReferencedSOPSequence=Sequence([image])),
    ])
    return _save(ds, folder / "sr.dcm")


@pytest.fixture
def pair(tmp_path, key):
    src = tmp_path / "in"
    src.mkdir()
    ct, sr = _ct(src), _sr(src)
    audit = tmp_path / "audit.jsonl"
    run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(audit), "--audit-paths", "plain", str(src))
    out = {r["input"]: r["output"] for r in audit_records(audit) if r["status"] == "written"}
    assert set(out) == {ct, sr}, audit_records(audit)
    return {"ct": (ct, out[ct]), "sr": (sr, out[sr])}


def test_sr_gains_no_iod_error(pair):
    assert conformance.DCIODVFY, "dciodvfy is missing: run tools/setup.sh"
    new = conformance.new_dciodvfy_errors(dict(pair.values()))
    assert new == {}


def test_evidence_and_image_references_follow_the_cited_instance(pair):
    ct = pydicom.dcmread(pair["ct"][1])
    sr = pydicom.dcmread(pair["sr"][1])
    ev = sr.CurrentRequestedProcedureEvidenceSequence[0]
    assert ev.StudyInstanceUID == ct.StudyInstanceUID == sr.StudyInstanceUID
    series = ev.ReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == ct.SeriesInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == ct.SOPInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPClassUID == CT  # a class is not re-mapped
    assert "RetrieveAETitle" not in series and "RetrieveURL" not in series  # where the site keeps it
    assert sr.PertinentOtherEvidenceSequence[0].ReferencedSeriesSequence[0].SeriesInstanceUID == ct.SeriesInstanceUID
    image = sr.ContentSequence[6].ReferencedSOPSequence[0]
    assert image.ReferencedSOPInstanceUID == ct.SOPInstanceUID
    assert sr.ContentSequence[5].UID == ct.StudyInstanceUID
    request = sr.ReferencedRequestSequence[0]
    assert request.StudyInstanceUID == ct.StudyInstanceUID
    assert request.AccessionNumber == ct.AccessionNumber != "ACC-4471"
    # Type 2 in the request item: present, never naming the patient.
    assert "RequestedProcedureDescription" in request and "Kowalczyk" not in str(request.RequestedProcedureDescription)
    assert "RequestedProcedureID" in request and request.RequestedProcedureID != "RP-5531"


def test_content_items_keep_their_type_1_values(pair):
    src = pydicom.dcmread(pair["sr"][0])
    sr = pydicom.dcmread(pair["sr"][1])
    assert len(sr.ContentSequence) == len(src.ContentSequence)
    for before, after in zip(src.ContentSequence, sr.ContentSequence):
        assert after.ValueType == before.ValueType and after.RelationshipType == before.RelationshipType
        assert after.ConceptNameCodeSequence[0].CodeMeaning == before.ConceptNameCodeSequence[0].CodeMeaning
    by_type = {i.ValueType: i for i in sr.ContentSequence}
    text = str(by_type["TEXT"].TextValue)
    assert text.strip() and "Kowalczyk" not in text and "Zofia" not in text
    assert str(by_type["PNAME"].PersonName).strip() and "Adeyemi" not in str(by_type["PNAME"].PersonName)
    for vt, kw, original in (("DATE", "Date", "20230301"), ("TIME", "Time", "101500"), ("DATETIME", "DateTime", "20230301101500")):
        value = str(by_type[vt].get(kw, ""))
        assert value.strip(), f"{vt} content item lost its {kw}"
        assert value != original or vt == "TIME"  # dates are replaced; a time alone identifies no one
    assert sr.ContinuityOfContent == "SEPARATE" and sr.ConceptNameCodeSequence[0].CodeValue == "18748-4"


def test_sr_and_image_run_again_are_written_unchanged(pair, tmp_path, key):
    folder = os.path.dirname(os.path.dirname(os.path.dirname(pair["sr"][1])))
    audit = tmp_path / "again.jsonl"
    run("deid", "--key-file", key, "--output", str(tmp_path / "again"), "--audit", str(audit), "--audit-paths", "plain", folder)
    records = audit_records(audit)
    assert [r["status"] for r in records] == ["written", "written"]
    for r in records:
        with open(r["input"], "rb") as a, open(r["output"], "rb") as b:
            assert a.read() == b.read(), r["input"]
