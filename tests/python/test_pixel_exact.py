"""The pixel path changes only what it paints: native pixel data of every bit depth, sign, sample
count, planar configuration, byte order and odd length comes back sample for sample (checked by
GDCM's decode, not ours) outside the painted pixel; images with nothing to paint keep their pixel
data bit for bit in their own transfer syntax; decoded colour is written as RGB; RT Images are not
cover pages."""
import json
import os
import random

import numpy as np
import pydicom
import pytest

import burned_in as bi
from conftest import audit_records, run

pytestmark = pytest.mark.skipif(not os.path.exists(bi.FONT_FILES[0]), reason="fonts-dejavu-core missing")

CORNER_RULE = {"rules": [{"name": "corner", "when": {"element": "Modality", "equals": "CT"}, "regions": [[0, 0, 1, 1]]}]}


def layout_cases():
    """(name, bits allocated, bits stored, signed, samples, planar, big endian, VR) — every corner of
    the native layouts the pixel path fills, odd sizes throughout."""
    cases = []
    for big in (False, True):
        for bits, stored in ((8, 8), (16, 12), (16, 16)):
            for signed in (0, 1):
                cases.append((bits, stored, signed, 1, 0, big, "OW" if bits == 16 else "OB"))
            for planar in (0, 1):
                cases.append((bits, stored, 0, 3, planar, big, "OW" if bits == 16 else "OB"))
        cases.append((8, 8, 0, 1, 0, big, "OW"))  # 8-bit samples in OW: big endian swaps them in pairs
        cases.append((8, 8, 0, 3, 0, big, "OW"))
    return [(f"{'be' if c[5] else 'le'}_{c[0]}_{c[1]}_{'s' if c[2] else 'u'}_{c[3]}x{c[4]}_{c[6]}",) + c for c in cases]


def random_samples(rng, stored, signed, samples, rows, cols, frames):
    lo, hi = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if signed else (0, (1 << stored) - 1)
    return np.array([[[[rng.randint(lo, hi) for _ in range(samples)] for _ in range(cols)] for _ in range(rows)] for _ in range(frames)])


def native_file(path, arr, bits, stored, signed, planar, big, vr):
    """Writes samples `arr` (frames, rows, cols, samples) as native pixel data in the layout given."""
    frames, rows, cols, samples = arr.shape
    dtype = np.dtype(("i" if signed else "u") + str(bits // 8)).newbyteorder(">" if big else "<")
    data = arr.transpose(0, 3, 1, 2) if planar else arr
    raw = np.ascontiguousarray(data).astype(dtype).tobytes()
    if len(raw) % 2:
        raw += b"\0"
    if big and bits == 8 and vr == "OW":  # words of two samples, most significant first
        raw = b"".join(raw[i + 1:i + 2] + raw[i:i + 1] for i in range(0, len(raw), 2))
    ds = bi.base_dataset("1.2.840.10008.5.1.4.1.1.2", path)
    del ds.ConversionType
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3:
        ds.PlanarConfiguration = planar
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, stored, stored - 1, signed
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.add_new(0x7FE00010, vr, raw)
    if big:
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRBigEndian
        pydicom.dcmwrite(path, ds, implicit_vr=False, little_endian=False, force_encoding=True)
    else:
        ds.save_as(path, enforce_file_format=True)


def test_native_reencoding_is_exact_for_every_layout(tmp_path, key):
    rules = tmp_path / "corner.json"
    rules.write_text(json.dumps(CORNER_RULE))
    rng = random.Random(15)
    cases, paths = [], []
    for name, bits, stored, signed, samples, planar, big, vr in layout_cases():
        rows, cols, frames = rng.choice([3, 5, 7]), rng.choice([3, 5, 9]), rng.choice([1, 2, 3])
        path = str(tmp_path / f"{name}.dcm")
        arr = random_samples(rng, stored, signed, samples, rows, cols, frames)
        native_file(path, arr, bits, stored, signed, planar, big, vr)
        _, as_read = bi.decoded_frames(path)
        assert (as_read.reshape(arr.shape) == arr).all(), f"{name}: the generator and GDCM disagree on the input"
        cases.append((name, arr))
        paths.append(path)
    out = tmp_path / "out"
    p = run("deid", "--key-file", key, "--output", str(out), "--audit", str(tmp_path / "a.jsonl"), "--pixel-rules", str(rules),
            "--no-ocr-check", *paths, check=False)
    records = audit_records(tmp_path / "a.jsonl")
    assert p.returncode == 0, p.stdout + p.stderr
    for (name, arr), rec in zip(cases, records):
        assert rec["status"] == "written" and "corner" in rec["pixels"], (name, rec)
        _, got = bi.decoded_frames(rec["output"])
        got = got.reshape(arr.shape)
        keep = np.ones(arr.shape, bool)
        keep[:, 0, 0, :] = False  # the painted pixel
        assert (got[keep] == arr[keep]).all(), name
    assert len(records) == len(layout_cases()) >= 20


def test_odd_big_endian_8_bit_keeps_its_last_sample(tmp_path, key):
    # Regression: 3x3 samples in OW, big endian: the last sample sits before the pad in its word.
    rules = tmp_path / "corner.json"
    rules.write_text(json.dumps(CORNER_RULE))
    path = str(tmp_path / "odd_be.dcm")
    arr = random_samples(random.Random(1), 8, 0, 1, 3, 3, 1)
    arr[0, 2, 2, 0] = 158
    native_file(path, arr, 8, 8, 0, 0, True, "OW")
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(tmp_path / "a.jsonl"),
            "--pixel-rules", str(rules), "--no-ocr-check", path, check=False)
    rec = audit_records(tmp_path / "a.jsonl")[0]
    assert rec["status"] == "written", rec
    _, inp = bi.decoded_frames(path)
    _, got = bi.decoded_frames(rec["output"])
    assert inp.reshape(-1)[8] == 158 and got.reshape(-1)[8] == 158
    assert (got.reshape(-1)[1:] == arr.reshape(-1)[1:]).all()


def test_nothing_to_blank_keeps_pixel_data_bit_for_bit(tmp_path, key):
    # Cover pages without text: searched and read back, but written as they came (no codec round
    # trip, no second lossy generation, the same transfer syntax).
    cases = [bi.make_cover(str(tmp_path), f"blank_{c}", codec=c, lines=0, photometric="RGB" if c == "jpeg_lossy" else "MONOCHROME2")
             for c in ("native", "rle", "jpeg_lossy", "j2k")]
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(tmp_path / "a.jsonl"),
            *[c.path for c in cases], check=False)
    records = audit_records(tmp_path / "a.jsonl")
    assert p.returncode == 0, p.stdout + p.stderr
    for case, rec in zip(cases, records):
        inp, out = pydicom.dcmread(case.path), pydicom.dcmread(rec["output"])
        assert out.file_meta.TransferSyntaxUID == inp.file_meta.TransferSyntaxUID, case.name
        assert "pixel data unchanged" in rec["pixels"] and out.BurnedInAnnotation == "NO"
        if "regions" in rec:  # lib/codestream removed non-image segments (an encoder's comment): the image stays
            assert (bi.decoded_frames(rec["output"])[1] == bi.decoded_frames(case.path)[1]).all(), case.name
        else:
            assert out.PixelData == inp.PixelData, case.name
    assert sum("regions" not in r for r in records) >= 3


def test_decoded_colour_is_written_as_rgb(tmp_path, key):
    case = bi.make_cover(str(tmp_path), "ybr", photometric="YBR_FULL", codec="jpeg_lossy", lines=6)
    inp = pydicom.dcmread(case.path)
    assert inp.PhotometricInterpretation.startswith("YBR")
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(tmp_path / "a.jsonl"), case.path, check=False)
    rec = audit_records(tmp_path / "a.jsonl")[0]
    assert rec["status"] == "written", rec
    out = pydicom.dcmread(rec["output"])
    assert out.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert out.PhotometricInterpretation == "RGB" and out.PlanarConfiguration == 0
    # Where nothing was blanked the colours are the input's (as pydicom converts them), within rounding.
    got = out.pixel_array.astype(int)
    kept = got.any(axis=-1)
    want = pydicom.pixels.pixel_array(case.path, as_rgb=True).astype(int)
    assert kept.mean() > 0.5 and np.abs(got[kept] - want[kept]).max() <= 3


def test_rt_image_is_not_a_cover_page(tmp_path, key):
    # RT Image has Conversion Type as Type 2: its dose pixels at the field edges must stay.
    path = str(tmp_path / "rt.dcm")
    ds = bi.base_dataset("1.2.840.10008.5.1.4.1.1.481.1", path)
    ds.Modality, ds.ConversionType, ds.RTImageLabel = "RTIMAGE", "DI", "PORTAL"
    arr = (np.arange(64 * 64) % 977).astype(np.uint16).reshape(64, 64)
    arr[:, :3] = 4000  # field edge
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=True)
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(tmp_path / "a.jsonl"), path, check=False)
    rec = audit_records(tmp_path / "a.jsonl")[0]
    assert rec["status"] == "written" and "pixels" not in rec, rec
    assert pydicom.dcmread(rec["output"]).PixelData == arr.tobytes()
