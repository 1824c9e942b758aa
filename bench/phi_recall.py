#!/usr/bin/env python3
"""Recall of the PHI detector, measured end to end: identifiers planted, one per file, in every
spelling and every kind the detector knows, across character sets, in attributes the Basic
Profile keeps (model name, window explanation, convolution kernel, software versions, image
type, body part, a code meaning, a safe private element, IS/DS values); each file is run through
`dicomscrub deid` and a survivor is an output that was written and still holds the identifier
(compared NFKC + case-folded, in the decoded text). Controls (the same files with nothing
planted) must all be written: withholding everything would otherwise score perfectly.

  python3 bench/phi_recall.py [--cli build/cli/dicomscrub] [--keep DIR]

Prints the counts and each survivor (kind, spelling, place); exit 1 if anything survived or a
control was withheld. tests/python/test_phi_recall.py runs it.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

import warnings

import pydicom
from pydicom.charset import convert_encodings, encode_string
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Patients: (label, charset, name, what to plant of it)
BASES = {
    "latin": ("ISO_IR 192", "Kowalczyk^Zofia"),
    "accents": ("ISO_IR 192", "Ångström^Zoë"),
    "japanese": ("\\ISO 2022 IR 87", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
    "chinese": ("GB18030", "Wang^Xiaoming=王^小明"),
}

PLANTS = [
    # (base, kind, spelling)
    ("latin", "own name", "KOWALCZYK"),
    ("latin", "own name", "kowalczyk"),
    ("latin", "own name inflected", "Kowalczyka"),
    ("latin", "own name glued", "ZofiaKowalczyk"),
    ("latin", "own name spaced", "K O W A L"),
    ("latin", "own name split", "Kowal\\czyk"),
    ("latin", "own name full width", "ＫＯＷＡＬＣＺＹＫ"),
    ("accents", "own name NFD", unicodedata.normalize("NFD", "Ångström")),
    ("accents", "own name lower case", "ångström"),
    ("accents", "own name upper case", "ÅNGSTRÖM"),
    ("japanese", "own name CJK glued", "山田太郎"),
    ("japanese", "own name kana", "やまだたろう"),
    ("chinese", "own name CJK glued", "王小明"),
    ("latin", "patient ID", "MRN-88123456"),
    ("latin", "patient ID no separator", "MRN88123456"),
    ("latin", "patient ID other separators", "MRN 88 123 456"),
    ("latin", "accession number", "ACC5551212"),
    ("latin", "birth date", "19471013"),
    ("latin", "birth date", "1947-10-13"),
    ("latin", "birth date", "10/13/47"),
    ("latin", "birth date", "13/10/1947"),
    ("latin", "birth date", "13OCT1947"),
    ("latin", "birth date", "October 13th, 1947"),
    ("latin", "birth date", "13.X.1947"),
    ("latin", "birth date", "13 octobre 1947"),
    ("latin", "birth date", "13. Oktober 1947"),
    ("latin", "referring physician", "Hibbertson"),
    ("latin", "institution", "Mercy Yardley Clinic"),
    ("latin", "address", "742 Evergreen Terrace"),
    ("latin", "phone", "555 867 5309"),
    ("latin", "other date", "2 March 2011"),
    ("latin", "US SSN", "078-05-1120"),
    ("latin", "French NIR", "1 47 10 75 123 456 75"),
    ("latin", "UK NHS number", "943 476 5919"),
    ("latin", "e-mail", "jane.roe@example.org"),
    ("latin", "phone E.164", "+44 20 7946 0958"),
    ("latin", "phone US", "(555) 123-4567"),
    ("latin", "phone FR", "01 42 68 53 00"),
    ("latin", "street address", "12 Baker Street"),
    ("latin", "street address FR", "12 rue de la Paix"),
    ("latin", "other person", "Mary Johnson"),
    ("latin", "other person", "JOHNSON^MARY"),
    ("latin", "other person titled", "Dr. Adeyemi"),
    ("latin", "other person titled", "Mme Durand"),
]

# Where: (label, how to plant)
def encoded(ds, value):
    """The value as bytes in the data set's character set (pydicom would refuse some VRs)."""
    b = encode_string(value, convert_encodings(ds.SpecificCharacterSet))
    return b + (b" " if len(b) % 2 else b"")


def _lo(tag, vr):
    def put(ds, value):
        ds.add_new(tag, vr, encoded(ds, value))
    return put


def _image_type(ds, value):
    ds.ImageType = ["ORIGINAL", "PRIMARY", value]


def _code_meaning(ds, value):
    item = Dataset()
    item.CodeValue = "T-D0050"
    item.CodingSchemeDesignator = "SRT"
    item.add_new(0x00080104, "LO", encoded(ds, value))
    ds.AnatomicRegionSequence = Sequence([item])


def _private(ds, value):
    ds.add_new(0x00190010, "LO", "GEMS_ACQU_01")
    ds.add_new(0x0019109E, "LO", encoded(ds, value))


def _numeric(tag, vr):
    def put(ds, value):
        ds.add_new(tag, vr, value)
    return put


PLACES = [
    ("ManufacturerModelName", _lo(0x00081090, "LO")),
    ("WindowCenterWidthExplanation", _lo(0x00281055, "LO")),
    ("ConvolutionKernel", _lo(0x00181210, "SH")),
    ("SoftwareVersions", _lo(0x00181020, "LO")),
    ("ImageType", _image_type),
    ("BodyPartExamined", lambda ds, v: setattr(ds, "BodyPartExamined", v)),
    ("CodeMeaning", _code_meaning),
    ("safe private (Retain Safe Private)", _private),
    ("ImageComments", _lo(0x00204000, "LT")),
]
CS_PLACES = {"ImageType", "BodyPartExamined"}
NUMERIC_PLACES = [("InstanceNumber (IS)", _numeric(0x00200013, "IS")), ("SliceThickness (DS)", _numeric(0x00180050, "DS"))]


def base_dataset(label, n):
    charset, name = BASES[label]
    ds = Dataset()
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.9.7433.77.{n}"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.9.7433.77.1"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.9.7433.77.2"
    ds.Modality = "CT"
    ds.StudyDate = "20230301"
    ds.AccessionNumber = "ACC-5551212"
    ds.InstitutionName = "Mercy Yardley Clinic"
    ds.ReferringPhysicianName = "Hibbertson^Carl"
    ds.Manufacturer = "ACME"
    ds.PatientName = name
    ds.PatientID = "MRN-88123456"
    ds.PatientBirthDate = "19471013"
    ds.PatientAddress = "742 Evergreen Terrace^Springfield"
    ds.PatientTelephoneNumbers = "555-867-5309"
    ds.StudyDescription = "CT CHEST W CONTRAST"
    ds.BodyPartExamined = "CHEST"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.InstanceNumber = "1"
    ds.SliceThickness = "1.25"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def fold(s):
    return unicodedata.normalize("NFKC", s).casefold()


def text_of(path):
    ds = pydicom.dcmread(path)
    out = []

    def walk(d):
        for el in d:
            if el.VR == "SQ":
                for item in el.value:
                    walk(item)
            elif el.tag.group != 0x7FE0:
                v = el.value
                if isinstance(v, bytes):
                    out.append(v.decode("latin-1"))
                elif isinstance(v, (list, pydicom.multival.MultiValue)):
                    out.append("\\".join(str(x) for x in v))
                else:
                    out.append(str(v))
    walk(ds)
    return fold("\n".join(out))


def make_cases(folder):
    cases = []
    n = 0
    for base in BASES:  # controls: nothing planted
        n += 1
        p = os.path.join(folder, f"control_{base}.dcm")
        base_dataset(base, n).save_as(p, enforce_file_format=True)
        cases.append({"path": p, "control": True, "base": base})
    for base, kind, spelling in PLANTS:
        places = PLACES + (NUMERIC_PLACES if spelling.isdigit() else [])
        for place, put in places:
            if place in CS_PLACES and not spelling.isascii():
                continue  # CS holds the default repertoire only (PS3.5 6.2); pydicom writes it so
            n += 1
            ds = base_dataset(base, n)
            put(ds, spelling)
            p = os.path.join(folder, f"case_{n:04d}.dcm")
            ds.save_as(p, enforce_file_format=True)
            cases.append({"path": p, "control": False, "kind": kind, "spelling": spelling, "place": place})
    return cases


def evaluate(cli, cases, work):
    key = os.path.join(work, "recall.key")
    if not os.path.exists(key):
        subprocess.run([cli, "keygen", key], check=True, stdout=subprocess.DEVNULL)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    audit = os.path.join(work, "audit.jsonl")
    inputs = os.path.join(work, "in")
    subprocess.run([cli, "deid", "--key-file", key, "--output", out, "--audit", audit, "--audit-paths", "plain",
                    "--option", "retain_safe_private", inputs],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = {}
    for line in open(audit):
        r = json.loads(line)
        if "input" in r:  # not the header or summary record
            records[os.path.abspath(r["input"])] = r
    result = {"planted": 0, "withheld": 0, "cleaned": 0, "survived": [], "controls": 0, "controls_withheld": []}
    for c in cases:
        r = records.get(os.path.abspath(c["path"]))
        status = r["status"] if r else "missing"
        if c["control"]:
            result["controls"] += 1
            if status != "written":
                result["controls_withheld"].append((c["base"], (r or {}).get("reason")))
            continue
        result["planted"] += 1
        if status != "written":
            result["withheld"] += 1
            continue
        path = r["output"] if os.path.isabs(r["output"]) else os.path.join(os.getcwd(), r["output"])
        if fold(c["spelling"]) in text_of(path):
            result["survived"].append((c["kind"], c["spelling"], c["place"]))
        else:
            result["cleaned"] += 1
    return result


def run(cli, keep=None):
    work = keep or tempfile.mkdtemp(prefix="phi_recall_")
    os.makedirs(os.path.join(work, "in"), exist_ok=True)
    cases = make_cases(os.path.join(work, "in"))
    res = evaluate(cli, cases, work)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main():
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "cli", "dicomscrub"))
    ap.add_argument("--keep", default=None, help="keep the generated files and outputs in this folder")
    a = ap.parse_args()
    res = run(os.path.abspath(a.cli), a.keep)
    print(f"planted {res['planted']}: withheld {res['withheld']}, cleaned {res['cleaned']}, survived {len(res['survived'])}; "
          f"controls {res['controls']}, withheld {len(res['controls_withheld'])}")
    for s in res["survived"]:
        print("  survived:", *s, sep=" | ")
    for c in res["controls_withheld"]:
        print("  control withheld:", *c, sep=" | ")
    sys.exit(1 if res["survived"] or res["controls_withheld"] else 0)


if __name__ == "__main__":
    main()
