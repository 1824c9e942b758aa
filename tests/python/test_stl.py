"""Encapsulated STL models are cleaned, not withheld: the triangles pass byte for byte, the free
text STL carries (a binary file's header and attribute bytes, an ASCII file's solid names) goes;
what does not parse as STL is withheld with the line that failed; OBJ, MTL and CDA stay withheld."""
import json
import os

import pydicom

import iod_samples
from conftest import run


def deid(tmp_path, key, *paths, name="out"):
    out, audit = tmp_path / name, tmp_path / f"{name}.jsonl"
    run("deid", "--key-file", key, "--output", str(out), "--audit", str(audit), "--audit-paths", "plain", *map(str, paths))
    return {os.path.basename(r["input"]): r for r in map(json.loads, open(audit)) if "input" in r}


def stl_instance(path, document):
    ds = iod_samples.encapsulated_stl(7)
    ds.SOPInstanceUID = iod_samples.ROOT_UID + f"7.{abs(hash(str(path))) % 10**8}"
    ds.EncapsulatedDocument = document + (b"\0" if len(document) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(document)
    iod_samples.save(ds, str(path))
    return path


def test_binary_stl_keeps_its_triangles_and_loses_its_header(tmp_path, key):
    src = tmp_path / "model.dcm"
    iod_samples.save(iod_samples.encapsulated_stl(7), str(src))
    before = pydicom.dcmread(src).EncapsulatedDocument
    assert b"Kowalczyk" in before[:80]
    rec = deid(tmp_path, key, src)["model.dcm"]
    assert rec["status"] == "written", rec["reason"]
    assert rec["tags"]["(0042,0011)"] == "clean" and "2 triangle(s) kept" in rec["pixels"]
    out = pydicom.dcmread(rec["output"])
    doc = out.EncapsulatedDocument
    assert out.EncapsulatedDocumentLength == len(before) == len(doc)
    assert b"Kowalczyk" not in doc and b"88123456" not in doc and not doc.startswith(b"solid")
    assert doc[80:84] == before[80:84]
    for t in range(2):  # the geometry, float for float; the attribute word zeroed
        assert doc[84 + 50 * t:84 + 50 * t + 48] == before[84 + 50 * t:84 + 50 * t + 48]
        assert doc[84 + 50 * t + 48:84 + 50 * t + 50] == b"\0\0"
    # Run again over our output: the document comes back as it is.
    again = deid(tmp_path, key, rec["output"], name="again")
    (rec2,) = again.values()
    assert rec2["status"] == "written" and pydicom.dcmread(rec2["output"]).EncapsulatedDocument == doc


def test_ascii_stl_loses_the_names_of_its_solids_and_bad_stl_is_withheld(tmp_path, key):
    facets = b"  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n" \
             b"    endloop\n  endfacet\n"
    good = stl_instance(tmp_path / "ascii.dcm", b"solid Kowalczyk Zofia MRN-88123456\n" + facets + b"endsolid Kowalczyk\n")
    bad = stl_instance(tmp_path / "bad.dcm", b"solid part\n" + facets.replace(b"outer loop", b"outer loop Kowalczyk")
                       + b"endsolid part\n")
    recs = deid(tmp_path, key, good, bad)
    rec = recs["ascii.dcm"]
    assert rec["status"] == "written", rec["reason"]
    out = pydicom.dcmread(rec["output"])
    n = out.EncapsulatedDocumentLength
    assert out.EncapsulatedDocument[:n] == b"solid\n" + facets + b"endsolid\n"
    assert recs["bad.dcm"]["status"] == "withheld"
    assert recs["bad.dcm"]["reason"] == "Encapsulated STL line 3 is no STL: its content cannot be cleaned"


def test_other_encapsulated_models_stay_withheld(tmp_path, key):
    ds = iod_samples.encapsulated_stl(8)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.4"  # Encapsulated OBJ
    ds.MIMETypeOfEncapsulatedDocument = "model/obj"
    ds.EncapsulatedDocument = b"# Kowalczyk\no liver\nv 0 0 0\n"
    iod_samples.save(ds, str(tmp_path / "obj.dcm"))
    rec = deid(tmp_path, key, tmp_path / "obj.dcm")["obj.dcm"]
    assert rec["status"] == "withheld" and "other than PDF or STL" in rec["reason"]
