"""A synthetic archive for the re-identification tests: patients with studies, series and
instances (CT), Other Patient IDs, a reference to another instance and a Frame of Reference, like
the MIDI-B validation set's structure. Every name, ID and date is invented; deterministic.
"""
import os

import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

CT = "1.2.840.10008.5.1.4.1.1.2"
ROOT = "1.2.826.0.1.3680043.8.498.77"


def make_instance(path, patient, study, series, number, prev_sop=None):
    sop = f"{ROOT}.{patient}.{study}.{series}.{number}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = CT, sop
    ds.PatientName = f"ZYMURGY^QUILLON{patient}"
    ds.PatientID = f"PT{patient:04d}-{7000 + patient}"
    ds.OtherPatientIDs = f"OLD{patient:05d}"
    ds.PatientBirthDate = f"19{50 + patient:02d}0412"
    ds.PatientSex = "F" if patient % 2 else "M"
    ds.StudyInstanceUID = f"{ROOT}.{patient}.{study}"
    ds.SeriesInstanceUID = f"{ROOT}.{patient}.{study}.{series}"
    ds.FrameOfReferenceUID = f"{ROOT}.{patient}.{study}.{series}.999"
    ds.StudyDate, ds.StudyTime = f"2021{study + 1:02d}1{series}", "101500"
    ds.AccessionNumber = f"ACC{patient}{study}88"
    ds.StudyID = f"S{study}"
    ds.SeriesNumber, ds.InstanceNumber = series + 1, number + 1
    ds.Modality, ds.Manufacturer = "CT", "ACME"
    ds.InstitutionName = "Nowhere Sanatorium of Quillon"
    if prev_sop:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = CT, prev_sop
        ds.ReferencedImageSequence = Sequence([ref])
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes(range(32))
    ds.save_as(path, enforce_file_format=True)
    return sop


def make_archive(root, patients=3, studies=2, series=2, instances=3):
    """Writes root/<patient>/<study>/<series>/<n>.dcm; returns the list of paths."""
    paths = []
    for p in range(1, patients + 1):
        for st in range(studies):
            for se in range(series):
                d = os.path.join(root, f"p{p}", f"st{st}", f"se{se}")
                os.makedirs(d, exist_ok=True)
                prev = None
                for n in range(instances):
                    path = os.path.join(d, f"{n}.dcm")
                    prev = make_instance(path, p, st, se, n, prev)
                    paths.append(path)
    return paths


def read_mapping(path):
    """The rows of a mapping table (header checked) as a list of (id_old, id_new)."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id_old", "id_new"], rows[0]
    return [tuple(r) for r in rows[1:]]


def check_matched_back(inputs, out_dir, map_dir):
    """Every output matched back to its input through the mapping tables alone. Returns the count."""
    uid_rows = read_mapping(os.path.join(map_dir, "uid_mapping.csv"))
    pid_rows = read_mapping(os.path.join(map_dir, "patid_mapping.csv"))
    assert len(set(uid_rows)) == len(uid_rows), "duplicate rows in uid_mapping.csv"
    assert len(set(pid_rows)) == len(pid_rows), "duplicate rows in patid_mapping.csv"
    back_uid = {}
    for old, new in uid_rows:
        assert back_uid.setdefault(new, old) == old, "one pseudonym for two UIDs"
    back_pid = {}
    for old, new in pid_rows:
        assert back_pid.setdefault(new, old) == old, "one pseudonym for two Patient IDs"
    by_sop = {}
    for p in inputs:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        by_sop[ds.SOPInstanceUID] = ds
    matched = 0
    for base, _, names in os.walk(out_dir):
        for n in names:
            out = pydicom.dcmread(os.path.join(base, n), stop_before_pixels=True)
            new_ids = [out.StudyInstanceUID, out.SeriesInstanceUID, out.SOPInstanceUID]
            for u in new_ids:
                assert sum(1 for _, nw in uid_rows if nw == u) == 1, "an output UID is not in the table exactly once"
            assert sum(1 for _, nw in pid_rows if nw == out.PatientID) == 1
            src = by_sop[back_uid[out.SOPInstanceUID]]
            assert back_uid[out.StudyInstanceUID] == src.StudyInstanceUID
            assert back_uid[out.SeriesInstanceUID] == src.SeriesInstanceUID
            assert back_uid[out.FrameOfReferenceUID] == src.FrameOfReferenceUID
            assert back_pid[out.PatientID] == src.PatientID
            if "ReferencedImageSequence" in src:
                assert back_uid[out.ReferencedImageSequence[0].ReferencedSOPInstanceUID] == \
                    src.ReferencedImageSequence[0].ReferencedSOPInstanceUID
            matched += 1
    return matched
