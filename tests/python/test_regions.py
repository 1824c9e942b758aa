"""Every output byte accounted for (issue 12): the generator in adversarial_regions.py hides the
patient's identifiers in every byte region that is not an ordinary text value; every case must be
written (the regions can be cleaned), carry none of them in any byte (ASCII any case, UTF-16LE/BE),
read back with pydicom and GDCM, and decode to the same pixels as the clean stream it came from."""
import json
import os
import shutil
import struct
import subprocess

import pytest

import adversarial_regions as adv
from conftest import audit_records, run

pydicom = pytest.importorskip("pydicom")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    if not shutil.which("gdcmconv"):
        pytest.fail("gdcmconv (GDCM) is required: tools/setup.sh installs it")
    base = tmp_path_factory.mktemp("regions")
    cases_dir = base / "cases"
    cases = adv.generate(str(cases_dir))
    key = base / "site.key"
    run("keygen", str(key))
    audit = base / "audit.jsonl"
    run("deid", "--key-file", str(key), "--output", str(base / "out"), "--audit", str(audit), "--no-ocr-check",
        "--audit-paths", "plain", *[str(cases_dir / c["file"]) for c in cases])
    records = {os.path.basename(r["input"]): r for r in audit_records(audit)}
    return {"dir": cases_dir, "cases": {c["name"]: c for c in cases}, "records": records, "tmp": base}


def names():
    # The case list without writing files: generate() is deterministic, so parametrize from a dry run.
    import tempfile
    d = tempfile.mkdtemp(prefix="regions-names-")
    try:
        return [c["name"] for c in adv.generate(d)]
    finally:
        shutil.rmtree(d, ignore_errors=True)


CASES = names()


def raw_pixels(path, tmp):
    """GDCM's decoding of a file (gdcmconv --raw), as bytes: also proves GDCM reads it."""
    dst = os.path.join(tmp, "raw-" + os.path.basename(path))
    p = subprocess.run(["gdcmconv", "--raw", path, dst], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return bytes(pydicom.dcmread(dst).PixelData)


def test_generator_covers_every_region():
    assert len(CASES) >= 40
    for region in ("preamble_tiff", "jpeg_baseline_app_exif", "jpegls_com", "j2k_tile_com", "jp2_boxes", "bot_text",
                   "missing_delimiter", "rle_header_slots", "high_bits_text", "text_as_OW_utf16", "encrypted_attributes",
                   "item_unknown_charset", "group_0002_in_item", "fake_registry_instance_uids"):
        assert region in CASES


@pytest.mark.parametrize("name", CASES)
def test_no_planted_identifier_survives(outcome, name):
    case = outcome["cases"][name]
    rec = outcome["records"][case["file"]]
    assert rec["status"] == "written", rec
    with open(rec["output"], "rb") as f:
        data = f.read()
    assert adv.leaks(data) == [], f"{name}: {adv.leaks(data)}"
    assert data[:128] == bytes(128) and data[128:132] == b"DICM"  # our own preamble, always zero
    ds = pydicom.dcmread(rec["output"])
    assert "PixelData" in ds
    src = os.path.join(outcome["dir"], case["file"])
    checks = case["checks"]
    if checks.get("not_an_image_to_gdcm"):  # GDCM decodes images of classes it knows only
        p = subprocess.run(["gdcmdump", rec["output"]], capture_output=True)
        assert p.returncode == 0 and b"1.3.6.1.4.1.99999.7.1" in p.stdout
    else:
        got = raw_pixels(rec["output"], str(outcome["tmp"]))  # GDCM reads and decodes every output
    if case["pixel_ref"]:
        # Only non-image bytes were removed: the decoded image is the clean stream's, bit for bit.
        assert got == raw_pixels(os.path.join(outcome["dir"], case["pixel_ref"]), str(outcome["tmp"]))
    if "native_mask" in checks:
        before = pydicom.dcmread(src).PixelData
        n = len(before) // 2
        want = [w & checks["native_mask"] for w in struct.unpack(f"<{n}H", before)]
        assert list(struct.unpack(f"<{n}H", ds.PixelData)) == want
    if checks.get("pixel_data_unchanged"):
        assert ds.PixelData == pydicom.dcmread(src).PixelData
    if "native_size" in checks:
        assert len(ds.PixelData) == checks["native_size"]
        assert ds.PixelData == pydicom.dcmread(src).PixelData[:checks["native_size"]]
    for keyword in checks.get("remapped", []):
        assert ds[keyword].value != pydicom.dcmread(src)[keyword].value
        assert ds[keyword].value.startswith("2.25.")
    for keyword, value in checks.get("kept", {}).items():
        assert ds[keyword].value == value
        assert ds.file_meta.MediaStorageSOPClassUID == ds.SOPClassUID
    if name == "private_sop_class":  # a private class is what the object is: kept, nested too
        assert ds.ReferencedImageSequence[0].ReferencedSOPClassUID == "1.3.6.1.4.1.99999.7.1"
        assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID.startswith("2.25.")
    for path in checks.get("audit_removed", []):
        assert rec["tags"].get(path) == "remove", rec["tags"]


def test_regions_are_reported_in_the_audit(outcome):
    rec = outcome["records"][outcome["cases"]["jpeg_baseline_app_exif"]["file"]]
    assert "APP1" in rec["regions"] and "rebuilt" in rec["regions"]
    rec = outcome["records"][outcome["cases"]["high_bits_text"]["file"]]
    assert "Bits Stored" in rec["regions"]
    # A clean stream is left as it is: no regions entry, pixel data bit for bit.
    rec = outcome["records"][outcome["cases"]["signed_sign_extended"]["file"]]
    assert "regions" not in rec


def test_clean_compressed_streams_pass_bit_for_bit(outcome, key, tmp_path):
    # GDCM's own JPEG-LS and RLE output carries nothing but image: the encapsulated element is
    # written back unchanged (same fragments, same bytes).
    for ref in ("jpegls", "rle", "jpeg_lossless_2frames"):
        src = os.path.join(outcome["dir"], "reference", f"{ref}.dcm")
        out = tmp_path / ref
        run("deid", "--key-file", key, "--output", str(out), "--no-ocr-check", src)
        written = [os.path.join(r, f) for r, _, fs in os.walk(out) for f in fs if f.endswith(".dcm")]
        assert len(written) == 1
        assert pydicom.dcmread(written[0]).PixelData == pydicom.dcmread(src).PixelData, ref


def test_unparseable_codestream_is_withheld(tmp_path, key):
    # A JPEG transfer syntax whose fragment is no JPEG: withheld with the reason, never passed.
    e = adv.base_elements(0)
    e[(0x7FE0, 0x0010)] = adv.encapsulated([adv.PLANT + b"  "])
    path = tmp_path / "bad.dcm"
    path.write_bytes(adv.dicom_file(e, "1.2.840.10008.1.2.4.70", sop_instance=f"{adv.ROOT_UID}.3.0"))
    audit = tmp_path / "a.jsonl"
    run("deid", "--key-file", key, "--output", str(tmp_path / "out"), "--audit", str(audit), str(path))
    rec = audit_records(audit)[0]
    assert rec["status"] == "withheld"
    assert "pixel data cannot be vouched for" in rec["reason"] and "JPEG" in rec["reason"]
    assert adv.PLANT.decode() not in rec["reason"]
