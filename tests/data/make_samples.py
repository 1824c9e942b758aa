#!/usr/bin/env python3
"""Writes the sample DICOM files in tests/data (valid) and tests/data/malformed (broken on purpose).

The encoder here is deliberately independent of the C++ writer, so the round-trip and differential
tests compare two implementations. All names, IDs and dates are invented; the files are ours
(same licence as the project). Rerun after changing: python3 tests/data/make_samples.py
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
LONG = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
UNDEF = 0xFFFFFFFF


class Enc:
    def __init__(self, explicit=True, big=False):
        self.explicit, self.big = explicit, big

    def u16(self, v):
        return struct.pack(">H" if self.big else "<H", v)

    def u32(self, v):
        return struct.pack(">I" if self.big else "<I", v)


LE = Enc(True, False)
ILE = Enc(False, False)
BE = Enc(True, True)


def pad(b, vr):
    if len(b) % 2:
        b += b"\0" if vr in ("UI", "OB", "UN") else b" "
    return b


def el(enc, tag, vr, value, length=None):
    g, e = tag >> 16, tag & 0xFFFF
    if isinstance(value, str):
        value = pad(value.encode("latin-1"), vr)
    n = len(value) if length is None else length
    head = enc.u16(g) + enc.u16(e)
    if enc.explicit:
        head += vr.encode()
        head += (b"\0\0" + enc.u32(n)) if vr in LONG else enc.u16(n)
    else:
        head += enc.u32(n)
    return head + value


def raw(enc, tag, vr, raw_bytes):
    return el(enc, tag, vr, raw_bytes)


def item(enc, body, undefined=False):
    if undefined:
        return enc.u16(0xFFFE) + enc.u16(0xE000) + enc.u32(UNDEF) + body + enc.u16(0xFFFE) + enc.u16(0xE00D) + enc.u32(0)
    return enc.u16(0xFFFE) + enc.u16(0xE000) + enc.u32(len(body)) + body


def seq(enc, tag, items, undefined=False, vr="SQ"):
    body = b"".join(items)
    if undefined:
        g, e = tag >> 16, tag & 0xFFFF
        head = enc.u16(g) + enc.u16(e)
        head += (vr.encode() + b"\0\0" + enc.u32(UNDEF)) if enc.explicit else enc.u32(UNDEF)
        return head + body + enc.u16(0xFFFE) + enc.u16(0xE0DD) + enc.u32(0)
    return el(enc, tag, vr, body)


def meta(ts, sop_class, sop_inst, extra=b""):
    body = (el(LE, 0x00020001, "OB", b"\0\1") + el(LE, 0x00020002, "UI", sop_class) + el(LE, 0x00020003, "UI", sop_inst)
            + el(LE, 0x00020010, "UI", ts) + el(LE, 0x00020012, "UI", "1.2.826.0.1.3680043.9.7433.1")
            + el(LE, 0x00020013, "SH", "SAMPLEGEN") + extra)
    return el(LE, 0x00020000, "UL", struct.pack("<I", len(body))) + body


def part10(ts, sop_class, sop_inst, dataset, preamble=True):
    return (b"\0" * 128 + b"DICM" if preamble else b"") + meta(ts, sop_class, sop_inst) + dataset


CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
US = "1.2.840.10008.5.1.4.1.1.6.1"
SC = "1.2.840.10008.5.1.4.1.1.7"
SR = "1.2.840.10008.5.1.4.1.1.88.22"


def patient(enc, name="Doe^Jane^Q^^", pid="MRN-0042-7731", dob="19610412", sex="F", cs=None, name_bytes=None):
    out = b""
    if cs is not None:
        out += el(enc, 0x00080005, "CS", cs)
    return out, [(0x00100010, "PN", name_bytes if name_bytes is not None else name), (0x00100020, "LO", pid),
                 (0x00100030, "DA", dob), (0x00100040, "CS", sex)]


def build(enc, elements):
    """elements: list of (tag, vr, value) or raw bytes already encoded; sorted by tag here."""
    def key(x):
        return x[0]
    items = sorted(elements, key=key)
    out = b""
    for tag, vr, value in items:
        if vr is None:
            out += value
        else:
            if isinstance(value, int):
                value = enc.u16(value) if vr in ("US", "SS") else enc.u32(value)
            out += el(enc, tag, vr, value)
    return out


def pixels16(rows, cols, enc, frames=1):
    data = bytearray()
    for f in range(frames):
        for r in range(rows):
            for c in range(cols):
                data += enc.u16((r * 7 + c * 3 + f * 11) % 4096)
    return bytes(data)


def common(enc, sop_class, sop_inst, modality, extra=()):
    _, pat = patient(enc)
    elems = [
        (0x00080008, "CS", "ORIGINAL\\PRIMARY\\AXIAL"),
        (0x00080016, "UI", sop_class), (0x00080018, "UI", sop_inst),
        (0x00080020, "DA", "20240117"), (0x00080030, "TM", "101530.25"),
        (0x00080050, "SH", "ACC-99812"), (0x00080060, "CS", modality),
        (0x00080080, "LO", "Saint Example Hospital"), (0x00080090, "PN", "House^Gregory"),
        (0x00081030, "LO", "CHEST ABD PELVIS W CONTRAST"),
        (0x0020000D, "UI", "1.2.826.0.1.3680043.9.7433.2.1"), (0x0020000E, "UI", "1.2.826.0.1.3680043.9.7433.2.1.1"),
        (0x00200010, "SH", "STUDY-7"), (0x00200011, "IS", "3"), (0x00200013, "IS", "1"),
    ] + pat + list(extra)
    return elems


def image_elems(enc, rows, cols, frames=1, pixel=None, vr="OW"):
    e = [(0x00280002, "US", 1), (0x00280004, "CS", "MONOCHROME2"), (0x00280010, "US", rows), (0x00280011, "US", cols),
         (0x00280100, "US", 16), (0x00280101, "US", 12), (0x00280102, "US", 11), (0x00280103, "US", 0)]
    if frames > 1:
        e.append((0x00280008, "IS", str(frames)))
    if pixel is not None:
        e.append((0x7FE00010, vr, pixel))
    return e


def private_block(enc):
    # Creator "ACME SAMPLE 1.0" reserves block 0x10 of group 0x0009; elements (0009,1001)...
    return [(0x00090010, "LO", "ACME SAMPLE 1.0"), (0x00091001, "LO", "Jane Doe private note"),
            (0x00091002, "UL", 12345), (0x00090011, "LO", "OTHER VENDOR"), (0x00091101, "SH", "X")]


def ref_seq(enc, undefined=False, depth=2):
    inner = build(enc, [(0x00081150, "UI", CT), (0x00081155, "UI", "1.2.826.0.1.3680043.9.7433.2.1.1.5")])
    if depth > 1:
        inner_items = [item(enc, build(enc, [(0x00080100, "SH", "T-D4000"), (0x00080102, "SH", "SRT"),
                                             (0x00080104, "LO", "Abdomen")]), undefined)]
        nested = seq(enc, 0x00082218, inner_items, undefined)
        inner = build(enc, [(0x00081150, "UI", CT), (0x00081155, "UI", "1.2.826.0.1.3680043.9.7433.2.1.1.5"),
                            (0x00082218, None, nested)])
    return seq(enc, 0x00081140, [item(enc, inner, undefined), item(enc, b"", undefined)], undefined)


def write(name, data, folder=HERE):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def rle_segment(data):
    """PackBits: literal runs of at most 128 bytes, and replicate runs where bytes repeat."""
    out, i = bytearray(), 0
    while i < len(data):
        j = i
        while j + 1 < len(data) and data[j + 1] == data[i] and j - i < 127:
            j += 1
        if j > i:
            out += bytes([257 - (j - i + 1)]) + bytes([data[i]])
            i = j + 1
            continue
        lit = bytearray([data[i]])
        i += 1
        while i < len(data) and len(lit) < 128 and not (i + 1 < len(data) and data[i + 1] == data[i]):
            lit.append(data[i])
            i += 1
        out += bytes([len(lit) - 1]) + lit
    if len(out) % 2:
        out.append(0x80)  # no-op byte keeps the segment even
    return bytes(out)


def rle_frame(frame16):
    hi, lo = frame16[1::2], frame16[0::2]  # little-endian source: high byte segment first
    segs = [rle_segment(bytes(hi)), rle_segment(bytes(lo))]
    header = struct.pack("<I", 2) + struct.pack("<I", 64) + struct.pack("<I", 64 + len(segs[0])) + b"\0" * 52
    return header + segs[0] + segs[1]


def main():
    samples = {}
    # 1. Explicit VR LE CT with defined-length nested sequences and private blocks.
    ds = build(LE, common(LE, CT, "1.2.826.0.1.3680043.9.7433.3.1", "CT",
                          [(0x00080005, "CS", "ISO_IR 100"), (0x00081140, None, ref_seq(LE))] + private_block(LE)
                          + image_elems(LE, 16, 16, pixel=pixels16(16, 16, LE))))
    samples["ct_explicit_le.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.826.0.1.3680043.9.7433.3.1", ds)
    # 2. Implicit VR LE MR with undefined-length sequences and items, nested.
    ds = build(ILE, common(ILE, MR, "1.2.826.0.1.3680043.9.7433.3.2", "MR",
                           [(0x00081140, None, ref_seq(ILE, undefined=True))] + private_block(ILE)
                           + image_elems(ILE, 8, 8, pixel=pixels16(8, 8, ILE))))
    samples["mr_implicit_le.dcm"] = part10("1.2.840.10008.1.2", MR, "1.2.826.0.1.3680043.9.7433.3.2", ds)
    # 3. Explicit VR big endian.
    ds = build(BE, common(BE, CT, "1.2.826.0.1.3680043.9.7433.3.3", "CT", [(0x00081140, None, ref_seq(BE))]
                          + image_elems(BE, 8, 8, pixel=pixels16(8, 8, BE))))
    samples["ct_explicit_be.dcm"] = part10("1.2.840.10008.1.2.2", CT, "1.2.826.0.1.3680043.9.7433.3.3", ds)
    # 4. Deflated explicit VR LE (raw deflate, PS3.5 A.5).
    ds = build(LE, common(LE, SR, "1.2.826.0.1.3680043.9.7433.3.4", "SR", [(0x00081140, None, ref_seq(LE, True))]))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    samples["sr_deflated.dcm"] = part10("1.2.840.10008.1.2.1.99", SR, "1.2.826.0.1.3680043.9.7433.3.4",
                                        c.compress(ds) + c.flush())
    # 5. RLE Lossless, 2 frames, with a Basic Offset Table and Extended Offset Table.
    frames = [rle_frame(pixels16(16, 16, LE, 2)[i * 512:(i + 1) * 512]) for i in range(2)]
    bot = struct.pack("<II", 0, len(frames[0]) + 8)
    frag = item(LE, bot) + b"".join(item(LE, f) for f in frames)
    pix = LE.u16(0x7FE0) + LE.u16(0x0010) + b"OB\0\0" + LE.u32(UNDEF) + frag + LE.u16(0xFFFE) + LE.u16(0xE0DD) + LE.u32(0)
    eot = struct.pack("<QQ", 0, len(frames[0]) + 8)
    eotl = struct.pack("<QQ", len(frames[0]), len(frames[1]))
    ds = build(LE, common(LE, CT, "1.2.826.0.1.3680043.9.7433.3.5", "CT", image_elems(LE, 16, 16, frames=2)
                          + [(0x7FE00001, "OV", eot), (0x7FE00002, "OV", eotl), (0x7FE00010, None, pix)]))
    samples["ct_rle_2frame.dcm"] = part10("1.2.840.10008.1.2.5", CT, "1.2.826.0.1.3680043.9.7433.3.5", ds)
    # 6. Meta group without preamble.
    ds = build(LE, common(LE, SC, "1.2.826.0.1.3680043.9.7433.3.6", "OT", [(0x00280301, "CS", "YES")]))
    samples["sc_no_preamble.dcm"] = part10("1.2.840.10008.1.2.1", SC, "1.2.826.0.1.3680043.9.7433.3.6", ds, preamble=False)
    # 7. A raw implicit VR LE data set: no preamble, no meta group.
    samples["raw_implicit.dcm"] = build(ILE, common(ILE, CT, "1.2.826.0.1.3680043.9.7433.3.7", "CT"))
    # 8. UN of undefined length (a private sequence, Implicit VR LE inside, PS3.5 6.2.2).
    inner = build(ILE, [(0x00100010, "PN", "Hidden^Name"), (0x00100020, "LO", "MRN-HIDDEN")])
    un_seq = (LE.u16(0x0009) + LE.u16(0x1010) + b"UN\0\0" + LE.u32(UNDEF) + item(ILE, inner, undefined=True)
              + LE.u16(0xFFFE) + LE.u16(0xE0DD) + LE.u32(0))
    ds = build(LE, common(LE, CT, "1.2.826.0.1.3680043.9.7433.3.8", "CT", [(0x00090010, "LO", "ACME SAMPLE 1.0"),
                                                                           (0x00091010, None, un_seq)]))
    samples["un_private_sequence.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.826.0.1.3680043.9.7433.3.8", ds)
    # 9. Character sets: the value bytes and the UTF-8 they must decode to.
    charsets = {
        "latin1": ("ISO_IR 100", "Müller^Ærøskøbing".encode("latin-1"), "Müller^Ærøskøbing"),
        "greek": ("ISO_IR 126", "Διονυσιος".encode("iso8859-7"), "Διονυσιος"),
        "cyrillic": ("ISO_IR 144", "Люкceмбypг".encode("iso8859-5"), "Люкceмбypг"),
        "utf8": ("ISO_IR 192", "Wang^XiaoDong=王^小東=".encode("utf-8"), "Wang^XiaoDong=王^小東="),
        "gb18030": ("GB18030", "Wang^XiaoDong=王^小东=".encode("gb18030"), "Wang^XiaoDong=王^小东="),
        "japanese": ("\\ISO 2022 IR 87", b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
                     "Yamada^Tarou=山田^太郎=やまだ^たろう"),
        "korean": ("\\ISO 2022 IR 149", b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
                   "Hong^Gildong=洪^吉洞=홍^길동"),
        "katakana": ("ISO 2022 IR 13\\ISO 2022 IR 87", b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J",
                     "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"),
    }
    expected = {}
    for key, (cs, name_bytes, text) in charsets.items():
        elems = common(LE, SC, f"1.2.826.0.1.3680043.9.7433.4.{len(expected) + 1}", "OT")
        elems = [x for x in elems if x[0] != 0x00100010] + [(0x00080005, "CS", cs), (0x00100010, "PN", pad(name_bytes, "PN"))]
        fname = f"charset_{key}.dcm"
        samples[fname] = part10("1.2.840.10008.1.2.1", SC, f"1.2.826.0.1.3680043.9.7433.4.{len(expected) + 1}", build(LE, elems))
        expected[fname] = {"(0010,0010)": text}
    for name, data in samples.items():
        write(name, data)
    with open(os.path.join(HERE, "charset_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")

    # Malformed inputs: each must give an error naming this code and offset.
    good = samples["ct_explicit_le.dcm"]
    bad, expect = {}, {}
    bad["truncated_header.dcm"] = good[:-(len(pixels16(16, 16, LE)) + 5)]  # cut inside the pixel data header
    expect["truncated_header.dcm"] = ("truncated", len(good) - len(pixels16(16, 16, LE)) - 12)
    bad["truncated_value.dcm"] = good[:-100]
    expect["truncated_value.dcm"] = ("truncated", len(good) - len(pixels16(16, 16, LE)) - 12)
    ds = build(LE, [(0x00080016, "UI", CT), (0x00100010, "PN", "A^B")])
    huge = LE.u16(0x0010) + LE.u16(0x1000) + b"UT\0\0" + LE.u32(0xFFFFFFF0) + b"xx"
    bad["huge_length.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + huge)
    expect["huge_length.dcm"] = ("truncated", len(bad["huge_length.dcm"]) - len(huge))
    stray = LE.u16(0xFFFE) + LE.u16(0xE000) + LE.u32(4) + b"abcd"
    bad["stray_item.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + stray)
    expect["stray_item.dcm"] = ("bad_structure", len(bad["stray_item.dcm"]) - len(stray))
    # Undefined-length sequence whose item never ends.
    open_seq = LE.u16(0x0008) + LE.u16(0x1140) + b"SQ\0\0" + LE.u32(UNDEF) + LE.u16(0xFFFE) + LE.u16(0xE000) + LE.u32(UNDEF) + el(LE, 0x00081150, "UI", CT)
    bad["unterminated_sequence.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + open_seq)
    expect["unterminated_sequence.dcm"] = ("truncated", len(bad["unterminated_sequence.dcm"]))
    # Nesting deeper than the limit (64): 70 undefined-length sequences inside each other.
    nest = b""
    for _ in range(70):
        nest = seq(LE, 0x00081140, [item(LE, nest, undefined=True)], undefined=True) if nest else el(LE, 0x00081150, "UI", CT)
    bad["deep_nesting.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", build(LE, [(0x00080016, "UI", CT)]) + nest)
    expect["deep_nesting.dcm"] = ("limit_exceeded", None)
    # An item whose length runs past its defined-length sequence.
    body = LE.u16(0xFFFE) + LE.u16(0xE000) + LE.u32(200) + el(LE, 0x00081150, "UI", CT)
    sq = LE.u16(0x0008) + LE.u16(0x1140) + b"SQ\0\0" + LE.u32(len(body)) + body
    bad["item_past_sequence.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + sq + el(LE, 0x00200010, "SH", "X"))
    expect["item_past_sequence.dcm"] = ("bad_length", len(bad["item_past_sequence.dcm"]) - len(sq) - len(el(LE, 0x00200010, "SH", "X")) + 12)
    # Undefined length on a VR that cannot have it.
    und = LE.u16(0x0009) + LE.u16(0x1001) + b"OB\0\0" + LE.u32(UNDEF) + b"\0" * 16
    bad["undefined_ob.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + und)
    expect["undefined_ob.dcm"] = ("bad_length", len(bad["undefined_ob.dcm"]) - len(und))
    # Delimiter outside any item.
    delim = LE.u16(0xFFFE) + LE.u16(0xE00D) + LE.u32(0)
    bad["stray_delimiter.dcm"] = part10("1.2.840.10008.1.2.1", CT, "1.2.3", ds + delim)
    expect["stray_delimiter.dcm"] = ("bad_structure", len(bad["stray_delimiter.dcm"]) - len(delim))
    bad["not_dicom.txt"] = b"Patient list\nDoe, Jane  MRN 0042\n" * 4
    expect["not_dicom.txt"] = ("not_dicom", 0)
    bad["empty.dcm"] = b""
    expect["empty.dcm"] = ("not_dicom", 0)
    bad["preamble_only.dcm"] = b"\0" * 128 + b"DICM"
    expect["preamble_only.dcm"] = ("truncated", 132)
    # Encapsulated pixel data cut inside a fragment.
    bad["truncated_fragment.dcm"] = samples["ct_rle_2frame.dcm"][:-200]
    expect["truncated_fragment.dcm"] = ("truncated", None)
    mal = os.path.join(HERE, "malformed")
    os.makedirs(mal, exist_ok=True)
    for name, data in bad.items():
        write(name, data, mal)
    with open(os.path.join(mal, "expected.json"), "w") as f:
        json.dump({k: {"code": v[0], "offset": v[1]} for k, v in expect.items()}, f, indent=1, sort_keys=True)
        f.write("\n")


PLANTED = {
    "name_family": "Zebulon", "name_given": "Quixote", "mrn": "MRN-88123456", "other_id": "OPID-4471932",
    "accession": "ACC-5551212", "birth": "19610412", "birth_iso": "1961-04-12", "birth_us": "04/12/1961",
    "address": "742 Evergreen Terrace", "phone": "555-867-5309", "institution": "Mercy Yardley Clinic",
    "physician": "Hibbertson", "requested_id": "RPX-77120", "uid_root": "1.2.826.0.1.3680043.9.7433.55",
    "station": "RAD-STATION-QX9", "serial": "SN-20981177", "latin1_name": "Zoë^Ångström",
}


def phi_set():
    """Instances with identifiers planted everywhere a de-identifier must look: top level, nested
    sequences, private blocks, free text, other character sets, implicit and big-endian syntaxes,
    and the folder and file names. tests/python/test_deid.py asserts none survives."""
    P = PLANTED
    root = P["uid_root"]
    study, series = root + ".1", root + ".1.1"
    def person(enc, extra=()):
        return [
            (0x00080005, "CS", "ISO_IR 100"),
            (0x00080016, "UI", CT), (0x00080020, "DA", "20240117"), (0x00080021, "DA", "20240117"),
            (0x00080030, "TM", "101530"), (0x00080050, "SH", P["accession"]), (0x00080060, "CS", "CT"),
            (0x00080080, "LO", P["institution"]), (0x00080081, "ST", P["address"] + ", Springfield"),
            (0x00080090, "PN", P["physician"] + "^Julius"), (0x00081010, "SH", P["station"]),
            (0x00081030, "LO", P["name_family"] + " follow-up, DOB " + P["birth_iso"]),
            (0x0008103E, "LO", "AX " + P["name_given"]),
            (0x00100010, "PN", P["name_family"] + "^" + P["name_given"]), (0x00100020, "LO", P["mrn"]),
            (0x00100030, "DA", P["birth"]), (0x00100040, "CS", "M"), (0x00101000, "LO", P["other_id"]),
            (0x00101001, "PN", P["name_given"] + "^" + P["name_family"]),
            (0x00101040, "LO", P["address"]), (0x00102154, "SH", P["phone"]),
            (0x00104000, "LT", "Seen by " + P["physician"] + "; call " + P["phone"] + "; born " + P["birth_us"]),
            (0x00181000, "LO", P["serial"]), (0x0020000D, "UI", study), (0x0020000E, "UI", series),
            (0x00200010, "SH", "SID-" + P["birth"][:4]), (0x00204000, "LT", "Patient " + P["name_family"] + " moved"),
            (0x00090010, "LO", "ACME PHI 1.0"), (0x00091001, "LO", "private: " + P["name_family"] + " " + P["mrn"]),
            (0x00091002, "UN", P["name_given"].encode()),
        ] + list(extra)

    def request(enc, undefined=False):
        body = build(enc, [(0x00401001, "SH", P["requested_id"]), (0x00321032, "PN", P["physician"] + "^J"),
                           (0x00401002, "LO", "Reason: " + P["name_family"] + " pain")])
        return seq(enc, 0x00400275, [item(enc, body, undefined)], undefined)

    files = {}
    # A: CT image, explicit LE, with a nested request sequence.
    sop_a = root + ".2.1"
    ds = build(LE, person(LE, [(0x00080018, "UI", sop_a), (0x00400275, None, request(LE))]
                          + image_elems(LE, 4, 4, pixel=b"\0" * 32)))
    files["Quixote_Zebulon/CT_" + P["name_family"] + "_1.dcm"] = part10("1.2.840.10008.1.2.1", CT, sop_a, ds)
    # B: references A (Referenced Image Sequence, Source Image Sequence), implicit VR, undefined lengths.
    sop_b = root + ".2.2"
    refs = seq(ILE, 0x00081140, [item(ILE, build(ILE, [(0x00081150, "UI", CT), (0x00081155, "UI", sop_a)]), True)], True)
    src = seq(ILE, 0x00082112, [item(ILE, build(ILE, [(0x00081150, "UI", CT), (0x00081155, "UI", sop_a)]))])
    ds = build(ILE, person(ILE, [(0x00080018, "UI", sop_b), (0x00081140, None, refs), (0x00082112, None, src),
                                 (0x00400275, None, request(ILE, True)), (0x00200052, "UI", root + ".9")]
                           + image_elems(ILE, 4, 4, pixel=b"\0" * 32)))
    files["Quixote_Zebulon/CT_" + P["name_family"] + "_2.dcm"] = part10("1.2.840.10008.1.2", CT, sop_b, ds)
    # C: big endian, same study, Latin-1 name.
    sop_c = root + ".2.3"
    elems = [x for x in person(BE, [(0x00080018, "UI", sop_c)]) if x[0] != 0x00100010]
    elems.append((0x00100010, "PN", pad(P["latin1_name"].encode("latin-1"), "PN")))
    ds = build(BE, elems + image_elems(BE, 4, 4, pixel=b"\0" * 32))
    files["Quixote_Zebulon/" + P["mrn"] + ".dcm"] = part10("1.2.840.10008.1.2.2", CT, sop_c, ds)
    # D: deflated explicit LE.
    sop_d = root + ".2.4"
    raw_ds = build(LE, person(LE, [(0x00080018, "UI", sop_d), (0x00400275, None, request(LE, True))]))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    files["Quixote_Zebulon/deflated.dcm"] = part10("1.2.840.10008.1.2.1.99", CT, sop_d, c.compress(raw_ds) + c.flush())
    out = os.path.join(HERE, "phi")
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
        write(rel, data, out)
    with open(os.path.join(out, "planted.json"), "w", encoding="utf-8") as f:
        json.dump({"planted": P, "references": {"b_refers_to_a": [sop_b, sop_a]}}, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
    phi_set()
