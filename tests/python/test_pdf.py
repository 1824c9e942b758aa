"""Encapsulated PDFs: cleaned in place (metadata gone, text kept) or withheld, never passed as they
were."""
import io
import json
import subprocess

import pydicom
import pytest
from pydicom.dataset import FileDataset, FileMetaDataset

import pdf_samples
from conftest import audit_records, run

PDF_SOP = "1.2.840.10008.5.1.4.1.1.104.1"


def text_pdf(lines, info_author="QUIXOTE ZEBULON"):
    """A one-page PDF with Helvetica text lines, an Info dictionary and XMP metadata naming the author."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({t}) Tj 0 -16 Td" for t in lines) + " ET"
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{info_author}</dc:creator></x:xmpmeta>'
    return pdf_samples.build([
        "<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        ("", content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ("/Type /Metadata /Subtype /XML", xmp),
        f"<< /Author ({info_author}) /Title (Requisition for {info_author}) /Producer (ScanSoft) >>",
    ], trailer_extra="/Info 7 0 R ")


def image_pdf():
    """A scanned requisition: page images only, the patient's name and the exam burned in."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    img = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(img).text((20, 30), "QUIXOTE ZEBULON", fill=0, font=font)
    ImageDraw.Draw(img).text((20, 120), "CHEST PA AND LATERAL", fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=72)
    return buf.getvalue()


def ocr_pdf(pdf, tmp_path):
    """What Tesseract reads on the first page rendered at 150 dpi (an independent check: poppler-utils + tesseract CLI)."""
    src = tmp_path / "ocr.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(src), str(tmp_path / "page")], check=True)
    png = sorted(tmp_path.glob("page*.png"))[0]
    return subprocess.run(["tesseract", str(png), "-"], capture_output=True, text=True, check=True).stdout.upper()


def pdf_instance(path, pdf):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = PDF_SOP
    meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[str(path)])
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = PDF_SOP, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "QUIXOTE^ZEBULON", "88123456", "19610412"
    ds.Modality = "DOC"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


def deid_one(tmp_path, key, path, name="out", extra=()):
    out = tmp_path / name
    audit = tmp_path / f"{name}.jsonl"
    p = run("deid", "--key-file", key, "--output", str(out), "--audit", str(audit), *extra, path, check=False)
    return p, audit_records(audit)[0]


def test_pdf_metadata_removed_and_text_kept(tmp_path, key):
    path = pdf_instance(tmp_path / "req.dcm", text_pdf(["CT ABDOMEN WITH CONTRAST", "Indication: abdominal pain"]))
    p, rec = deid_one(tmp_path, key, path)
    assert rec["status"] == "written", rec["reason"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    assert doc.startswith(b"%PDF") and b"QUIXOTE" not in doc and b"ZEBULON" not in doc and b"ScanSoft" not in doc
    assert b"/Info" not in doc and b"xmpmeta" not in doc
    text = subprocess.run(["pdftotext", "-", "-"], input=doc, capture_output=True, check=True).stdout
    assert b"abdominal pain" in text and b"CT ABDOMEN" in text  # the document's own text stays
    # Deterministic: a second run gives the same bytes.
    p2, rec2 = deid_one(tmp_path, key, path, name="again")
    assert open(rec2["output"], "rb").read() == open(rec["output"], "rb").read()


@pytest.mark.parametrize("lines", [["Patient: Zebulon Quixote"], ["MRN 88123456"], ["DOB 04/12/1961"]])
def test_pdf_naming_the_patient_is_cleaned_not_withheld(tmp_path, key, lines):
    """Standard-14 Helvetica without /Widths: the name's glyphs still go, the rest stays."""
    path = pdf_instance(tmp_path / "named.dcm", text_pdf(["Requisition"] + lines))
    p, rec = deid_one(tmp_path, key, path)
    assert p.returncode == 0 and rec["status"] == "written", rec["reason"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    text = subprocess.run(["pdftotext", "-", "-"], input=doc, capture_output=True, check=True).stdout
    assert b"Requisition" in text
    for ident in (b"Zebulon", b"Quixote", b"88123456", b"04/12/1961"):
        assert ident not in text


def test_scanned_pdf_is_rendered_cleaned_and_rewrapped(tmp_path, key):
    scan = image_pdf()
    assert "QUIXOTE" in ocr_pdf(scan, tmp_path)  # the check below can fail: the name is legible going in
    path = pdf_instance(tmp_path / "scan.dcm", scan)
    p, rec = deid_one(tmp_path, key, path)
    assert rec["status"] == "written", rec["reason"]
    assert "scanned PDF" in rec["pixels"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    text = ocr_pdf(doc, tmp_path)
    assert "QUIXOTE" not in text and "ZEBULON" not in text and "CHEST" not in text  # all text blanked by default
    p, rec = deid_one(tmp_path, key, path, name="ids", extra=("--cover-pages", "identifiers"))
    text = ocr_pdf(pydicom.dcmread(rec["output"]).EncapsulatedDocument, tmp_path)
    assert "QUIXOTE" not in text and "ZEBULON" not in text and "CHEST" in text  # only the name
    p, rec = deid_one(tmp_path, key, path, name="held", extra=("--cover-pages", "withhold"))
    assert rec["status"] == "withheld" and "holds images" in rec["reason"]


def test_broken_pdfs_are_withheld(tmp_path, key):
    p, rec = deid_one(tmp_path, key, pdf_instance(tmp_path / "junk.dcm", b"%PDF-1.4 this is not a document"), name="junk")
    assert rec["status"] == "withheld" and "could not be" in rec["reason"]
