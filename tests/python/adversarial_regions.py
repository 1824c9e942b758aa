#!/usr/bin/env python3
"""Adversarial files hiding the patient's identifiers in every byte region of a DICOM file that is
not an ordinary text value: the preamble (plain text, a TIFF header), JPEG COM/APPn/Exif and bytes
after EOI, JPEG-LS and lossless JPEG segments, J2K COM in the main and tile-part headers, JP2 xml and
uuid boxes, text in the Basic Offset Table, extra fragments, a missing sequence delimiter, RLE
header slots and segment tails, unused high bits and bytes after the last frame of native pixels,
text written with binary VRs (OB, OW as UTF-16, FL, UN), CS/IS/DS/UI values their VR does not allow,
an Encrypted Attributes Sequence in plaintext, items in an unknown or wrong character set, File
Meta elements inside the data set, Data Set Trailing Padding, and UIDs that only look like registry
UIDs.

Every file is written byte by byte here (no library normalises what we plant). Compressed frames
come from gdcmconv (JPEG lossless and baseline, JPEG-LS, JPEG 2000, RLE) of a clean native image,
so the decoded pixels of every output can be compared with those of the clean stream.

    python3 tests/python/adversarial_regions.py OUT_DIR [--count-leaks DICOMSCRUB_EXE]

writes the cases and manifest.json; with --count-leaks it de-identifies them with that executable
and prints how many outputs still carry a planted identifier (used for the before/after numbers).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

NAME = "Wobblesworth^Henrietta"
PATIENT_ID = "WB7731920"
PLANT = b"Wobblesworth Henrietta WB7731920"  # what every region hides
TOKENS = ["wobblesworth", "henrietta", "wb7731920"]
CT = "1.2.840.10008.5.1.4.1.1.2"
ROOT_UID = "1.2.826.0.1.3680043.10.999"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
LONG = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}


# ---- a raw Explicit VR Little Endian writer: every byte is the one we chose ----

def el(group, elem, vr, value, reserved=b"\0\0"):
    if isinstance(value, str):
        value = value.encode("latin-1")
    if len(value) % 2:
        value += b"\0" if vr in ("UI", "OB", "UN") else b" "
    h = struct.pack("<HH", group, elem) + vr.encode()
    h += reserved + struct.pack("<I", len(value)) if vr in LONG else struct.pack("<H", len(value))
    return h + value


def us(group, elem, v):
    return el(group, elem, "US", struct.pack("<H", v))


def item(content):
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(content)) + content


def sq(group, elem, items):
    body = b"".join(item(i) for i in items)
    return struct.pack("<HH", group, elem) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF) + body + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def encapsulated(fragments, bot=b"", delimiter=True):
    out = struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFFF)
    out += struct.pack("<HHI", 0xFFFE, 0xE000, len(bot)) + bot
    for f in fragments:
        out += struct.pack("<HHI", 0xFFFE, 0xE000, len(f)) + f
    if delimiter:
        out += struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    return out


def dicom_file(elements, ts, sop_class=CT, sop_instance="", preamble=b"\0" * 128):
    meta = el(2, 1, "OB", b"\0\1") + el(2, 2, "UI", sop_class) + el(2, 3, "UI", sop_instance)
    meta += el(2, 0x10, "UI", ts) + el(2, 0x12, "UI", "1.2.826.0.1.3680043.10.999.1")
    meta = el(2, 0, "UL", struct.pack("<I", len(meta))) + meta
    body = b"".join(v for _, v in sorted(elements.items()))
    return preamble + b"DICM" + meta + body


def base_elements(n, rows=32, cols=32, bits=8, stored=None, signed=False, frames=1, sop_class=CT, photometric="MONOCHROME2"):
    stored = stored or bits
    samples = 1 if photometric.startswith("MONO") else 3
    e = {
        (0x0008, 0x0008): el(8, 8, "CS", "ORIGINAL\\PRIMARY\\AXIAL"),
        (0x0008, 0x0016): el(8, 0x16, "UI", sop_class),
        (0x0008, 0x0018): el(8, 0x18, "UI", f"{ROOT_UID}.3.{n}"),
        (0x0008, 0x0020): el(8, 0x20, "DA", "20240102"),
        (0x0008, 0x0060): el(8, 0x60, "CS", "CT"),
        (0x0008, 0x0070): el(8, 0x70, "LO", "ACME"),
        (0x0010, 0x0010): el(0x10, 0x10, "PN", NAME),
        (0x0010, 0x0020): el(0x10, 0x20, "LO", PATIENT_ID),
        (0x0010, 0x0030): el(0x10, 0x30, "DA", "19610203"),
        (0x0020, 0x000D): el(0x20, 0x0D, "UI", f"{ROOT_UID}.1"),
        (0x0020, 0x000E): el(0x20, 0x0E, "UI", f"{ROOT_UID}.2"),
        (0x0020, 0x0013): el(0x20, 0x13, "IS", "1"),
        (0x0028, 0x0002): us(0x28, 2, samples),
        (0x0028, 0x0004): el(0x28, 4, "CS", photometric),
        (0x0028, 0x0010): us(0x28, 0x10, rows),
        (0x0028, 0x0011): us(0x28, 0x11, cols),
        (0x0028, 0x0100): us(0x28, 0x100, bits),
        (0x0028, 0x0101): us(0x28, 0x101, stored),
        (0x0028, 0x0102): us(0x28, 0x102, stored - 1),
        (0x0028, 0x0103): us(0x28, 0x103, 1 if signed else 0),
        (0x0028, 0x0301): el(0x28, 0x301, "CS", "NO"),
    }
    if frames > 1:
        e[(0x0028, 0x0008)] = el(0x28, 8, "IS", str(frames))
    if samples == 3:
        e[(0x0028, 0x0006)] = us(0x28, 6, 0)
    return e


def image8(rows=32, cols=32, frames=1):
    return bytes(((x * 7 + y * 3 + f * 50) & 0xFF) for f in range(frames) for y in range(rows) for x in range(cols))


# ---- compressed frames from GDCM ----

def image16(rows=32, cols=32):
    return struct.pack(f"<{rows * cols}H", *[((x * 97 + y * 31) & 0x0FFF) for y in range(rows) for x in range(cols)])


def gdcm_frames(tmp, flag, frames=1, extra=(), kind="mono8"):
    """Frames of a clean image (kind: mono8, mono16 with 12 bits stored, rgb8) compressed by
    gdcmconv (flag: --jpeg, --jpegls, --j2k, --rle), and the photometric interpretation it wrote."""
    import pydicom
    from pydicom.encaps import generate_frames

    src = os.path.join(tmp, f"native{frames}{kind}.dcm")
    if kind == "mono16":
        e = base_elements(0, frames=frames, bits=16, stored=12)
        e[(0x7FE0, 0x0010)] = el(0x7FE0, 0x10, "OW", image16() * frames)
    elif kind == "rgb8":
        e = base_elements(0, frames=frames, photometric="RGB")
        e[(0x7FE0, 0x0010)] = el(0x7FE0, 0x10, "OB", bytes(b for p in image8(frames=frames) for b in (p, 255 - p, p // 2)))
    else:
        e = base_elements(0, frames=frames)
        e[(0x7FE0, 0x0010)] = el(0x7FE0, 0x10, "OB", image8(frames=frames))
    with open(src, "wb") as f:
        f.write(dicom_file(e, EXPLICIT_LE, sop_instance=f"{ROOT_UID}.3.0"))
    dst = os.path.join(tmp, f"c{flag.strip('-')}{'_'.join(extra)}{frames}{kind}.dcm")
    subprocess.run(["gdcmconv", flag, *extra, src, dst], check=True, capture_output=True)
    ds = pydicom.dcmread(dst)
    frames_out = list(generate_frames(ds.PixelData, number_of_frames=frames))
    return str(ds.file_meta.TransferSyntaxUID), frames_out, str(ds.PhotometricInterpretation)


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif_app1(text):
    # A TIFF with one IFD entry: Artist (013B), ASCII, pointing at the text.
    tiff = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHII", 0x013B, 2, len(text) + 1, 8 + 2 + 12 + 4) + struct.pack("<I", 0) + text + b"\0"
    return jpeg_segment(0xE1, b"Exif\0\0" + tiff)


def j2k_insert_main_com(cs, text):
    siz_len = struct.unpack(">H", cs[4:6])[0]
    at = 4 + siz_len
    return cs[:at] + b"\xFF\x64" + struct.pack(">H", len(text) + 4) + b"\0\1" + text + cs[at:]


def j2k_insert_tile_com(cs, text):
    at = cs.index(b"\xFF\x90")
    psot = struct.unpack(">I", cs[at + 6:at + 10])[0]
    com = b"\xFF\x64" + struct.pack(">H", len(text) + 4) + b"\0\1" + text
    sot = bytearray(cs[at:at + 12])
    if psot:
        sot[6:10] = struct.pack(">I", psot + len(com))
    return cs[:at] + bytes(sot) + com + cs[at + 12:]


def box(kind, content):
    return struct.pack(">I", 8 + len(content)) + kind + content


def jp2_wrap(cs, rows, cols, text):
    ihdr = box(b"ihdr", struct.pack(">IIHBBBB", rows, cols, 1, 7, 7, 0, 0))
    colr = box(b"colr", struct.pack(">BBBI", 1, 0, 0, 17))
    return (box(b"jP  ", b"\r\n\x87\n") + box(b"ftyp", b"jp2 " + b"\0\0\0\0" + b"jp2 ") + box(b"jp2h", ihdr + colr)
            + box(b"xml ", b"<x>" + text + b"</x>") + box(b"uuid", b"\x11" * 16 + text) + box(b"jp2c", cs)
            + box(b"xml ", text))


def pad(b):
    return b + b"\0" if len(b) % 2 else b


def tiff_preamble(text):
    # A DICOM/TIFF dual-personality header: IFD with ImageDescription (010E) in the preamble.
    p = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1)
    p += struct.pack("<HHII", 0x010E, 2, len(text) + 1, 26) + struct.pack("<I", 0) + text + b"\0"
    return p.ljust(128, b"\0")[:128]


def generate(out_dir):
    """Writes the cases into out_dir; returns the manifest (one dict per case)."""
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="regions-")
    cases = []
    refs_dir = os.path.join(out_dir, "reference")
    os.makedirs(refs_dir, exist_ok=True)

    def add(name, elements, ts=EXPLICIT_LE, preamble=b"\0" * 128, pixel_ref=None, checks=None, sop_class=CT, raw_tail=b""):
        n = len(cases) + 1
        if elements.get((0x0008, 0x0018)) == el(8, 0x18, "UI", f"{ROOT_UID}.3.0"):  # the template's: one per case
            elements[(0x0008, 0x0018)] = el(8, 0x18, "UI", f"{ROOT_UID}.3.{n}")
        sop = elements[(0x0008, 0x0018)][8:].rstrip(b"\0").decode()
        data = dicom_file(elements, ts, sop_class=sop_class, sop_instance=sop, preamble=preamble) + raw_tail
        path = os.path.join(out_dir, f"{n:02d}_{name}.dcm")
        with open(path, "wb") as f:
            f.write(data)
        cases.append({"name": name, "file": os.path.basename(path), "pixel_ref": pixel_ref, "checks": checks or {}})

    def with_pixels(pix, **kw):
        e = base_elements(0, **kw)
        e[(0x7FE0, 0x0010)] = pix
        return e

    def ref(name, ts, frames_list, nframes=1, **shape):
        e = base_elements(0, frames=nframes, **shape)
        e[(0x7FE0, 0x0010)] = encapsulated([pad(f) for f in frames_list])
        path = os.path.join(refs_dir, f"{name}.dcm")
        with open(path, "wb") as f:
            f.write(dicom_file(e, ts, sop_instance=f"{ROOT_UID}.9.{len(os.listdir(refs_dir)) + 1}"))
        return os.path.join("reference", f"{name}.dcm")

    native = el(0x7FE0, 0x10, "OB", image8())
    # -- the preamble
    add("preamble_text", with_pixels(native), preamble=PLANT.ljust(128, b" "))
    add("preamble_tiff", with_pixels(native), preamble=tiff_preamble(PLANT))

    # -- JPEG family
    for flag, extra, label in (("--jpeg", (), "jpeg_lossless"), ("--jpeg", ("--lossy", "-q", "90"), "jpeg_baseline"),
                               ("--jpegls", (), "jpegls")):
        ts, frames, _ = gdcm_frames(tmp, flag, extra=extra)
        cs = frames[0].rstrip(b"\0") if frames[0].endswith(b"\xFF\xD9\0") else frames[0]
        r = ref(label, ts, [cs])
        add(f"{label}_com", with_pixels(encapsulated([pad(cs[:2] + jpeg_segment(0xFE, PLANT) + cs[2:])])), ts, pixel_ref=r)
        add(f"{label}_app_exif", with_pixels(encapsulated([pad(cs[:2] + exif_app1(PLANT) + jpeg_segment(0xED, PLANT) + cs[2:])])), ts, pixel_ref=r)
        add(f"{label}_after_eoi", with_pixels(encapsulated([pad(cs + PLANT)])), ts, pixel_ref=r)
    ts, frames, _ = gdcm_frames(tmp, "--jpeg")
    cs = frames[0].rstrip(b"\0") if frames[0].endswith(b"\xFF\xD9\0") else frames[0]
    r = ref("jpeg_lossless", ts, [cs])
    jfif = jpeg_segment(0xE0, b"JFIF\0\1\2\0\0\1\0\1\1\1" + b"\x41\x42\x43")  # a 1x1 "thumbnail"
    add("jpeg_jfif_thumbnail", with_pixels(encapsulated([pad(cs[:2] + jfif + cs[2:])])), ts, pixel_ref=r)
    add("bot_text", with_pixels(encapsulated([pad(cs)], bot=PLANT.ljust(32, b" "))), ts, pixel_ref=r)
    add("extra_fragment", with_pixels(encapsulated([pad(cs), pad(PLANT)])), ts, pixel_ref=r)
    half = len(cs) // 2 & ~1
    add("split_frame_tail", with_pixels(encapsulated([cs[:half], pad(cs[half:] + PLANT)])), ts, pixel_ref=r)
    e = with_pixels(b"")
    del e[(0x7FE0, 0x0010)]
    add("missing_delimiter", e, ts, pixel_ref=r, raw_tail=encapsulated([pad(cs), pad(PLANT)], delimiter=False))
    ts2, frames2, _ = gdcm_frames(tmp, "--jpeg", frames=2)
    f2 = [f.rstrip(b"\0") if f.endswith(b"\xFF\xD9\0") else f for f in frames2]
    r2 = ref("jpeg_lossless_2frames", ts2, f2, nframes=2)
    marked = [pad(f2[0]), pad(f2[1][:2] + jpeg_segment(0xFE, PLANT) + f2[1][2:])]
    bot = struct.pack("<II", 0, 8 + len(marked[0]))
    add("multiframe_com_in_frame2", with_pixels(encapsulated(marked, bot=bot), frames=2), ts2, pixel_ref=r2)

    # -- JPEG 2000
    ts, frames, _ = gdcm_frames(tmp, "--j2k")
    cs = frames[0].rstrip(b"\0") if frames[0].endswith(b"\xFF\xD9\0") else frames[0]
    r = ref("j2k", ts, [cs])
    add("j2k_main_com", with_pixels(encapsulated([pad(j2k_insert_main_com(cs, PLANT))])), ts, pixel_ref=r)
    add("j2k_tile_com", with_pixels(encapsulated([pad(j2k_insert_tile_com(cs, PLANT))])), ts, pixel_ref=r)
    add("j2k_after_eoc", with_pixels(encapsulated([pad(cs + PLANT)])), ts, pixel_ref=r)
    add("jp2_boxes", with_pixels(encapsulated([pad(jp2_wrap(cs, 32, 32, PLANT))])), ts, pixel_ref=r)

    # -- RLE
    ts, frames, _ = gdcm_frames(tmp, "--rle")
    fr = frames[0]
    r = ref("rle", ts, [fr])
    nseg, first = struct.unpack("<II", fr[:8])
    tail = fr + PLANT  # bytes after the only segment's plane
    add("rle_segment_tail", with_pixels(encapsulated([pad(tail)])), ts, pixel_ref=r)
    slots = bytearray(fr[:64])
    slots[8:8 + len(PLANT)] = PLANT  # unused offset slots
    add("rle_header_slots", with_pixels(encapsulated([pad(bytes(slots) + fr[64:])])), ts, pixel_ref=r)

    # -- the other codecs and sample layouts GDCM writes: lossy JPEG-LS and J2K, 16-bit, colour
    def clean(frame):
        return frame.rstrip(b"\0") if frame.endswith(b"\xFF\xD9\0") else frame

    for label, flag, extra, kind, shape in (
            ("jpegls_near_lossless", "--jpegls", ("--lossy", "-e", "2"), "mono8", {}),
            ("j2k_lossy", "--j2k", ("--lossy", "-q", "30"), "mono8", {}),
            ("jpeg_lossless_16bit", "--jpeg", (), "mono16", {"bits": 16, "stored": 12}),
            ("j2k_16bit", "--j2k", (), "mono16", {"bits": 16, "stored": 12}),
            ("jpeg_baseline_rgb", "--jpeg", ("--lossy", "-q", "90"), "rgb8", {}),
            ("j2k_rgb", "--j2k", (), "rgb8", {})):
        try:
            ts, frames, pi = gdcm_frames(tmp, flag, extra=extra, kind=kind)
        except subprocess.CalledProcessError:
            continue  # an option this GDCM does not have: the case is not generated
        if kind == "rgb8":
            shape = {"photometric": pi}
        cs = clean(frames[0])
        r = ref(label, ts, [cs], **shape)
        if ts.endswith((".90", ".91")):
            planted = j2k_insert_main_com(cs, PLANT)
        else:
            planted = cs[:2] + jpeg_segment(0xFE, PLANT) + exif_app1(PLANT) + cs[2:]
        add(f"{label}_planted", with_pixels(encapsulated([pad(planted + PLANT)]), **shape), ts, pixel_ref=r)
    ts, frames, _ = gdcm_frames(tmp, "--rle", kind="mono16")
    r = ref("rle_16bit", ts, [frames[0]], bits=16, stored=12)
    add("rle_16bit_segment_tail", with_pixels(encapsulated([pad(frames[0] + PLANT)]), bits=16, stored=12), ts, pixel_ref=r)

    # -- native pixel data
    rows = cols = 16
    plain = [((x * 97 + y * 31) & 0x0FFF) for y in range(rows) for x in range(cols)]
    words = list(plain)
    text = PLANT + b" " * (len(PLANT) % 2)
    for i in range(len(text) // 2):  # the text's bytes in the samples, its high nibbles in bits 12-15
        words[i] = text[2 * i] | (text[2 * i + 1] << 8)
    words[len(text) // 2:] = [w | 0x8000 if (i % 3 == 0) else w for i, w in enumerate(words[len(text) // 2:])]  # an "overlay" in bit 15
    add("high_bits_text", with_pixels(el(0x7FE0, 0x10, "OW", struct.pack(f"<{len(words)}H", *words)), rows=rows, cols=cols, bits=16, stored=12),
        checks={"native_mask": 0x0FFF})
    signed = [(v - 2048) & 0xFFFF if v < 2048 else v - 2048 for v in plain]  # 12-bit signed, sign-extended
    signed = [((s - 0x10000) if s & 0x8000 else s) for s in signed]
    add("signed_sign_extended", with_pixels(el(0x7FE0, 0x10, "OW", struct.pack(f"<{len(signed)}h", *signed)), rows=rows, cols=cols, bits=16, stored=12, signed=True),
        checks={"pixel_data_unchanged": True})
    add("native_trailing_bytes", with_pixels(el(0x7FE0, 0x10, "OB", image8() + PLANT)), checks={"native_size": 32 * 32})

    # -- values: declared VR against the dictionary, conformance, UIDs, sequences, charsets
    def header_case(name, extra, checks=None, sop_class=CT):
        e = with_pixels(native)
        e[(0x0008, 0x0016)] = el(8, 0x16, "UI", sop_class)
        e.update(extra)
        add(name, e, checks=checks, sop_class=sop_class)

    header_case("text_as_OB", {(0x0018, 0x0015): el(0x18, 0x15, "OB", PLANT)})
    header_case("text_as_OW_utf16", {(0x0018, 0x0015): el(0x18, 0x15, "OW", PLANT.decode().encode("utf-16-le"))})
    header_case("text_as_FL", {(0x0018, 0x0015): el(0x18, 0x15, "FL", PLANT)})
    header_case("text_as_UN", {(0x0018, 0x1030): el(0x18, 0x1030, "UN", PLANT)})
    header_case("cs_as_UT_mixed_case", {(0x0018, 0x0015): el(0x18, 0x15, "UT", PLANT)})
    header_case("bad_CS", {(0x0018, 0x0015): el(0x18, 0x15, "CS", "Wobblesworth")})
    header_case("name_as_CS_code", {(0x0018, 0x0015): el(0x18, 0x15, "CS", "WOBBLESWORTH")})
    header_case("bad_IS", {(0x0020, 0x0013): el(0x20, 0x13, "IS", "Wobblesworth")})
    header_case("bad_DS", {(0x0018, 0x0050): el(0x18, 0x50, "DS", "Henrietta 1.0")})
    header_case("bad_UI_class", {(0x0008, 0x001A): el(8, 0x1A, "UI", "1.2.Wobblesworth")})
    header_case("bad_AS", {(0x0010, 0x1010): el(0x10, 0x1010, "AS", "WB77")})
    header_case("encrypted_attributes", {(0x0400, 0x0500): sq(0x400, 0x500, [
        el(0x400, 0x510, "UI", EXPLICIT_LE) + el(0x400, 0x520, "OB", PLANT)])})
    header_case("item_unknown_charset", {(0x0008, 0x2218): sq(8, 0x2218, [
        el(8, 5, "CS", "ISO_IR 999") + el(8, 0x100, "SH", "T-D4000") + el(8, 0x102, "SH", "SRT") + el(8, 0x104, "LO", PLANT)])})
    header_case("item_bytes_not_in_charset", {(0x0008, 0x2218): sq(8, 0x2218, [
        el(8, 0x100, "SH", "T-D4000") + el(8, 0x102, "SH", "SRT") + el(8, 0x104, "LO", b"\xe9" + PLANT)])})
    header_case("group_0002_after_meta", {(0x0002, 0x0016): el(2, 0x16, "AE", "WOBBLESWORTH"),
                                          (0x0002, 0x0100): el(2, 0x100, "UI", "1.2.3"), (0x0002, 0x0102): el(2, 0x102, "OB", PLANT)})
    header_case("group_0002_in_item", {(0x0008, 0x1140): sq(8, 0x1140, [
        el(2, 0x16, "AE", "WOBBLESWORTH") + el(2, 0x102, "OB", PLANT) + el(8, 0x1150, "UI", CT) + el(8, 0x1155, "UI", f"{ROOT_UID}.78")])},
        checks={"audit_removed": ["(0008,1140)[0]/(0002,0016)", "(0008,1140)[0]/(0002,0102)"]})
    header_case("trailing_padding", {(0xFFFC, 0xFFFC): el(0xFFFC, 0xFFFC, "OB", PLANT)})
    header_case("reserved_bytes", {(0x0018, 0x1030): el(0x18, 0x1030, "UT", "X", reserved=b"WB")})
    header_case("fake_registry_instance_uids", {
        (0x0008, 0x0018): el(8, 0x18, "UI", "1.2.840.10008.77.1.4242"),
        (0x0020, 0x0052): el(0x20, 0x52, "UI", "1.2.840.10008.1.4.1.1"),  # Talairach: a real well-known instance
    }, checks={"remapped": ["SOPInstanceUID"], "kept": {"FrameOfReferenceUID": "1.2.840.10008.1.4.1.1"}})
    header_case("private_sop_class", {
        (0x0008, 0x1140): sq(8, 0x1140, [el(8, 0x1150, "UI", "1.3.6.1.4.1.99999.7.1") + el(8, 0x1155, "UI", f"{ROOT_UID}.77")]),
    }, checks={"kept": {"SOPClassUID": "1.3.6.1.4.1.99999.7.1"}, "not_an_image_to_gdcm": True}, sop_class="1.3.6.1.4.1.99999.7.1")
    shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)
    return cases


def leaks(data):
    """The planted identifiers found in raw bytes: ASCII (any case), UTF-16LE and UTF-16BE."""
    low = data.lower()
    found = []
    for t in TOKENS:
        for enc in ("latin-1", "utf-16-le", "utf-16-be"):
            for form in (t, t.upper(), t.capitalize()):
                if form.encode(enc) in (low if enc == "latin-1" else data):
                    found.append(f"{t}/{enc}")
                    break
    return sorted(set(found))


def site_key(exe, folder):
    """A key file in folder, made by `exe keygen` the first time."""
    key = os.path.join(folder, "site.key")
    if not os.path.exists(key):
        subprocess.run([exe, "keygen", key], check=True, capture_output=True)
    return key


def run_deid(exe, in_dir, files, key, options=()):
    """One `exe deid` run over files of in_dir; returns {file name: audit record}, a written record
    with the output's bytes under "bytes"."""
    dst = tempfile.mkdtemp(prefix="adv-out-")
    audit = os.path.join(dst, "audit.jsonl")
    args = [exe, "deid", "--key-file", key, "--output", os.path.join(dst, "out"), "--audit", audit,
            "--audit-paths", "plain", "--no-ocr-check"]
    for o in options:
        args += ["--option", o]
    subprocess.run(args + [os.path.join(in_dir, f) for f in files], capture_output=True)
    records = {}
    with open(audit, encoding="utf-8") as f:
        for rec in map(json.loads, f):
            if "record" in rec:
                continue  # the header
            if rec.get("status") == "written":
                with open(rec["output"], "rb") as o:
                    rec["bytes"] = o.read()
            records[os.path.basename(rec["input"])] = rec
    shutil.rmtree(dst, ignore_errors=True)
    return records


def count_leaks(exe, out_dir, cases):
    """De-identifies the cases with `exe`; returns {case: leaks} for outputs still carrying one."""
    records = run_deid(exe, out_dir, [c["file"] for c in cases], site_key(exe, out_dir))
    found = {c["name"]: leaks(records[c["file"]].get("bytes", b"")) for c in cases if c["file"] in records}
    return {name: f for name, f in found.items() if f}


if __name__ == "__main__":
    out = sys.argv[1]
    cases = generate(out)
    print(f"{len(cases)} cases in {out}")
    if len(sys.argv) > 3 and sys.argv[2] == "--count-leaks":
        found = count_leaks(sys.argv[3], out, cases)
        for name, f in sorted(found.items()):
            print(f"  leak: {name}: {', '.join(f)}")
        print(f"{len(found)} of {len(cases)} outputs carry a planted identifier")
