#!/usr/bin/env python3
"""Adversarial files hiding a patient's identifiers where the collector or the detector may not
look, or in spellings it may not know (adversarial_regions.py covers the byte regions that are not
text values: codestreams, preamble, binary VRs). Two families:

- *collector*: an identity the collector must read besides the top-level Patient's Name/ID/Birth
  Date (a second copy of the same tag, a tag out of order, a value too large to be kept in memory,
  a patient identity inside Other Patient IDs / Referenced Patient / Original Attributes > Modified
  Attributes items), repeated in an attribute the profile keeps (Window Center & Width
  Explanation): it must not leave in that kept attribute either;
- *hiding*: the top-level patient's identifiers in unusual places (after Pixel Data, a sequence
  declared UN in Implicit VR, overlays, curves, icon images, waveform and graphic annotations, SR
  TEXT items, a Referenced Image item, numbers, UIDs, a Referenced File ID) and spellings (case,
  diacritics, spaces, hyphens, homoglyphs, full width in ISO 2022, percent-encoding, base64).

Every case has a control: the same file with a neutral word where the identifier was planted. A
case is *caught* when its output was withheld or carries none of the planted identifier's
spellings; a control must be written (withholding everything would catch everything).

    python3 tests/python/adversarial_identifiers.py OUT_DIR [--count DICOMSCRUB_EXE]

writes the cases and manifest.json; with --count it de-identifies them with that executable and
prints per case: caught or leaked, and the control written or withheld.
"""
import base64
import json
import os
import re
import struct
import sys
import unicodedata
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adversarial_regions as adv  # noqa: E402  (the raw Explicit VR LE writer)

el, sq, item, us = adv.el, adv.sq, adv.item, adv.us

NAME = "Quagmirewell^Philippa"
PATIENT_ID = "QP4419027"
BIRTH = "19580917"
PHONE = "617-555-0142"
ADDRESS = "Cobbleworth House^Marlowe Heath"
# A second identity that only nested or duplicated attributes carry.
OTHER_NAME = "Zorblatt^Ermengarde"
OTHER_ID = "ZX5530981"
OTHER_BIRTH = "19621104"
OTHER_ADDRESS = "Tumbledown Grange^Wexhollow"
OTHER_PHONE = "0171 496 0183"
NEUTRAL = "SOFT TISSUE"
KEPT = (0x0028, 0x1055)  # Window Center & Width Explanation: kept by the Basic Profile

# What must not appear in an output, as compact lower-case skeletons (see skeletons()).
NAME_TOKENS = ["quagmirewell", "philippa"]
OTHER_NAME_TOKENS = ["zorblatt", "ermengarde"]


def date_spellings(yyyymmdd):
    y, m, d = yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:]
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    mon = months[int(m) - 1]
    return [y + m + d, d + m + y, m + d + y, f"{int(d)}{mon}{y}", f"{d}{mon}{y}"]


# Letters a reader takes for Latin ones (Cyrillic and Greek), for the leak check's skeleton.
HOMOGLYPHS = str.maketrans("аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅοαικνρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
                           "aeopcyxijsdqwabekmhopctxijsoaiknptuxabezhikmnoptyx")


def skeleton(text):
    """Accents stripped, look-alikes mapped, lower case, letters and digits only (any script)."""
    v = unicodedata.normalize("NFKD", text)
    v = "".join(c for c in v if not unicodedata.combining(c)).lower().translate(HOMOGLYPHS)
    return re.sub(r"[\W_]", "", v)


def skeletons(data):
    """The file's bytes as a person might read them, as skeletons: Latin-1, UTF-8, UTF-16 either
    order, with %XX, character references and \\u escapes decoded; zlib streams inflated; base64."""
    views = [data.decode("latin-1"), data.decode("utf-8", "ignore")]
    for enc in ("utf-16-le", "utf-16-be"):
        views += [data.decode(enc, "ignore"), data[1:].decode(enc, "ignore")]
    out = []
    for v in views:
        v = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), v)
        v = re.sub(r"&#(\d{1,7});", lambda m: chr(int(m.group(1)) % 0x110000), v)
        v = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), v)
        out.append(skeleton(v))
    for at in (m.start() for m in re.finditer(rb"\x78[\x01\x5e\x9c\xda]", data)):
        try:
            out.append(skeleton(zlib.decompressobj().decompress(data[at:], 1 << 20).decode("latin-1")))
        except zlib.error:
            pass
    for b64 in re.findall(rb"[A-Za-z0-9+/]{12,}={0,2}", data):
        try:
            out.append(skeleton(base64.b64decode(b64 + b"=" * (-len(b64) % 4)).decode("latin-1")))
        except ValueError:
            pass
    return out


def leaks(data, tokens):
    views = skeletons(data)
    return sorted({t for t in tokens if any(skeleton(t) in v for v in views)})


# ---- the base instance and its variations ----

def base(n, charset=None, name=NAME):
    e = adv.base_elements(n)
    e[(0x0010, 0x0010)] = el(0x10, 0x10, "PN", name)
    e[(0x0010, 0x0020)] = el(0x10, 0x20, "LO", PATIENT_ID)
    e[(0x0010, 0x0030)] = el(0x10, 0x30, "DA", BIRTH)
    e[(0x0010, 0x1040)] = el(0x10, 0x1040, "LO", ADDRESS)
    e[(0x0010, 0x2154)] = el(0x10, 0x2154, "SH", PHONE)
    e[(0x0028, 0x1050)] = el(0x28, 0x1050, "DS", "40")
    e[(0x0028, 0x1051)] = el(0x28, 0x1051, "DS", "400")
    e[KEPT] = el(*KEPT, "LO", NEUTRAL)
    if charset:
        e[(0x0008, 0x0005)] = el(8, 5, "CS", charset)
    e[(0x7FE0, 0x0010)] = el(0x7FE0, 0x10, "OB", adv.image8())
    return e


def text(value, charset="latin-1"):
    return value.encode(charset) if isinstance(value, str) else value


def code_item(meaning, charset="latin-1"):
    return el(8, 0x100, "SH", "T-D4000") + el(8, 0x102, "SH", "SRT") + el(8, 0x104, "LO", text(meaning, charset))


def implicit(group, elem, value):
    return struct.pack("<HHI", group, elem, len(value)) + value


def build(elements, tail=b"", extra=()):
    """The data set's elements in ascending order (duplicates of a tag kept, in the order given),
    then `tail`: bytes written after Pixel Data (elements out of order, or anything)."""
    items = sorted(list(elements.items()) + list(extra), key=lambda kv: kv[0])
    return b"".join(v for _, v in items) + tail


CASES = []  # (name, family, what is planted, tokens, options, builder(plant) -> (elements, extra, tail))


def case(name, family, tokens, options=(), control="written"):
    """`control`: what must become of the control; "withheld" where the product withholds the
    kind of object whatever it holds (an encapsulated CDA)."""
    def register(fn):
        CASES.append({"name": name, "family": family, "tokens": tokens, "options": list(options), "build": fn, "control": control})
        return fn
    return register


def kept(e, value, charset="latin-1"):
    e[KEPT] = el(*KEPT, "LO", text(value, charset))


# -- collector: identities the collector must read, repeated in a kept attribute

@case("duplicate_patient_name", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    kept(e, "Zorblatt Ermengarde" if p else NEUTRAL)
    return [((0x0010, 0x0010), el(0x10, 0x10, "PN", OTHER_NAME))], b""


@case("duplicate_patient_id", "collector", [OTHER_ID.lower()])
def _(p, e):
    kept(e, OTHER_ID if p else NEUTRAL)
    return [((0x0010, 0x0020), el(0x10, 0x20, "LO", OTHER_ID))], b""


@case("duplicate_birth_date", "collector", date_spellings(OTHER_BIRTH))
def _(p, e):
    kept(e, "04.11.1962" if p else NEUTRAL)
    return [((0x0010, 0x0030), el(0x10, 0x30, "DA", OTHER_BIRTH))], b""


@case("name_out_of_order_after_pixels", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    kept(e, "ZORBLATT" if p else NEUTRAL)
    return [], el(0x10, 0x10, "PN", OTHER_NAME)


@case("birth_date_out_of_order_after_pixels", "collector", date_spellings(OTHER_BIRTH))
def _(p, e):
    kept(e, "4 Nov 1962" if p else NEUTRAL)
    return [], el(0x10, 0x30, "DA", OTHER_BIRTH)


@case("patient_name_over_256k", "collector", NAME_TOKENS)
def _(p, e):
    # A value this large stays in the file when read (not in memory): the collector must read it too.
    # (declared UN: an explicit PN has a 16-bit length)
    e[(0x0010, 0x0010)] = el(0x10, 0x10, "UN", NAME + " " * (300 << 10))
    kept(e, "Quagmirewell" if p else NEUTRAL)
    return [], b""


@case("patient_name_declared_UN", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    kept(e, "Zorblatt" if p else NEUTRAL)
    return [((0x0010, 0x0010), el(0x10, 0x10, "UN", OTHER_NAME))], b""


@case("birth_date_declared_LO", "collector", date_spellings(OTHER_BIRTH))
def _(p, e):
    kept(e, "04/11/1962" if p else NEUTRAL)
    return [((0x0010, 0x0030), el(0x10, 0x30, "LO", OTHER_BIRTH))], b""


@case("patient_id_over_256k", "collector", [PATIENT_ID.lower()])
def _(p, e):
    e[(0x0010, 0x0020)] = el(0x10, 0x20, "UN", PATIENT_ID + " " * (300 << 10))
    kept(e, PATIENT_ID if p else NEUTRAL)
    return [], b""


@case("other_patient_ids_item", "collector", [OTHER_ID.lower()])
def _(p, e):
    e[(0x0010, 0x1002)] = sq(0x10, 0x1002, [el(0x10, 0x20, "LO", OTHER_ID) + el(0x10, 0x21, "LO", "HOSP B")])
    kept(e, OTHER_ID if p else NEUTRAL)
    return [], b""


# A Referenced Patient item holding one attribute of another identity, repeated in the kept attribute.
for label, tokens, element, repeated in (
        ("name", OTHER_NAME_TOKENS, el(0x10, 0x10, "PN", OTHER_NAME), "Ermengarde Zorblatt"),
        ("birth_date", date_spellings(OTHER_BIRTH), el(0x10, 0x30, "DA", OTHER_BIRTH), "1962-11-04"),
        ("address", ["tumbledowngrange"], el(0x10, 0x1040, "LO", OTHER_ADDRESS), "Tumbledown Grange"),
        ("phone", ["01714960183"], el(0x10, 0x2154, "SH", OTHER_PHONE), "TEL 0171-496-0183")):
    def _ref(p, e, element=element, repeated=repeated):
        e[(0x0008, 0x1120)] = sq(8, 0x1120, [el(8, 0x1150, "UI", "1.2.840.10008.3.1.2.1.1") + el(8, 0x1155, "UI", "1.2.3.4.5") + element])
        kept(e, repeated if p else NEUTRAL)
        return [], b""
    case(f"referenced_patient_item_{label}", "collector", tokens)(_ref)


@case("original_attributes_birth_date", "collector", date_spellings(OTHER_BIRTH))
def _(p, e):
    modified = sq(0x400, 0x550, [el(0x10, 0x10, "PN", OTHER_NAME) + el(0x10, 0x30, "DA", OTHER_BIRTH)])
    e[(0x0400, 0x0561)] = sq(0x400, 0x561, [el(0x400, 0x562, "DT", "20240102120000") + el(0x400, 0x563, "LO", "PACS")
                                            + el(0x400, 0x564, "LO", "CORRECT") + modified])
    kept(e, "Nov 4, 1962" if p else NEUTRAL)
    return [], b""


@case("original_attributes_name", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    modified = sq(0x400, 0x550, [el(0x10, 0x10, "PN", OTHER_NAME)])
    e[(0x0400, 0x0561)] = sq(0x400, 0x561, [el(0x400, 0x562, "DT", "20240102120000") + el(0x400, 0x563, "LO", "PACS")
                                            + el(0x400, 0x564, "LO", "CORRECT") + modified])
    kept(e, "ERMENGARDE" if p else NEUTRAL)
    return [], b""


@case("request_attributes_patient", "collector", OTHER_NAME_TOKENS + [OTHER_ID.lower()])
def _(p, e):
    e[(0x0040, 0x0275)] = sq(0x40, 0x275, [el(0x40, 0x1001, "SH", "RP1") + el(0x10, 0x10, "PN", OTHER_NAME)
                                           + el(0x10, 0x20, "LO", OTHER_ID)])
    kept(e, "Zorblatt ZX5530981" if p else NEUTRAL)
    return [], b""


# -- hiding: the top-level patient's identifiers in unusual places and spellings

@case("private_after_pixel_data", "hiding", NAME_TOKENS, ["retain_safe_private"])
def _(p, e):
    return [], el(0x7FE1, 0x10, "LO", "HIDER 1") + el(0x7FE1, 0x1001, "LO", "Quagmirewell Philippa" if p else NEUTRAL)


@case("kept_attribute_after_pixel_data", "hiding", NAME_TOKENS)
def _(p, e):
    return [], el(0x18, 0x1210, "SH", "QUAGMIREWELL" if p else "B30f")


@case("text_after_last_element", "hiding", NAME_TOKENS)
def _(p, e):
    return [], b"Quagmirewell Philippa " if p else b""


@case("un_sequence_implicit_items", "hiding", NAME_TOKENS)
def _(p, e):
    body = implicit(8, 0x100, b"T-D4000 ") + implicit(8, 0x102, b"SRT ") + implicit(8, 0x104, b"Quagmirewell" if p else b"Abdomen ")
    un = struct.pack("<HH", 8, 0x2218) + b"UN\0\0" + struct.pack("<I", 0xFFFFFFFF)
    un += struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + body + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    un += struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    e[(0x0008, 0x2218)] = un
    return [], b""


@case("private_un_sequence_safe_creator", "hiding", NAME_TOKENS, ["retain_safe_private"])
def _(p, e):
    body = implicit(0x10, 0x10, b"Quagmirewell^Philippa " if p else b"Nobody ")
    un = struct.pack("<HH", 0x19, 0x1010) + b"UN\0\0" + struct.pack("<I", 0xFFFFFFFF)
    un += struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + body + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    un += struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    e[(0x0019, 0x0010)] = el(0x19, 0x10, "LO", "GEMS_ACQU_01")
    e[(0x0019, 0x1010)] = un
    return [], b""


@case("name_cut_off_at_the_value_end", "hiding", ["quagmirewe"])
def _(p, e):
    kept(e, "SOFT TISSUE WINDOW AS SET BY THE TECHNOLOGIST FOR QUAGMIREWE" if p else NEUTRAL)  # 60 of 64 characters
    return [], b""


@case("name_split_across_values", "hiding", NAME_TOKENS)
def _(p, e):
    kept(e, "QUAGMI\\REWELL" if p else "WINDOW\\LEVEL")
    return [], b""


@case("referenced_image_item_name", "hiding", NAME_TOKENS + [PATIENT_ID.lower()])
def _(p, e):
    e[(0x0008, 0x1140)] = sq(8, 0x1140, [el(8, 0x1150, "UI", adv.CT) + el(8, 0x1155, "UI", f"{adv.ROOT_UID}.55")
                                         + (el(0x10, 0x10, "PN", NAME) + el(0x10, 0x20, "LO", PATIENT_ID) if p else b"")])
    return [], b""


@case("pixel_data_inside_an_item", "hiding", NAME_TOKENS)
def _(p, e):
    # Pixel Data is the pixel module's only at the top level: one inside an item is a value like any other.
    e[(0x0008, 0x1140)] = sq(8, 0x1140, [el(8, 0x1150, "UI", adv.CT) + el(8, 0x1155, "UI", f"{adv.ROOT_UID}.57")
                                         + el(0x7FE0, 0x10, "OB", (b"Quagmirewell Philippa" if p else b"").ljust(64, b"\x10"))])
    return [], b""


@case("phone_as_DS", "hiding", ["6175550142"])
def _(p, e):
    e[(0x0018, 0x0050)] = el(0x18, 0x50, "DS", "6175550142" if p else "1.25")
    return [], b""


@case("phone_split_across_DS_values", "hiding", ["6175550142"])
def _(p, e):
    e[(0x0020, 0x0032)] = el(0x20, 0x32, "DS", "617\\555\\0142" if p else "-125\\-125\\12.5")
    return [], b""


@case("phone_with_slash_in_text", "hiding", ["6175550142"])
def _(p, e):
    kept(e, "TEL 617/555/0142" if p else NEUTRAL)
    return [], b""


@case("birth_date_split_across_IS_values", "hiding", [BIRTH])
def _(p, e):
    e[(0x0018, 0x1310)] = el(0x18, 0x1310, "US", struct.pack("<4H", 0, 64, 64, 0))
    e[(0x0020, 0x0012)] = el(0x20, 0x12, "IS", "1958\\09\\17" if p else "3")
    return [], b""


@case("birth_date_as_IS", "hiding", [BIRTH])
def _(p, e):
    e[(0x0020, 0x0012)] = el(0x20, 0x12, "IS", BIRTH if p else "3")
    return [], b""


@case("person_name_as_time", "hiding", ["gregory"], ["retain_long_modified_dates"])
def _(p, e):
    e[(0x0008, 0x0032)] = el(8, 0x32, "TM", "House^Gregory" if p else "101530.25")  # kept and shifted by this option
    return [], b""


@case("birth_date_in_class_uid", "hiding", [BIRTH])
def _(p, e):
    cls = f"1.3.6.1.4.1.99999.{BIRTH}.1" if p else "1.3.6.1.4.1.99999.7.1"
    e[(0x0008, 0x1140)] = sq(8, 0x1140, [el(8, 0x1150, "UI", cls) + el(8, 0x1155, "UI", f"{adv.ROOT_UID}.56")])
    return [], b""


@case("overlay_description_label_data", "hiding", NAME_TOKENS)
def _(p, e):
    word = "Quagmirewell Philippa" if p else "ROI"
    for g in (0x6000, 0x6002):
        e[(g, 0x0010)] = us(g, 0x10, 8)
        e[(g, 0x0011)] = us(g, 0x11, 32)
        e[(g, 0x0022)] = el(g, 0x22, "LO", word)
        e[(g, 0x0040)] = el(g, 0x40, "CS", "G")
        e[(g, 0x0050)] = el(g, 0x50, "SS", struct.pack("<hh", 1, 1))
        e[(g, 0x0100)] = us(g, 0x100, 1)
        e[(g, 0x0102)] = us(g, 0x102, 0)
        e[(g, 0x1500)] = el(g, 0x1500, "LO", word)
        e[(g, 0x3000)] = el(g, 0x3000, "OW", word.encode().ljust(32, b"\0"))
    return [], b""


@case("icon_image_pixels", "hiding", NAME_TOKENS)
def _(p, e):
    pix = (b"Quagmirewell Philippa" if p else b"").ljust(64, b"\x10")
    icon = (us(0x28, 2, 1) + el(0x28, 4, "CS", "MONOCHROME2") + us(0x28, 0x10, 8) + us(0x28, 0x11, 8) + us(0x28, 0x100, 8)
            + us(0x28, 0x101, 8) + us(0x28, 0x102, 7) + us(0x28, 0x103, 0) + el(0x7FE0, 0x10, "OB", pix))
    e[(0x0088, 0x0200)] = sq(0x88, 0x200, [icon])
    return [], b""


@case("curve_data", "hiding", NAME_TOKENS)
def _(p, e):
    word = "Quagmirewell Philippa" if p else "TRACE"
    e[(0x5000, 0x0005)] = us(0x5000, 5, 1)
    e[(0x5000, 0x0010)] = us(0x5000, 0x10, 2)
    e[(0x5000, 0x0022)] = el(0x5000, 0x22, "LO", word)
    e[(0x5000, 0x2500)] = el(0x5000, 0x2500, "LO", word)
    e[(0x5000, 0x3000)] = el(0x5000, 0x3000, "OB", word.encode().ljust(8, b"\0"))
    return [], b""


@case("waveform_annotation_text", "hiding", NAME_TOKENS)
def _(p, e):
    e[(0x0040, 0xB020)] = sq(0x40, 0xB020, [el(0x70, 6, "ST", "Patient Quagmirewell agitated" if p else "Patient agitated")
                                            + us(0x40, 0xA0B0, 1)])
    return [], b""


@case("graphic_annotation_text", "hiding", NAME_TOKENS, ["clean_graphics"])
def _(p, e):
    text_obj = el(0x70, 6, "ST", "Quagmirewell, Philippa" if p else "Lesion 1") + el(0x70, 0x14, "FL", struct.pack("<ff", 1, 1))
    e[(0x0070, 0x0001)] = sq(0x70, 1, [el(0x70, 2, "CS", "LAYER1") + sq(0x70, 8, [text_obj])])
    return [], b""


def sr(e, value, charset="latin-1"):
    concept = sq(0x40, 0xA043, [el(8, 0x100, "SH", "121106") + el(8, 0x102, "SH", "DCM") + el(8, 0x104, "LO", "Comment")])
    e[(0x0040, 0xA730)] = sq(0x40, 0xA730, [el(0x40, 0xA010, "CS", "CONTAINS") + el(0x40, 0xA040, "CS", "TEXT") + concept
                                            + el(0x40, 0xA160, "UT", text(value, charset))])


for label, spelling, cs in (("sr_text_lower_case", "seen with quagmirewell family", None),
                            ("sr_text_diacritics", "seen with Quägmïrewell family", "ISO_IR 192"),
                            ("sr_text_letter_spaced", "seen with Q U A G M I R E W E L L", None),
                            ("sr_text_hyphenated", "seen with Quag-mire-well family", None),
                            ("sr_text_possessive", "QUAGMIREWELL'S results", None),
                            ("sr_text_homoglyphs", "seen with Quаgmirеwell family", "ISO_IR 192"),
                            ("sr_text_full_width", "seen with Ｑｕａｇｍｉｒｅｗｅｌｌ family", "ISO_IR 192")):
    def _sr(p, e, spelling=spelling, cs=cs):
        if cs:
            e[(0x0008, 0x0005)] = el(8, 5, "CS", cs)
        sr(e, spelling if p else "seen with family", "utf-8" if cs else "latin-1")
        return [], b""
    case(label, "hiding", ["quagmirewell"], ["clean_structured_content"])(_sr)


for label, spelling in (("sr_text_hyphen_line_break", "seen with Quag-\r\nmirewell family"),
                       ("sr_text_line_break", "seen with QUAGMIRE\r\nWELL family"),
                       ("sr_text_tab_spaced", "seen with Q\tU\tA\tG\tM\tI\tR\tE\tW\tE\tL\tL")):
    def _sr2(p, e, spelling=spelling):
        sr(e, spelling if p else "seen with family")
        return [], b""
    case(label, "hiding", ["quagmirewell"], ["clean_structured_content"])(_sr2)

for label, spelling in (("birth_date_dd_mon_yyyy", "DOB 17-Sep-1958"), ("birth_date_us_month_name", "born Sept. 17, 1958"),
                        ("birth_date_short_year", "DOB 17/9/58"), ("birth_date_iso_slashes", "DOB 1958/09/17"),
                        ("birth_date_ordinal_of", "born on the 17th of September 1958"),
                        ("birth_date_two_digit_dots", "geb. 17.09.58")):
    def _dob(p, e, spelling=spelling):
        sr(e, spelling if p else "seen with family")
        return [], b""
    # The planted text itself, compacted ("DOB 17/9/58": "dob17958"): a short date alone could occur by chance.
    case(label, "hiding", [re.sub(r"[^a-z0-9]", "", spelling.lower())], ["clean_structured_content"])(_dob)


@case("patient_id_digits_as_IS", "hiding", ["780511206"])
def _(p, e):
    e[(0x0010, 0x0020)] = el(0x10, 0x20, "LO", "780511206")
    e[(0x0020, 0x0012)] = el(0x20, 0x12, "IS", "780511206" if p else "3")
    return [], b""


@case("cjk_name_letter_spaced", "hiding", ["山田太郎"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 192")
    e[(0x0010, 0x0010)] = el(0x10, 0x10, "PN", "Yamada^Tarou=山田^太郎".encode())
    sr(e, "山 田　太 郎 様" if p else "検査 済み", "utf-8")  # ASCII and ideographic spaces between the characters
    return [], b""


@case("cyrillic_name_without_diaeresis", "hiding", ["петр"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 192")
    e[(0x0010, 0x0010)] = el(0x10, 0x10, "PN", "Кувшинников^Пётр".encode())
    sr(e, "ПЕТР КУВШИННИКОВ" if p else "ОСМОТР", "utf-8")  # ё written е, as is common
    return [], b""


@case("sr_text_staff_named_by_role", "hiding", ["lindqvist", "hasselblatt"], ["clean_structured_content"])
def _(p, e):
    sr(e, "Seen by Nurse Lindqvist and Doctor Hasselblatt" if p else "Seen by the nurse and the doctor")
    return [], b""


@case("institution_hyphenated", "hiding", ["mercyyardley"])
def _(p, e):
    e[(0x0008, 0x0080)] = el(8, 0x80, "LO", "Mercy Yardley Clinic")
    kept(e, "MERCY-YARDLEY-CLINIC" if p else NEUTRAL)
    return [], b""


@case("address_glued", "hiding", ["cobbleworthhouse"])
def _(p, e):
    kept(e, "CobbleworthHouse" if p else NEUTRAL)
    return [], b""


@case("homoglyphs_in_kept_text", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 192")
    kept(e, "QUАGMIREWELL" if p else NEUTRAL, "utf-8")  # Cyrillic А
    return [], b""


@case("patient_id_homoglyph", "hiding", [PATIENT_ID.lower()])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 192")
    kept(e, "ref QР4419027" if p else NEUTRAL, "utf-8")  # Cyrillic Р
    return [], b""


@case("birth_date_homoglyph_month", "hiding", ["dob17sep1958"], ["clean_structured_content"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 192")
    sr(e, "DOB 17 Sеp 1958" if p else "seen with family", "utf-8")  # Cyrillic е
    return [], b""


@case("diacritics_in_kept_text", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 100")
    kept(e, "Quagmîrewell" if p else NEUTRAL)
    return [], b""


@case("iso2022_full_width_name", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "\\ISO 2022 IR 87")
    if p:  # Ｑｕａｇｍｉｒｅｗｅｌｌ in JIS X 0208 (row 3: full-width Latin) between escapes
        jis = b"".join(bytes([0x23, ord(c)]) for c in "Quagmirewell")
        kept(e, b"\x1b$B" + jis + b"\x1b(B")
    else:
        kept(e, NEUTRAL)
    return [], b""


@case("utf8_name_in_latin1_data_set", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 100")
    kept(e, "Quägmirewell".encode("utf-8") if p else NEUTRAL)
    return [], b""


@case("percent_encoded_name", "hiding", ["quagmirewell"])
def _(p, e):
    kept(e, "".join(f"%{b:02X}" for b in b"Quagmirewell") if p else NEUTRAL)
    return [], b""


@case("base64_name", "hiding", ["quagmirewell"])
def _(p, e):
    kept(e, base64.b64encode(b"Quagmirewell Philippa").decode() if p else NEUTRAL)
    return [], b""


@case("html_entities_name", "hiding", ["quagmirewell"])
def _(p, e):
    kept(e, "".join(f"&#{b};" for b in b"Quagmirewell") if p else NEUTRAL)
    return [], b""


@case("json_escaped_name", "hiding", ["quagmirewell"])
def _(p, e):
    kept(e, "\\u0051\\u0075agmirewell" if p else NEUTRAL)  # LO holds 64 characters: two letters escaped
    return [], b""


@case("zlib_text_in_lut_data", "hiding", ["quagmirewell"])
def _(p, e):
    # A kept binary value (Modality LUT Data) holding a zlib stream that inflates to the name.
    blob = zlib.compress(b"Quagmirewell Philippa " * 4 if p else bytes(range(64)))
    lut = us(0x28, 0x3002, 0) + el(0x28, 0x3003, "LO", "LUT") + el(0x28, 0x3004, "LO", "HU") + el(0x28, 0x3006, "OW", adv.pad(blob))
    e[(0x0028, 0x3000)] = sq(0x28, 0x3000, [lut])
    return [], b""


@case("encapsulated_cda_xml", "hiding", NAME_TOKENS, control="withheld")
def _(p, e):
    xml = (b"<ClinicalDocument><recordTarget><patientRole><patient><name><family>"
           + (b"Quagmirewell</family><given>Philippa" if p else b"X</family><given>Y") + b"</given></name></patient></patientRole>"
           b"</recordTarget></ClinicalDocument>")
    cda = "1.2.840.10008.5.1.4.1.1.104.2"
    e[(0x0008, 0x0016)] = el(8, 0x16, "UI", cda)
    e[(0x0042, 0x0011)] = el(0x42, 0x11, "OB", adv.pad(xml))
    e[(0x0042, 0x0012)] = el(0x42, 0x12, "LO", "text/XML")
    for t in [k for k in e if k[0] == 0x0028 or k == (0x7FE0, 0x0010)]:
        del e[t]
    return [], b""


def pdf_document(e, words):
    """Makes the instance an Encapsulated PDF whose one page says `words` (pdf_samples' writer)."""
    import pdf_samples
    pdf = pdf_samples.page_pdf(f"BT /F1 12 Tf 72 700 Td (Patient: {words}) Tj ET\n")
    e[(0x0008, 0x0016)] = el(8, 0x16, "UI", "1.2.840.10008.5.1.4.1.1.104.1")
    e[(0x0008, 0x0060)] = el(8, 0x60, "CS", "DOC")
    e[(0x0042, 0x0011)] = el(0x42, 0x11, "OB", adv.pad(pdf))
    e[(0x0042, 0x0012)] = el(0x42, 0x12, "LO", "application/pdf")
    for t in [k for k in e if k[0] == 0x0028 or k == (0x7FE0, 0x0010)]:
        del e[t]


@case("pdf_names_nested_identity", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    # The document names the patient as only a Referenced Patient item does.
    e[(0x0008, 0x1120)] = sq(8, 0x1120, [el(8, 0x1150, "UI", "1.2.840.10008.3.1.2.1.1") + el(8, 0x1155, "UI", "1.2.3.4.5")
                                         + el(0x10, 0x10, "PN", OTHER_NAME)])
    pdf_document(e, "Ermengarde Zorblatt" if p else "seen today")
    return [], b""


@case("pdf_names_duplicate_copy", "collector", OTHER_NAME_TOKENS)
def _(p, e):
    pdf_document(e, "ZORBLATT, Ermengarde" if p else "seen today")
    return [((0x0010, 0x0010), el(0x10, 0x10, "PN", OTHER_NAME))], b""


@case("pdf_name_with_accents", "hiding", ["quagmirewell"])
def _(p, e):
    pdf_document(e, "Qu\xe4gmirewell" if p else "seen today")  # WinAnsi: a-umlaut
    return [], b""


@case("name_as_character_set_term", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0008, 0x0005)] = el(8, 5, "CS", "ISO_IR 100\\QUAGMIREWELL" if p else "ISO_IR 100")
    return [], b""


@case("private_element_without_creator", "hiding", NAME_TOKENS, ["retain_safe_private"])
def _(p, e):
    e[(0x0019, 0x1010)] = el(0x19, 0x1010, "LO", "Quagmirewell Philippa" if p else "A")  # no (0019,0010)
    return [], b""


@case("illegal_group_0001", "hiding", NAME_TOKENS)
def _(p, e):
    e[(0x0001, 0x0010)] = el(1, 0x10, "LO", "Quagmirewell Philippa" if p else "A")
    return [], b""


@case("frame_comments_lt", "hiding", NAME_TOKENS)
def _(p, e):
    e[(0x0020, 0x9158)] = el(0x20, 0x9158, "LT", "Frame for Quagmirewell, Philippa" if p else "Frame 1")
    return [], b""


@case("referenced_file_id", "hiding", ["quagmirewell"])
def _(p, e):
    e[(0x0004, 0x1500)] = el(4, 0x1500, "CS", "PATIENTS\\QUAGMIREWELL\\IMG00001" if p else "IMAGES\\IMG00001")
    return [], b""


# ---- writing and counting ----

def generate(out_dir):
    """Writes every case and its control into out_dir; returns the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    manifest = []
    for n, c in enumerate(CASES, start=1):
        for planted in (True, False):
            e = base(2 * n + (0 if planted else 1))
            extra, tail = c["build"](planted, e)
            sop = e[(0x0008, 0x0018)][8:].rstrip(b"\0").decode()
            data = adv.dicom_file({}, adv.EXPLICIT_LE, sop_instance=sop) + build(e, tail, extra)
            fn = f"{n:02d}_{c['name']}{'' if planted else '_control'}.dcm"
            with open(os.path.join(out_dir, fn), "wb") as f:
                f.write(data)
            manifest.append({"name": c["name"], "family": c["family"], "planted": planted, "file": fn,
                             "tokens": c["tokens"], "options": c["options"], "control": c["control"]})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def deidentify(exe, out_dir, manifest, key):
    """Runs `exe deid` over the manifest (one run per option set); returns {file: audit record}."""
    by_options = {}
    for m in manifest:
        by_options.setdefault(tuple(m["options"]), []).append(m["file"])
    records = {}
    for options, files in sorted(by_options.items()):
        records.update(adv.run_deid(exe, out_dir, files, key, options))
    return records


def outcome(manifest, records):
    """Per case: caught (withheld, or written without the planted identifier), leaked tokens, and
    whether its control was written."""
    result = {}
    for m in manifest:
        rec = records.get(m["file"], {"status": "missing"})
        r = result.setdefault(m["name"], {"family": m["family"]})
        if m["planted"]:
            found = leaks(rec["bytes"], m["tokens"]) if rec["status"] == "written" else []
            r.update(status=rec["status"], reason=rec.get("reason") or "", leaked=found, caught=not found)
        else:
            r.update(control=rec["status"], control_expected=m["control"], control_reason=rec.get("reason") or "",
                     control_leaked=leaks(rec["bytes"], m["tokens"]) if rec["status"] == "written" else [])
    return result


if __name__ == "__main__":
    out = sys.argv[1]
    manifest = generate(out)
    print(f"{len(manifest) // 2} cases (and their controls) in {out}")
    if len(sys.argv) > 3 and sys.argv[2] == "--count":
        exe = sys.argv[3]
        res = outcome(manifest, deidentify(exe, out, manifest, adv.site_key(exe, out)))
        for name, r in res.items():
            print(f"  {r['family']:9} {name:40} {'caught' if r['caught'] else 'LEAKED ' + ','.join(r['leaked']):24} "
                  f"{r['status']:9} control {r['control']} {r['control_reason'][:60]}")
        print(f"caught {sum(r['caught'] for r in res.values())} of {len(res)}; controls as expected "
              f"{sum(r['control'] == r['control_expected'] for r in res.values())} of {len(res)} "
              f"({sum(r['control'] == 'written' for r in res.values())} written)")
