"""PDFs that name the patient (or another person in the header) are cleaned, not withheld: the glyphs
that spell the identifier leave every content stream, the rest of the report stays, and the result
is a valid PDF. Checked with independent tools: poppler's pdftotext, qpdf's decoded-stream dump and
qpdf --check."""
import re
import shutil
import subprocess

import pydicom
import pytest

import pdf_samples
from test_pdf import deid_one, ocr_pdf, pdf_instance

pytestmark = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf CLI missing: run tools/setup.sh")

IDENTIFIERS = [b"ZEBULON", b"QUIXOTE", b"PERPETUA", b"MARLOWE", b"88123456", b"04/12/1961", b"12 APR 1961"]


def pdftotext(pdf):
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout


def decoded_streams(pdf, tmp_path):
    """Every stream of the document uncompressed, as qpdf writes it for inspection."""
    src, dst = tmp_path / "in.pdf", tmp_path / "qdf.pdf"
    src.write_bytes(pdf)
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(src), str(dst)], check=True)
    return dst.read_bytes()


def qpdf_check(pdf, tmp_path):
    src = tmp_path / "check.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["qpdf", "--check", str(src)], capture_output=True, text=True)


def named_instance(tmp_path, pdf, name="named.dcm"):
    path = pdf_instance(tmp_path / name, pdf)
    ds = pydicom.dcmread(path)
    ds.ReferringPhysicianName = "MARLOWE^PERPETUA"  # another person the document names
    ds.save_as(path, enforce_file_format=True)
    return path


def through_cairo(pdf, tmp_path):
    """The same page written again by cairo (poppler-utils' pdftocairo): an embedded subset TrueType
    font with a ToUnicode map and every glyph placed by its own kerning offset, as real generators do."""
    src, dst = tmp_path / "plain.pdf", tmp_path / "cairo.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftocairo", "-pdf", str(src), str(dst)], check=True)
    return dst.read_bytes()


@pytest.mark.parametrize("case", sorted(pdf_samples.CASES) + ["cairo:body_text", "cairo:table", "cairo:form_xobject"])
def test_pdf_naming_people_is_cleaned_in_place(tmp_path, key, case):
    pdf = pdf_samples.CASES[case.split(":")[-1]]()
    if case.startswith("cairo:"):
        pdf = through_cairo(pdf, tmp_path)
    before = pdftotext(pdf).upper().replace(b" ", b"") + decoded_streams(pdf, tmp_path).upper()
    assert any(i in before for i in IDENTIFIERS[:2]), "the sample must name the patient going in"
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "identifying glyph(s)" in rec["pixels"] and "scanned PDF" not in rec["pixels"], rec["pixels"]  # edited in place
    removed = int(re.search(r"(\d+) identifying glyph", rec["pixels"]).group(1))
    assert removed > 0
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    text = pdftotext(doc)
    streams = decoded_streams(doc, tmp_path).upper()
    tight = text.upper().replace(b" ", b"")  # a kerned name reads "ZE BULO N": look without the gaps too
    for ident in IDENTIFIERS:
        assert ident not in text.upper() and ident.replace(b" ", b"") not in tight, (case, ident)
        assert ident not in streams, (case, ident)
    for kept in pdf_samples.KEPT:  # the report's own text survives (cairo's kerning splits words: compare without spaces)
        assert kept.replace(" ", "").encode() in text.replace(b" ", b""), (case, kept)
    check = qpdf_check(doc, tmp_path)
    assert check.returncode == 0 and "No syntax or stream encoding errors" in check.stdout, check.stdout + check.stderr


def test_removed_glyphs_keep_the_rest_of_the_line_in_place(tmp_path, key):
    """Text after a removed name stays where it was drawn: its advance becomes a TJ offset."""
    pdf = pdf_samples.body_text()
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument

    def x_of(pdf_bytes, word):
        src = tmp_path / "bbox.pdf"
        src.write_bytes(pdf_bytes)
        html = subprocess.run(["pdftotext", "-bbox", str(src), "-"], capture_output=True, text=True, check=True).stdout
        m = re.search(r'xMin="([\d.]+)"[^>]*>' + re.escape(word) + "<", html)
        assert m, word
        return float(m.group(1))

    assert x_of(doc, "MRN") == pytest.approx(x_of(pdf, "MRN"), abs=0.5)
    assert x_of(doc, "Patient:") == pytest.approx(x_of(pdf, "Patient:"), abs=0.5)


def test_hidden_layer_and_layer_name_are_cleaned(tmp_path, key):
    """Text in an optional-content group that is switched off is still in the file: removed too, and so
    are the layer's name and marked-content replacement text."""
    pdf = pdf_samples.hidden_layer()
    assert b"Zebulon" not in pdftotext(pdf)  # poppler does not extract the hidden layer ...
    assert b"Zebulon Quixote" in decoded_streams(pdf, tmp_path)  # ... but the bytes are there
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert re.search(r"[1-9]\d* string\(s\) removed", rec["pixels"]), rec["pixels"]
    streams = decoded_streams(pydicom.dcmread(rec["output"]).EncapsulatedDocument, tmp_path).upper()
    assert b"QUIXOTE" not in streams and b"ZEBULON" not in streams and b"/OCPROPERTIES" in streams


def test_pdf_without_identifiers_keeps_its_text_streams(tmp_path, key):
    """Nothing identifying: no glyph removed, every word still there."""
    pdf = pdf_samples.page_pdf("BT /F1 12 Tf 72 700 Td (Technique: PA and lateral views) Tj ET\n")
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "0 identifying glyph(s) and 0 string(s)" in rec["pixels"]
    text = pdftotext(pydicom.dcmread(rec["output"]).EncapsulatedDocument)
    assert b"Technique: PA and lateral views" in text and b"CHEST PA" in text


def test_type3_text_is_rendered_and_cleaned_as_a_cover_page(tmp_path, key):
    """Glyphs drawn by procedures (Type3): we cannot tell what they spell, so the page is rendered,
    its text blanked, read back by OCR and re-wrapped as an image-only PDF."""
    pdf = pdf_samples.type3_font()
    assert b"ZEBULON" in pdftotext(pdf)  # poppler reads the glyph names: the page names the patient
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "scanned PDF" in rec["pixels"] and "cannot map" in rec["pixels"], rec["pixels"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    assert b"ZEBULON" not in pdftotext(doc).upper() and b"/Type3" not in decoded_streams(doc, tmp_path)
    assert "ZEBULON" not in ocr_pdf(doc, tmp_path)
    assert qpdf_check(doc, tmp_path).returncode == 0


def test_type3_text_is_withheld_when_the_policy_withholds_renders(tmp_path, key):
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf_samples.type3_font()), extra=("--cover-pages", "withhold"))
    assert rec["status"] == "withheld" and "cannot map" in rec["reason"]
    assert "ZEBULON" not in rec["reason"].upper()


def test_cleaned_pdf_is_deterministic(tmp_path, key):
    path = named_instance(tmp_path, pdf_samples.table())
    p1, rec1 = deid_one(tmp_path, key, path, name="one")
    p2, rec2 = deid_one(tmp_path, key, path, name="two")
    assert open(rec1["output"], "rb").read() == open(rec2["output"], "rb").read()


def test_name_split_between_page_and_form_is_rendered(tmp_path, key):
    """No single content stream spells the name; poppler's read-back does: the page is rendered and
    cleaned as a cover page (--cover-pages identifiers keeps the rest of the report legible)."""
    pdf = pdf_samples.split_across_form()
    assert b"Zebulon" in pdftotext(pdf)
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf), extra=("--cover-pages", "identifiers"))
    assert rec["status"] == "written", rec["reason"]
    assert "scanned PDF" in rec["pixels"] and "still names the patient" in rec["pixels"], rec["pixels"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    text = ocr_pdf(doc, tmp_path)
    assert "ZEBU" not in text and "CHEST PA" in text
    assert b"Zebu" not in decoded_streams(doc, tmp_path)


def test_image_drawn_only_by_a_form_is_not_passed_unread(tmp_path, key):
    """Images are looked for in every form and pattern, not only the page's own resources: a name
    burned into such an image gets the page rendered and cleaned like a scan."""
    pdf = pdf_samples.image_in_form()
    assert "QUIXOTE" in ocr_pdf(pdf, tmp_path)
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "scanned PDF" in rec["pixels"], rec["pixels"]
    text = ocr_pdf(pydicom.dcmread(rec["output"]).EncapsulatedDocument, tmp_path)
    assert "QUIXOTE" not in text and "ZEBULON" not in text


def test_page_that_shows_a_name_its_text_does_not_spell_is_rendered(tmp_path, key):
    """The in-place result is rendered and read by OCR as well: a font whose ToUnicode map lies
    (the text layer says 'xxxxxxx', the glyphs draw the name) gets the page rendered and cleaned."""
    pdf = pdf_samples.lying_to_unicode()
    assert b"QUIXOTE" not in pdftotext(pdf).upper() and "QUIXOTE" in ocr_pdf(pdf, tmp_path)
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "scanned PDF" in rec["pixels"] and "shows an identifier" in rec["pixels"], rec["pixels"]
    text = ocr_pdf(pydicom.dcmread(rec["output"]).EncapsulatedDocument, tmp_path)
    assert "QUIXOTE" not in text and "ZEBULON" not in text
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf, "again.dcm"), name="held", extra=("--cover-pages", "withhold"))
    assert rec["status"] == "withheld" and "shows an identifier" in rec["reason"]


def test_metadata_on_any_object_goes_and_associated_files_are_withheld(tmp_path, key):
    """XMP can hang off a font or a form, not only the catalog and pages: removed wherever it is. An
    embedded file reached through /AF (PDF 2.0 associated files), not the attachments name tree,
    is still an attachment: withheld."""
    xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>QUIXOTE ZEBULON</dc:creator></x:xmpmeta>'
    pdf = pdf_samples.page_pdf("BT /F2 12 Tf 72 700 Td (Findings) Tj ET\n", resources="/Font << /F1 4 0 R /F2 5 0 R >>",
                               extra=["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Metadata 6 0 R >>",
                                      ("/Type /Metadata /Subtype /XML", xmp)])
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    streams = decoded_streams(pydicom.dcmread(rec["output"]).EncapsulatedDocument, tmp_path)
    assert b"xmpmeta" not in streams and b"QUIXOTE" not in streams.upper()
    attached = pdf_samples.page_pdf("BT /F1 12 Tf 72 700 Td (Findings) Tj ET\n",
                                    extra=["<< /Type /Filespec /F (notes.txt) /EF << /F 6 0 R >> >>",
                                           ("/Type /EmbeddedFile", "QUIXOTE ZEBULON 88123456")],
                                    catalog_extra="/AF [5 0 R]")
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, attached, "attached.dcm"), name="att")
    assert rec["status"] == "withheld" and "attachments" in rec["reason"], rec


def test_only_the_pages_that_need_it_are_rendered(tmp_path, key):
    """A letterhead image on page 1 gets that page rendered; page 2 stays text, edited in place."""
    pdf = pdf_samples.letterhead_and_text()
    p, rec = deid_one(tmp_path, key, named_instance(tmp_path, pdf))
    assert rec["status"] == "written", rec["reason"]
    assert "1 of 2 page(s) rendered" in rec["pixels"] and "holds images" in rec["pixels"], rec["pixels"]
    doc = pydicom.dcmread(rec["output"]).EncapsulatedDocument
    src = tmp_path / "two.pdf"
    src.write_bytes(doc)
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(src), "-"], capture_output=True, check=True).stdout
    assert b"CHEST PA" in page2 and b"Patient:" in page2 and b"Zebulon" not in page2 and b"Quixote" not in page2
    page1 = ocr_pdf(doc, tmp_path)
    assert "QUIXOTE" not in page1 and "ZEBULON" not in page1
    assert b"QUIXOTE" not in decoded_streams(doc, tmp_path).upper()
    assert qpdf_check(doc, tmp_path).returncode == 0


def test_encapsulated_document_length_follows_the_cleaned_document(tmp_path, key):
    # Readers cut the (even-padded) value at (0042,0015): it kept the input's length, so a cleaned
    # PDF longer than the original was cut before its %%EOF, a shorter one read with trailing bytes.
    for n, pdf in enumerate((pdf_samples.CASES["body_text"](), pdf_samples.page_pdf(pdf_samples.KEPT_TEXT))):
        path = named_instance(tmp_path, pdf, name=f"len{n}.dcm")
        ds = pydicom.dcmread(path)
        ds.EncapsulatedDocumentLength = len(pdf)
        ds.save_as(path, enforce_file_format=True)
        _, rec = deid_one(tmp_path, key, path, name=f"out{n}")
        assert rec["status"] == "written", rec["reason"]
        out = pydicom.dcmread(rec["output"])
        doc, length = out.EncapsulatedDocument, out.EncapsulatedDocumentLength
        assert length in (len(doc), len(doc) - 1) and doc[length:] in (b"", b"\0"), (length, len(doc))
        assert doc[:length].rstrip().endswith(b"%%EOF")
        assert qpdf_check(doc[:length], tmp_path).returncode == 0
