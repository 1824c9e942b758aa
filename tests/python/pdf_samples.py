"""Hand-written PDFs that name the patient where a report generator would put it: body text, a table
drawn cell by cell and letter by letter, a form XObject, a hidden optional-content layer, marked-
content replacement text, TeX-style word spacing, a composite font, a Type3 font. Every object is
written here, so each test knows exactly which bytes draw the name."""
import io

PATIENT = ("ZEBULON", "QUIXOTE")            # matches the header's PatientName QUIXOTE^ZEBULON
OTHER = ("PERPETUA", "MARLOWE")             # the referring physician in the header
KEPT = ("CHEST PA", "No acute findings")    # the report's own text: must survive


def build(objects, root=1, trailer_extra=""):
    """objects: list of dict bodies (str) or (dict_body, stream_bytes); object i+1 is objects[i]."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        if isinstance(body, tuple):
            d, data = body
            data = data if isinstance(data, bytes) else data.encode("latin-1")
            out.write(f"{i} 0 obj\n<< {d} /Length {len(data)} >>\nstream\n".encode("latin-1") + data + b"\nendstream\nendobj\n")
        else:
            out.write(f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for o in offsets:
        out.write(f"{o:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


# Helvetica with its widths (Adobe's AFM, as groff's devps/HR carries them), as report writers embed them.
HELV_WIDTHS = ("278 278 355 556 556 889 667 222 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
               "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
               "611 722 667 944 667 667 611 278 278 278 333 556 222 556 556 500 556 556 278 556 556 222 222 500 222 833 "
               "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 333")
HELV = f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [{HELV_WIDTHS}] >>"
KEPT_TEXT = "BT /F1 12 Tf 72 600 Td (Exam: CHEST PA) Tj 0 -16 Td (Impression: No acute findings) Tj ET\n"


def width(text, size):
    """The advance of Helvetica text, in points."""
    w = [int(x) for x in HELV_WIDTHS.split()]
    return sum(w[ord(c) - 32] for c in text) * size / 1000


def page_pdf(content, resources="/Font << /F1 4 0 R >>", extra=(), catalog_extra=""):
    """One page; object 4 is Helvetica, extra objects start at 5. content: one stream, or a list of
    streams (the page's /Contents array)."""
    streams = [content] if isinstance(content, str) else content
    first = 5 + len(extra)
    refs = " ".join(f"{first + i} 0 R" for i in range(len(streams)))
    return build([
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [{refs}] /Resources << {resources} >> >>",
        HELV,
        *extra,
        ("", KEPT_TEXT + streams[0]),
        *[("", s) for s in streams[1:]],
    ])


def body_text():
    return page_pdf("BT /F1 12 Tf 72 700 Td (Patient: Zebulon Quixote   MRN 88123456   DOB 04/12/1961) Tj ET\n"
                    "% drawn by ReportWriter for QUIXOTE ZEBULON\n")


def table():
    # A label cell, then the name cell: kerned TJ pieces, and a second row drawn one letter at a time.
    letters = " ".join("192 664 Td (Q) Tj" if i == 0 else f"{width('QUIXOTE'[i - 1], 10):.2f} 0 Td ({c}) Tj"
                       for i, c in enumerate("QUIXOTE"))
    return page_pdf("BT /F1 10 Tf 72 680 Td (Name) Tj ET\n"
                    "BT /F1 10 Tf 192 680 Td [(ZEB) -15 (ULON) -278 (QUI) 20 (XOTE)] TJ ET\n"
                    "BT /F1 10 Tf 72 664 Td (Surname) Tj ET\n"
                    f"BT /F1 10 Tf {letters} ET\n"
                    "BT /F1 10 Tf 72 648 Td (Referring) Tj 120 0 Td (Dr. Perpetua Marlowe) Tj ET\n")


def form_xobject():
    return page_pdf("q 1 0 0 1 72 700 cm /Fm1 Do Q\n",
                    resources="/Font << /F1 4 0 R >> /XObject << /Fm1 5 0 R >>",
                    extra=[("/Type /XObject /Subtype /Form /BBox [0 0 400 40] /Resources << /Font << /F1 4 0 R >> >>",
                            "BT /F1 12 Tf 0 10 Td (Zebulon Quixote, born 12 Apr 1961) Tj ET")])


def hidden_layer():
    # An optional-content group switched off: viewers do not show it, a viewer's switch does.
    return page_pdf("/OC /oc1 BDC BT /F1 12 Tf 72 700 Td (Patient Zebulon Quixote) Tj ET EMC\n"
                    "/Span << /ActualText (Quixote) >> BDC BT /F1 12 Tf 72 500 Td (Q.) Tj ET EMC\n",
                    resources="/Font << /F1 4 0 R >> /Properties << /oc1 5 0 R >>",
                    extra=["<< /Type /OCG /Name (Layer of QUIXOTE) >>"],
                    catalog_extra="/OCProperties << /OCGs [5 0 R] /D << /OFF [5 0 R] /Order [5 0 R] >> >>")


def tex_spacing():
    # No space glyphs: words apart by TJ offsets only, as pdfTeX writes them.
    return page_pdf("BT /F1 12 Tf 72 700 Td [(P) 30 (atient:) -333 (Zeb) 15 (ulon) -333 (Quixote)] TJ ET\n")


def composite_font():
    """Identity-H Type0 font with a ToUnicode map: codes are glyph ids, not letters."""
    text = "Patient Zebulon Quixote"
    glyphs = {c: 3 + i for i, c in enumerate(sorted(set(text)))}
    codes = "".join(f"{glyphs[c]:04X}" for c in text)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(glyphs)} beginbfchar\n" + "".join(f"<{g:04X}> <{ord(c):04X}>\n" for c, g in glyphs.items()) +
            "endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n")
    return page_pdf(f"BT /F2 12 Tf 72 700 Td <{codes}> Tj ET\n",
                    resources="/Font << /F1 4 0 R /F2 5 0 R >>",
                    extra=["<< /Type /Font /Subtype /Type0 /BaseFont /ArialMT /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
                           "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ArialMT /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 600 /FontDescriptor 8 0 R >>",
                           ("", cmap),
                           "<< /Type /FontDescriptor /FontName /ArialMT /Flags 32 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>"])


def type3_font():
    """Letters drawn by a Type3 font whose glyph procedures are boxes: text we cannot map safely."""
    procs = {c: f"600 0 0 0 500 700 d1 0 0 500 700 re f" for c in "ZEBULON"}
    names = " ".join(f"/{c}" for c in procs)
    return page_pdf("BT /F3 24 Tf 72 700 Td (ABCDEFG) Tj ET\n",
                    resources="/Font << /F1 4 0 R /F3 5 0 R >>",
                    extra=[f"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 600 700] /FontMatrix [0.001 0 0 0.001 0 0] "
                           f"/CharProcs 6 0 R /Encoding << /Type /Encoding /Differences [65 {names}] >> /FirstChar 65 /LastChar 71 "
                           f"/Widths [600 600 600 600 600 600 600] >>",
                           "<< " + " ".join(f"/{c} {7 + i} 0 R" for i, c in enumerate(procs)) + " >>",
                           *[("", p) for p in procs.values()]])


def split_text_objects():
    # One word drawn by two text objects that continue on the same baseline (poppler reads "Zebulon").
    return page_pdf("BT /F1 12 Tf 72 700 Td (Patient: Zebu) Tj ET\n"
                    f"BT /F1 12 Tf 72 700 Td {width('Patient: Zebu', 12):.3f} 0 Td (lon Quixote) Tj ET\n")


def invisible_ocr_layer():
    # Render mode 3: the text layer an OCR program lays over a scan, never painted, always extracted.
    return page_pdf("BT 3 Tr /F1 12 Tf 72 700 Td (QUIXOTE ZEBULON 88123456) Tj ET\n")


def contents_array():
    # The page's content split over two streams; the name is in the second, as a hex string via ' and ".
    return page_pdf(["BT /F1 12 Tf 14 TL 72 700 Td (Report) Tj ET\n",
                     "BT /F1 12 Tf 14 TL 72 680 Td <5A6562756C6F6E> ' 0 0 (Quixote) \" ET\n"])


def nested_and_unused_forms():
    # A form drawn by a form, and a form in the resources that nothing draws (still in the file).
    return page_pdf("q /Fm1 Do Q\n",
                    resources="/Font << /F1 4 0 R >> /XObject << /Fm1 5 0 R /Unused 7 0 R >>",
                    extra=[("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Fm2 6 0 R >> >>", "/Fm2 Do"),
                           ("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>",
                            "BT /F1 12 Tf 72 700 Td (Name: Quixote, Zebulon) Tj ET"),
                           ("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>",
                            "BT /F1 12 Tf 72 680 Td (Perpetua Marlowe MD) Tj ET")])


def differences_encoding():
    # A subset font whose codes are 1, 2, 3 ... named by /Differences (as pdfTeX and others write).
    word = "Zebulon Quixote"
    names = sorted(set(word))
    glyph = {c: ("space" if c == " " else c) for c in names}
    codes = "".join(f"\\{names.index(c) + 1:03o}" for c in word)
    diff = " ".join(f"/{glyph[c]}" for c in names)
    return page_pdf(f"BT /F1 12 Tf 72 700 Td (Patient ) Tj /F2 12 Tf ({codes}) Tj ET\n",
                    resources="/Font << /F1 4 0 R /F2 5 0 R >>",
                    extra=[f"<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Helvetica /FirstChar 1 /LastChar {len(names)} "
                           f"/Widths [{' '.join(['556'] * len(names))}] /Encoding << /Type /Encoding /Differences [1 {diff}] >> >>"])


def tiling_pattern():
    # A pattern cell is a content stream of its own: text in it is painted wherever the pattern fills.
    return page_pdf("/Pattern cs /P1 scn 72 650 300 60 re f\n",
                    resources="/Font << /F1 4 0 R >> /Pattern << /P1 5 0 R >>",
                    extra=[("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 300 60] /XStep 300 /YStep 60 "
                            "/Resources << /Font << /F1 4 0 R >> >>", "BT /F1 10 Tf 2 20 Td (Zebulon Quixote) Tj ET")])


def split_across_form():
    """Half a word on the page and half in a form drawn right after it: no single stream spells the
    name, poppler's read-back does, and the page is rendered instead."""
    return page_pdf(f"BT /F1 12 Tf 72 700 Td (Patient: Zebu) Tj ET q 1 0 0 1 {72 + width('Patient: Zebu', 12):.3f} 700 cm /Fm1 Do Q\n",
                    resources="/Font << /F1 4 0 R >> /XObject << /Fm1 5 0 R >>",
                    extra=[("/Type /XObject /Subtype /Form /BBox [0 -10 300 20] /Resources << /Font << /F1 4 0 R >> >>",
                            "BT /F1 12 Tf 0 0 Td (lon) Tj ET")])


def image_in_form():
    """The name burned into an image that only a form XObject draws (not in the page's own resources)."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    img = Image.new("L", (400, 48), 255)
    ImageDraw.Draw(img).text((8, 6), "QUIXOTE ZEBULON", fill=0, font=font)
    raw = img.tobytes().decode("latin-1")
    return page_pdf("q /Fm1 Do Q\n",
                    resources="/Font << /F1 4 0 R >> /XObject << /Fm1 5 0 R >>",
                    extra=[("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Im1 6 0 R >> >>",
                            "q 400 0 0 48 72 700 cm /Im1 Do Q"),
                           ("/Type /XObject /Subtype /Image /Width 400 /Height 48 /ColorSpace /DeviceGray /BitsPerComponent 8", raw)])


def lying_to_unicode():
    """Helvetica draws QUIXOTE ZEBULON, but the font's ToUnicode map says every letter is 'x': the
    text layer (poppler, our walk) reads no name, the page shows one."""
    cmap = ("/CIDInit /ProcSet findresource begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange\n"
            "26 beginbfchar\n" + "".join(f"<{c:02X}> <0078>\n" for c in range(0x41, 0x5B)) + "endbfchar endcmap end\n")
    return page_pdf("BT /F2 28 Tf 72 700 Td (QUIXOTE ZEBULON) Tj ET\n",
                    resources="/Font << /F1 4 0 R /F2 5 0 R >>",
                    extra=["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R "
                           f"/FirstChar 32 /LastChar 126 /Widths [{HELV_WIDTHS}] >>", ("", cmap)])


def letterhead_and_text():
    """Two pages: a letterhead image naming the patient on page 1 (rendered, cleaned as a cover page),
    the report's text on page 2 (edited in place: its words stay text)."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    img = Image.new("L", (400, 48), 255)
    ImageDraw.Draw(img).text((8, 6), "QUIXOTE ZEBULON", fill=0, font=font)
    raw = img.tobytes().decode("latin-1")
    return build([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R /Resources << /XObject << /Im1 7 0 R >> >> >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 8 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        HELV,
        ("", "q 400 0 0 48 72 700 cm /Im1 Do Q"),
        ("/Type /XObject /Subtype /Image /Width 400 /Height 48 /ColorSpace /DeviceGray /BitsPerComponent 8", raw),
        ("", KEPT_TEXT + "BT /F1 12 Tf 72 700 Td (Patient: Zebulon Quixote) Tj ET\n"),
    ])


CASES = {"split_text_objects": split_text_objects, "invisible_ocr_layer": invisible_ocr_layer,
         "contents_array": contents_array, "nested_and_unused_forms": nested_and_unused_forms,
         "differences_encoding": differences_encoding, "tiling_pattern": tiling_pattern,
"body_text": body_text, "table": table, "form_xobject": form_xobject, "hidden_layer": hidden_layer,
         "tex_spacing": tex_spacing, "composite_font": composite_font}
