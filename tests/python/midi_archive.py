"""A synthetic archive with an answer key, scored by the rules of the MIDI-B challenge's validation
(the checks of CBIIT's MIDI validation script, re-implemented here: tag_retained, text_notnull,
text_retained, text_removed, date_shifted, uid_changed, uid_consistent, patid_consistent,
pixels_retained). The answer key says what a TCIA-style de-identification must do with each
attribute: remove the identifiers, shift the dates, remap UIDs and Patient IDs consistently with
the mapping tables, and KEEP what research needs (descriptions without their identifiers, patient
characteristics, device identity, technique, safe private attributes, pixels). A withheld instance
fails every check it has, as a missing file fails the challenge's.

    python3 tests/python/midi_archive.py OUT_DIR [--score DICOMSCRUB_EXE]

Every name, ID, address and date is invented; deterministic.
"""
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata

import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

ROOT = "1.2.826.0.1.3680043.8.498.91"
CT, MR, CR, SC = ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.1",
                  "1.2.840.10008.5.1.4.1.1.7")

# Patients as a registration desk writes them: particles, hyphens, apostrophes, two given names.
PATIENTS = [
    dict(family="Gonzalez", given="Maria Elena", id="MRN00412345", birth="19610412", sex="F", age="061Y",
         street="1261 Leawood Street", city="Little Rock", zip="72223", phone="501-555-0142"),
    dict(family="O'Connor", given="James", id="4471-22-981", birth="19480930", sex="M", age="074Y",
         street="88 Harbor View Road", city="Galway Bay", zip="02871", phone="(617) 555-0199"),
    dict(family="Dubois-Martin", given="Anne Marie", id="FR7730118", birth="19791103", sex="F", age="043Y",
         street="14 Rue des Lilas", city="Villeurbanne", zip="69100", phone="+33 472 550 187"),
    dict(family="Van der Berg", given="Pieter", id="NL-0098812", birth="19550227", sex="M", age="067Y",
         street="Keizersgracht 412", city="Amsterdam", zip="1016 GC", phone="020 555 0134"),
    dict(family="McAllister", given="Robert Jr", id="00-7781-3", birth="19330715", sex="M", age="093Y",
         street="5 Glenbervie Close", city="Kirkcaldy", zip="KY2 5QT", phone="01592 555 017"),
    dict(family="Núñez", given="José Luis", id="ES 4481 2290", birth="19870102", sex="M", age="035Y",
         street="Calle de Alcalá 77", city="Madrid", zip="28009", phone="+34 915 550 123"),
]
PHYSICIANS = ["Whitfield^Harold^^Dr.", "Okonkwo^Adaeze", "Lindqvist^Sven^^Dr."]
MOTHERS = ["Ramirez^Lucia", "Brennan^Siobhan", "Lefebvre^Odile", "De Vries^Marijke", "Fairbairn^Morag", "Ibáñez^Pilar"]
RELATIVES = ["Carmen Gonzalez", "Aoife O'Connor", "Camille Martin", "Femke van der Berg", "Fiona McAllister",
             "Lucía Núñez"]
MONTHS = "January February March April May June July August September October November December".split()
INSTITUTION = "Saint Bartholomew Regional Medical Center"
INSTITUTION_ADDRESS = "2200 Abercrombie Avenue, Fort Mayhew, OH 45810"

# (modality, class, study description, series descriptions, protocol, body part)
EXAMS = [
    ("CT", CT, "CT CHEST WO CONTRAST", ["AXIAL 1.25MM LUNG", "CORONAL MIP"], "CHEST ROUTINE", "CHEST"),
    ("MR", MR, "MRI BRAIN W AND WO CONTRAST", ["AX T1 POST GAD", "SAG FLAIR"], "BRAIN TUMOR PROTOCOL", "BRAIN"),
    ("CR", CR, "XR CHEST 2 VIEWS", ["PA", "LATERAL"], "CHEST PA LAT", "CHEST"),
    ("OT", SC, "OUTSIDE IMAGES IMPORT", ["SCANNED FILM"], "IMPORT", "ABDOMEN"),
]


def ascii_only(text):
    """As a system without accents writes it: Núñez -> Nunez."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def spelled_date(yyyymmdd):
    return f"{MONTHS[int(yyyymmdd[4:6]) - 1]} {int(yyyymmdd[6:])}, {yyyymmdd[:4]}"


def check(rows, sop, action, tag, value="", text=""):
    rows.append({"instance": sop, "action": action, "tag": tag, "value": value, "text": text})


def spaced(pn):
    return " ".join(p for p in str(pn).replace("^", " ").split() if p)


def make_instance(path, p, pn, exam_no, series_no, number, rows):
    pt = PATIENTS[p]
    modality, sop_class, study_desc, series_descs, protocol, body = EXAMS[(p + exam_no) % len(EXAMS)]
    series_desc = series_descs[series_no % len(series_descs)]
    study_uid = f"{ROOT}.{p + 1}.{exam_no + 1}"
    series_uid = f"{study_uid}.{series_no + 1}"
    sop = f"{series_uid}.{number + 1}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = sop_class, sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"] if modality in ("CT", "MR") else ["DERIVED", "SECONDARY"]
    study_date = f"20{19 + exam_no}{(3 * p + exam_no) % 12 + 1:02d}{10 + p + exam_no:02d}"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study_date
    ds.StudyTime, ds.SeriesTime, ds.ContentTime = "101500", f"10{20 + series_no}00", f"10{20 + series_no}{10 + number:02d}"
    ds.AccessionNumber = f"A{p + 1}{exam_no + 1}0{7731 + 17 * p}"
    ds.Modality = modality
    ds.Manufacturer, ds.ManufacturerModelName = ("GE MEDICAL SYSTEMS", "Revolution CT") if modality == "CT" else \
        ("SIEMENS", "MAGNETOM Skyra") if modality == "MR" else ("AGFA", "CR 85-X")
    ds.InstitutionName, ds.InstitutionAddress = INSTITUTION, INSTITUTION_ADDRESS
    ds.ReferringPhysicianName = PHYSICIANS[p % len(PHYSICIANS)]
    ds.StationName = f"{modality}01ROOM{p + 3}"
    ds.StudyDescription = study_desc if exam_no == 0 else f"{study_desc} FOR {pt['family'].upper()} FOLLOW UP"
    ds.SeriesDescription = series_desc
    ds.OperatorsName = "Kowalczyk^Zofia"
    ds.PatientName = pn
    ds.PatientID = pt["id"]
    ds.PatientBirthDate, ds.PatientSex, ds.PatientAge = pt["birth"], pt["sex"], pt["age"]
    ds.PatientWeight, ds.PatientSize = 61.5 + 7 * p, 1.58 + 0.07 * p
    ds.OtherPatientIDs = f"ALT{pt['id'][-5:]}"
    ds.PatientAddress = f"{pt['street']}, {pt['city']} {pt['zip']}"
    ds.PatientTelephoneNumbers = pt["phone"]
    ds.EthnicGroup = "Hispanic" if p == 0 else "Unknown"
    ds.AdditionalPatientHistory = (f"Former smoker. Pt {pt['given'].split()[0]} {pt['family']} "
                                   f"prefers phone {pt['phone']}. Prior lobectomy.")
    ds.DeviceSerialNumber, ds.SoftwareVersions = f"SN{40021 + p}", "27.1.4"
    ds.ProtocolName, ds.BodyPartExamined = protocol, body
    if modality == "CT":
        ds.SliceThickness, ds.KVP = 1.25, 120
        ds.ContrastBolusAgent = "OMNIPAQUE 350"
    if modality == "MR":
        ds.SliceThickness, ds.RepetitionTime, ds.EchoTime, ds.MagneticFieldStrength = 5.0, 550.0, 9.8, 3.0
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.FrameOfReferenceUID = f"{series_uid}.999"
    ds.StudyID = f"E{7000 + 10 * p + exam_no}"
    ds.SeriesNumber, ds.InstanceNumber = series_no + 1, number + 1
    ds.PatientOrientation = ""
    ds.ImageComments = (f"{pt['family']}, {pt['given']} (MRN {pt['id']}) repositioned supine, "
                        f"DOB {pt['birth'][4:6]}/{pt['birth'][6:]}/{pt['birth'][:4]}")
    # Free text naming people the header names elsewhere, and people it does not name at all.
    ds.PerformedProcedureStepDescription = f"{study_desc} {ascii_only(pt['family']).upper()}"
    ds.RequestingPhysician = PHYSICIANS[(p + 1) % len(PHYSICIANS)]
    ds.OtherPatientNames = f"{pt['family']}^{pt['given'][0]}"
    ds.PatientMotherBirthName = MOTHERS[p]
    ds.PatientComments = (f"Allergic to penicillin. Daughter {RELATIVES[p]} to be called on "
                          f"{pt['phone']}. Results to Dr. {PHYSICIANS[(p + 2) % len(PHYSICIANS)].split('^')[0]}.")
    ds.AcquisitionDeviceProcessingDescription = f"Processed {spelled_date(study_date)} by {ds.StationName}"
    req = Dataset()
    req.RequestedProcedureID = f"RP{8800 + 10 * p + exam_no}"
    req.RequestedProcedureDescription = study_desc
    ds.RequestAttributesSequence = Sequence([req])
    if number > 0:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = sop_class, f"{series_uid}.{number}"
        ds.ReferencedImageSequence = Sequence([ref])
    if modality == "CT":  # (0019,xx23) DS is on PS3.15 Table E.3.10-1; (0019,xx10) LO is not
        block = ds.private_block(0x0019, "GEMS_ACQU_01", create=True)
        block.add_new(0x23, "DS", "22.5")
        block.add_new(0x10, "LO", f"{pt['family']} {pt['id']}")
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if modality == "OT":
        ds.ConversionType, ds.BurnedInAnnotation = "DF", "NO"
    # A smooth body-like blob, 12 bits stored: anatomy, no text.
    ds.PixelData = b"".join(max(0, 3000 - 3 * ((x - 32) ** 2 + (y - 30) ** 2) + 40 * p + 7 * number).to_bytes(2, "little")
                            for y in range(64) for x in range(64))
    ds.save_as(path, enforce_file_format=True)

    # The answer key, in the challenge's vocabulary.
    check(rows, sop, "text_removed", "PatientName", text=spaced(pn))
    check(rows, sop, "patid_consistent", "PatientID", value=pt["id"])
    check(rows, sop, "date_shifted", "PatientBirthDate", value=pt["birth"])
    for kw in ("StudyDate", "SeriesDate", "ContentDate"):
        check(rows, sop, "date_shifted", kw, value=study_date)
    for kw in ("AccessionNumber", "OtherPatientIDs", "StudyID"):
        check(rows, sop, "text_removed", kw, text=str(ds.get(kw)))
    check(rows, sop, "text_removed", "PatientAddress", text=f"{pt['street']} {pt['city']}")
    check(rows, sop, "text_removed", "PatientTelephoneNumbers", text=pt["phone"])
    for kw in ("ReferringPhysicianName", "OperatorsName"):
        check(rows, sop, "text_removed", kw, text=spaced(str(ds.get(kw))).replace("Dr.", ""))
    check(rows, sop, "text_removed", "InstitutionName", text=INSTITUTION)
    check(rows, sop, "text_removed", "InstitutionAddress", text=INSTITUTION_ADDRESS)
    for kw in ("PatientSex", "PatientAge", "PatientWeight", "PatientSize", "EthnicGroup", "Manufacturer",
               "ManufacturerModelName", "DeviceSerialNumber", "SoftwareVersions", "StationName", "Modality",
               "ImageType", "BodyPartExamined", "SliceThickness", "KVP", "RepetitionTime", "EchoTime",
               "MagneticFieldStrength", "SeriesNumber", "InstanceNumber"):
        if kw in ds:
            check(rows, sop, "tag_retained", kw)
    check(rows, sop, "text_retained", "StudyDescription", text=study_desc)
    if exam_no:
        check(rows, sop, "text_removed", "StudyDescription", text=pt["family"])
    check(rows, sop, "text_retained", "SeriesDescription", text=series_desc)
    check(rows, sop, "text_retained", "ProtocolName", text=protocol)
    if "ContrastBolusAgent" in ds:
        check(rows, sop, "text_retained", "ContrastBolusAgent", text="OMNIPAQUE 350")
    check(rows, sop, "text_retained", "AdditionalPatientHistory", text="Former smoker. Prior lobectomy.")
    check(rows, sop, "text_removed", "AdditionalPatientHistory", text=f"{pt['family']} {pt['phone']}")
    check(rows, sop, "text_retained", "ImageComments", text="repositioned supine")
    check(rows, sop, "text_removed", "ImageComments", text=f"{pt['family']} {pt['given']} {pt['id']}")
    check(rows, sop, "date_shifted", "ImageComments", value=f"{pt['birth'][4:6]}/{pt['birth'][6:]}/{pt['birth'][:4]}")
    check(rows, sop, "text_retained", "PerformedProcedureStepDescription", text=study_desc)
    check(rows, sop, "text_removed", "PerformedProcedureStepDescription", text=ascii_only(pt["family"]))
    check(rows, sop, "text_removed", "RequestingPhysician", text=spaced(ds.RequestingPhysician).replace("Dr.", ""))
    check(rows, sop, "text_removed", "OtherPatientNames", text=pt["family"])
    check(rows, sop, "text_removed", "PatientMotherBirthName", text=spaced(MOTHERS[p]))
    check(rows, sop, "text_retained", "PatientComments", text="Allergic to penicillin")
    check(rows, sop, "text_removed", "PatientComments",
          text=f"{RELATIVES[p]} {pt['phone']} {PHYSICIANS[(p + 2) % len(PHYSICIANS)].split('^')[0]}")
    check(rows, sop, "date_shifted", "AcquisitionDeviceProcessingDescription", value=spelled_date(study_date))
    check(rows, sop, "text_removed", "RequestAttributesSequence[0].RequestedProcedureID", text=req.RequestedProcedureID)
    check(rows, sop, "text_retained", "RequestAttributesSequence[0].RequestedProcedureDescription", text=study_desc)
    for kw, uid in (("StudyInstanceUID", study_uid), ("SeriesInstanceUID", series_uid), ("SOPInstanceUID", sop),
                    ("FrameOfReferenceUID", ds.FrameOfReferenceUID)):
        check(rows, sop, "uid_changed", kw, value=uid)
        check(rows, sop, "uid_consistent", kw, value=uid)
    if number > 0:
        check(rows, sop, "uid_consistent", "ReferencedImageSequence[0].ReferencedSOPInstanceUID",
              value=f"{series_uid}.{number}")
    if modality == "CT":
        check(rows, sop, "tag_retained", "(0019,1023)")
        check(rows, sop, "text_removed", "(0019,1010)", text=f"{pt['family']} {pt['id']}")
    check(rows, sop, "pixels_retained", "PixelData", value=hashlib.sha256(ds.PixelData).hexdigest())
    return sop


def generate(out_dir, studies=2, series=2, instances=2):
    """Writes the archive under out_dir/input and the answer key out_dir/answers.json."""
    rows = []
    for p, pt in enumerate(PATIENTS):
        # The same patient's name as each system wrote it: caret form, upper case, with a suffix.
        forms = [f"{pt['family']}^{pt['given']}", f"{pt['family'].upper()}^{pt['given'].upper()}"]
        for st in range(studies):
            for se in range(series):
                d = os.path.join(out_dir, "input", f"p{p}", f"st{st}", f"se{se}")
                os.makedirs(d, exist_ok=True)
                for n in range(instances):
                    make_instance(os.path.join(d, f"{n}.dcm"), p, forms[st % 2], st, se, n, rows)
    with open(os.path.join(out_dir, "answers.json"), "w") as f:
        json.dump(rows, f, indent=0)
    return rows


# ---- the challenge's checks ----

STOPWORDS = set("a an and are as at be by for from has have he her his i in is it its of on or she that the "
                "their them they this to was were will with".split())


def tokens(text):
    return [t for t in re.findall(r"[^\W_]+(?:['.-][^\W_]+)*", text.lower()) if t not in STOPWORDS]


def text_check(file_value, answer, retain):
    """The challenge's text rule: numbers compare as numbers; the whole answer inside the value, or
    else each of its words (stop words and punctuation left out) found inside the value."""
    f, a = file_value.lower(), answer.lower()
    if f.replace(".", "", 1).isdigit() and a.replace(".", "", 1).isdigit():
        return (float(f) == float(a)) == retain
    if a in f:
        return retain
    words = tokens(a)
    found = sum(1 for w in words if w in f)
    return found == len(words) if retain else found == 0


def value_at(ds, path):
    """The element's text at path (keyword, (gggg,eeee), or Seq[i].Keyword), None when absent."""
    node = ds
    for step in path.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", step)
        if m:
            seq = node.data_element(m.group(1)) if m.group(1) in node else None
            if seq is None or len(seq.value) <= int(m.group(2)):
                return None
            node = seq.value[int(m.group(2))]
            continue
        if step.startswith("("):
            g, e = step.strip("()").split(",")
            el = node.get((int(g, 16), int(e, 16)))
        else:
            el = node.data_element(step) if step in node else None
        if el is None:
            return None
        v = el.value
        if isinstance(v, (bytes, bytearray)):
            return v
        if isinstance(v, (list, pydicom.multival.MultiValue)):
            return "\\".join(str(x) for x in v)
        return "" if v is None else str(v)
    return None


def read_mapping(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id_old"]: r["id_new"] for r in csv.DictReader(f)}


def score(out_dir, rows, map_dir):
    """Per check: passed or not. Returns (results, withheld instances)."""
    uids, patids = read_mapping(os.path.join(map_dir, "uid_mapping.csv")), read_mapping(os.path.join(map_dir, "patid_mapping.csv"))
    back = {new: old for old, new in uids.items()}
    outputs = {}
    for base, _, names in os.walk(out_dir):
        for n in names:
            if n.endswith(".dcm"):
                ds = pydicom.dcmread(os.path.join(base, n))
                outputs[back.get(ds.SOPInstanceUID, ds.SOPInstanceUID)] = ds
    results, withheld = [], sorted({r["instance"] for r in rows} - set(outputs))
    for r in rows:
        ds = outputs.get(r["instance"])
        if ds is None:
            results.append((r, None, False))
            continue
        v = value_at(ds, r["tag"])
        a = r["action"]
        if a == "pixels_retained":
            ok = v is not None and hashlib.sha256(v).hexdigest() == r["value"]
        elif a == "tag_retained":
            ok = v is not None
        elif a == "text_notnull":
            ok = bool(v)
        elif a == "text_retained":
            ok = bool(v) and text_check(v, r["text"], True)
        elif a == "text_removed":
            ok = not v or text_check(v, r["text"], False)
        elif a in ("date_shifted", "uid_changed"):
            ok = not v or r["value"].replace("\\", "") not in v.replace("\\", "")
        elif a == "uid_consistent":
            ok = v is None or v == uids.get(r["value"], "")
        elif a == "patid_consistent":
            ok = v is None or v == patids.get(r["value"], "")
        else:
            raise ValueError(a)
        results.append((r, v, ok))
    return results, withheld


def deidentify_and_score(exe, out_dir, rows, profile="tcia"):
    key = os.path.join(out_dir, "site.key")
    if not os.path.exists(key):
        subprocess.run([exe, "keygen", key], check=True, capture_output=True)
    dst, maps = os.path.join(out_dir, "output"), os.path.join(out_dir, "maps")
    audit = os.path.join(out_dir, "audit.jsonl")
    for p in (audit,):
        if os.path.exists(p):
            os.remove(p)
    run = subprocess.run([exe, "deid", "--profile", profile, "--key-file", key, "--output", dst, "--mapping", maps,
                          "--audit", audit, "--audit-paths", "plain", os.path.join(out_dir, "input")],
                         capture_output=True, text=True)
    if run.returncode not in (0, 3):
        raise RuntimeError(run.stderr)
    return score(dst, rows, maps)


def summary(results):
    by = {}
    for r, _, ok in results:
        t = by.setdefault(r["action"], [0, 0])
        t[0] += ok
        t[1] += 1
    return by


if __name__ == "__main__":
    out = sys.argv[1]
    rows = generate(out)
    print(f"{len({r['instance'] for r in rows})} instances, {len(rows)} checks in {out}")
    if len(sys.argv) > 3 and sys.argv[2] == "--score":
        results, withheld = deidentify_and_score(sys.argv[3], out, rows)
        for action, (ok, n) in sorted(summary(results).items()):
            print(f"  {action:18} {ok:5} of {n:5}  {100 * ok / n:6.2f} %")
        ok = sum(x[2] for x in results)
        print(f"  {'all':18} {ok:5} of {len(results):5}  {100 * ok / len(results):6.2f} %; withheld {len(withheld)}")
        seen = set()
        for r, v, good in results:
            if not good and (r["action"], r["tag"]) not in seen:
                seen.add((r["action"], r["tag"]))
                print(f"  FAIL {r['action']:16} {r['tag']:40} value {v!r:.70} answer {r['text'] or r['value']!r:.50}")
