"""Burned-in PHI: generated cover pages in every photometric interpretation and codec GDCM can
write are cleaned (not withheld), with the recall of their text lines measured and held to a floor;
region rules, ultrasound regions and the withholding of what cannot be cleaned; untouched images
keep their pixel data bit for bit."""
import json
import os

import numpy as np
import pydicom
import pytest

import burned_in as bi
from conftest import DATA, audit_records, run

pytestmark = pytest.mark.skipif(not all(os.path.exists(f) for f in bi.FONT_FILES[:4]), reason="fonts-dejavu-core missing")

# photometric, bits, planar, codecs: every combination GDCM writes for our generated images.
ALL = ["native", "rle", "jpeg_lossless", "jpegls", "j2k", "jpeg_lossy", "j2k_lossy"]
MATRIX = [
    ("MONOCHROME2", 8, 0, ALL),
    ("MONOCHROME2", 16, 0, ALL),  # jpeg_lossy: 12-bit JPEG extended (process 4)
    ("MONOCHROME1", 8, 0, ALL),
    ("MONOCHROME1", 16, 0, ["native", "rle"]),
    ("RGB", 8, 0, ALL),
    ("RGB", 8, 1, ["native", "rle", "jpeg_lossless", "j2k"]),
    ("YBR_FULL", 8, 0, ["native", "rle", "jpegls", "j2k", "jpeg_lossy"]),
    ("YBR_FULL_422", 8, 0, ["native"]),  # GDCM writes 4:2:2 input back as YBR_FULL in its codecs
    ("PALETTE COLOR", 8, 0, ["native", "rle", "jpeg_lossless", "jpegls", "j2k"]),
]
BACKGROUNDS = ["flat", "gradient", "noise"]


def deid_audit(tmp_path, key, paths, *extra):
    out = tmp_path / "out"
    p = run("deid", "--key-file", key, "--output", str(out), "--audit", str(tmp_path / "audit.jsonl"),
            "--audit-paths", "plain", *extra, *paths, check=False)
    records = audit_records(tmp_path / "audit.jsonl")
    return p, records


@pytest.fixture(scope="module")
def cover_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("covers")
    cases = []
    for pi, bits, planar, codecs in MATRIX:
        for codec in codecs:
            for bg in BACKGROUNDS:
                name = f"{pi.replace(' ', '_')}_{bits}_p{planar}_{codec}_{bg}"
                cases.append(bi.make_cover(str(folder), name, photometric=pi, bits=bits, planar=planar, codec=codec,
                                           background=bg, frames=2))
    key = str(folder / "site.key")
    run("keygen", key)
    p, records = deid_audit(folder, key, [c.path for c in cases])
    return cases, records, p


def test_every_generated_cover_page_is_cleaned_with_recall_floor(cover_results):
    cases, records, p = cover_results
    assert p.returncode == 0, p.stdout + p.stderr
    found = total = 0
    misses = []
    for case, rec in zip(cases, records):
        assert rec["status"] == "written", (case.name, rec["reason"])
        f, t = bi.recall(case, rec["output"])
        found, total = found + f, total + t
        if f < t:
            misses.append(f"{case.name}: {f}/{t}")
    print(f"text line recall {found}/{total} = {found / total:.4f} over {len(cases)} instances; misses: {misses}")
    assert total >= 1000
    assert found / total >= 0.99, misses


def test_cleaned_outputs_say_so_and_keep_their_syntax(cover_results):
    cases, records, _ = cover_results
    for case, rec in zip(cases, records):
        ds = pydicom.dcmread(rec["output"])
        assert ds.BurnedInAnnotation == "NO"
        assert "113101" in [i.CodeValue for i in ds.DeidentificationMethodCodeSequence]
        assert "Clean Pixel Data" in str(ds.DeidentificationMethod)
        ts = ds.file_meta.TransferSyntaxUID
        inp = pydicom.dcmread(case.path, stop_before_pixels=True).file_meta.TransferSyntaxUID
        if "lossy" in case.name:  # never a second lossy generation, and the first one is declared
            assert ts == pydicom.uid.ExplicitVRLittleEndian and ds.LossyImageCompression == "01"
        else:
            assert ts == inp, case.name
        assert "cover page" in rec["pixels"]


def test_multiframe_every_frame_and_fonts(tmp_path, key):
    case = bi.make_cover(str(tmp_path), "mf", photometric="MONOCHROME2", frames=6, codec="rle", lines=14)
    _, records = deid_audit(tmp_path, key, [case.path])
    found, total = bi.recall(case, records[0]["output"])
    assert total >= 6 * 8 and found == total
    assert "6 frame(s)" in records[0]["pixels"]


def test_cover_pages_withheld_by_policy(tmp_path, key):
    case = bi.make_cover(str(tmp_path), "sc", frames=1)
    p, records = deid_audit(tmp_path, key, [case.path], "--cover-pages", "withhold")
    assert p.returncode == 3 and records[0]["status"] == "withheld" and "cover page" in records[0]["reason"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.dcm"))
    bad = run("deid", "--key-file", key, "--output", str(tmp_path / "o2"), "--cover-pages", "sometimes", case.path, check=False)
    assert bad.returncode == 2 and "not clean, identifiers or withhold" in bad.stderr


def ct_image(tmp_path, name, **attrs):
    ds = pydicom.dcmread(os.path.join(DATA, "ct_explicit_le.dcm"))
    for k, v in attrs.items():
        setattr(ds, k, v)
    path = str(tmp_path / f"{name}.dcm")
    ds.save_as(path)
    return path, ds


def test_untouched_images_keep_pixel_data_bit_for_bit(tmp_path, key):
    path, ds = ct_image(tmp_path, "ct")
    _, records = deid_audit(tmp_path, key, [path])
    out = pydicom.dcmread(records[0]["output"])
    assert out.PixelData == ds.PixelData and "pixels" not in records[0]
    assert "113101" not in [i.CodeValue for i in out.DeidentificationMethodCodeSequence]


def test_burned_in_yes_without_rule_is_withheld(tmp_path, key):
    path, _ = ct_image(tmp_path, "ct_burned", BurnedInAnnotation="YES")
    p, records = deid_audit(tmp_path, key, [path])
    assert p.returncode == 3 and "no region rule" in records[0]["reason"]


def test_ctp_region_rule_blanks_its_rectangle_only(tmp_path, key):
    # CTP signature 2: GE dose screens carry the patient's name in the top 110 rows.
    rows = 128
    arr = (np.arange(rows * 512) % 251 + 1).astype(np.uint16).reshape(rows, 512)
    path, ds = ct_image(tmp_path, "dose", Manufacturer="GE MEDICAL SYSTEMS", CommentsOnRadiationDose="Total DLP 512",
                        BurnedInAnnotation="YES")
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = rows, 512, 16, 16, 15, 0
    ds.PixelData = arr.tobytes()
    ds.save_as(path)
    _, records = deid_audit(tmp_path, key, [path])
    assert records[0]["status"] == "written" and "ctp-02" in records[0]["pixels"]
    out = pydicom.dcmread(records[0]["output"]).pixel_array
    assert (out[:110] == 0).all() and (out[110:] == arr[110:]).all()


def test_site_rules_come_first(tmp_path, key):
    rules = tmp_path / "site_rules.json"
    rules.write_text(json.dumps({"rules": [{"name": "site corner", "when": {"element": "Modality", "equals": "CT"},
                                            "regions": [[0, 0, 4, 4]]}]}))
    path, ds = ct_image(tmp_path, "ct_site", BurnedInAnnotation="YES")
    _, records = deid_audit(tmp_path, key, [path], "--pixel-rules", str(rules))
    assert records[0]["status"] == "written" and "site corner" in records[0]["pixels"]
    out, inp = pydicom.dcmread(records[0]["output"]).pixel_array, ds.pixel_array
    assert (out[:4, :4] == 0).all() and (out[4:] == inp[4:]).all()
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": [{"when": {"element": "NoSuchKeyword", "equals": "x"}, "regions": []}]}')
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "o2"), "--pixel-rules", str(bad), path, check=False)
    assert p.returncode == 2 and "NoSuchKeyword" in p.stderr


def ultrasound_through_deid(tmp_path, key, us_burned, arr, region_box, name):
    """An ultrasound image with pixels `arr` and one data region (x0, y0, x1, y1): the cleaned pixels."""
    ds = pydicom.dcmread(us_burned)
    ds.Rows, ds.Columns = arr.shape
    ds.PixelData = arr.tobytes()
    region = pydicom.Dataset()
    region.RegionLocationMinX0, region.RegionLocationMinY0, region.RegionLocationMaxX1, region.RegionLocationMaxY1 = region_box
    ds.SequenceOfUltrasoundRegions = [region]
    path = str(tmp_path / f"{name}.dcm")
    ds.save_as(path)
    _, records = deid_audit(tmp_path, key, [path])
    assert records[0]["status"] == "written", records[0]["reason"]
    return pydicom.dcmread(records[0]["output"]).pixel_array


def test_ultrasound_blanked_outside_its_data_regions(tmp_path, key, us_burned):
    arr = np.full((32, 32), 200, np.uint8)
    out = ultrasound_through_deid(tmp_path, key, us_burned, arr, (8, 10, 23, 29), "us_regions")
    inside = np.zeros((32, 32), bool)
    inside[10:30, 8:24] = True
    assert (out[inside] == 200).all() and (out[~inside] == 0).all()


def test_video_and_photos_are_withheld(tmp_path, key, us_burned):
    ds = pydicom.dcmread(us_burned)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.4"  # VL Photographic
    del ds.BurnedInAnnotation
    path = str(tmp_path / "photo.dcm")
    ds.save_as(path)
    p, records = deid_audit(tmp_path, key, [path])
    assert records[0]["status"] == "withheld" and "visible light photo" in records[0]["reason"]


def test_undecodable_pixels_are_withheld_not_passed(tmp_path, key):
    case = bi.make_cover(str(tmp_path), "broken", codec="rle")
    ds = pydicom.dcmread(case.path)
    header = (1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56)
    ds.PixelData = pydicom.encaps.encapsulate([header + b"\x00\x00", header + b"\x00\x00"])  # 1 byte where 65,536 belong
    ds.save_as(case.path)
    p, records = deid_audit(tmp_path, key, [case.path])
    assert records[0]["status"] == "withheld" and "could not be cleaned" in records[0]["reason"]


def test_identifiers_only_policy_keeps_the_rest_of_a_report(tmp_path, key):
    lines = [("Patient: QUIXOTE ZEBULON", 10, 10, 20), ("Exam: CT ABDOMEN", 10, 60, 20), ("MRN 88123456", 10, 110, 20)]
    arr, masks = bi.render_lines(400, 160, lines)
    ds = bi.base_dataset(bi.SC, str(tmp_path / "report.dcm"))
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 160, 400, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = arr.tobytes()
    ds.save_as(str(tmp_path / "report.dcm"), enforce_file_format=True)
    _, records = deid_audit(tmp_path, key, [str(tmp_path / "report.dcm")], "--cover-pages", "identifiers")
    assert records[0]["status"] == "written", records[0]["reason"]
    out = pydicom.dcmread(records[0]["output"]).pixel_array
    assert (out[masks[0]] == 0).mean() >= 0.99 and (out[masks[2]] == 0).mean() >= 0.99  # name and MRN gone
    assert (out[masks[1]] == arr[masks[1]]).all()  # the exam line stays as it was


def test_ocr_check_withholds_text_a_rule_missed(tmp_path, key):
    # CTP signature 2 blanks rows 0-109 of a GE dose screen; this one has the name lower down.
    arr, _ = bi.render_lines(512, 200, [("DLP 512.3 mGy*cm", 10, 20, 20), ("QUIXOTE ZEBULON 1961-04-12", 10, 150, 22)], fg=255, bg=0)
    path, ds = ct_image(tmp_path, "dose_missed", Manufacturer="GE MEDICAL SYSTEMS", CommentsOnRadiationDose="Total DLP 512",
                        PatientName="QUIXOTE^ZEBULON")
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 200, 512, 16, 16, 15, 0
    ds.PixelData = (arr.astype(np.uint16) * 16).tobytes()
    ds.save_as(path)
    p, records = deid_audit(tmp_path, key, [path])
    assert records[0]["status"] == "withheld" and "still legible in frame 1" in records[0]["reason"]
    assert "QUIXOTE" not in records[0]["reason"]


def test_ultrasound_names_inside_the_data_region_are_blanked(tmp_path, key, us_burned):
    arr, masks = bi.render_lines(320, 200, [("QUIXOTE ZEBULON", 40, 120, 20), ("LIVER", 40, 60, 20)], fg=230, bg=20)
    out = ultrasound_through_deid(tmp_path, key, us_burned, arr, (0, 40, 319, 199), "us_named")
    assert (out[masks[0]] == 0).mean() >= 0.99
    assert (out[masks[1]] == arr[masks[1]]).all()


def test_profile_pixels_section_reaches_the_c_abi_and_python(tmp_path):
    import dicomscrub

    rules = tmp_path / "corner.json"
    rules.write_text(json.dumps({"rules": [{"name": "profile corner", "when": {"element": "Modality", "equals": "CT"},
                                            "regions": [[0, 0, 2, 2]]}]}))
    prof = tmp_path / "site.json"
    prof.write_text(json.dumps({"extends": "basic", "pixels": {"cover_pages": "withhold", "rules": "corner.json"}}))
    e = dicomscrub.Engine(profile=str(prof), key=b"k" * 32)
    cover = bi.make_cover(str(tmp_path), "sc_profile", frames=1)
    r = e.deidentify(open(cover.path, "rb").read())
    assert r.status == "withheld" and "policy withholds" in r.reason
    path, ds = ct_image(tmp_path, "ct_profile", BurnedInAnnotation="YES")
    r = e.deidentify(open(path, "rb").read())
    assert r.status == "ok" and (r.dataset().pixel_array[:2, :2] == 0).all()
    prof.write_text(json.dumps({"pixels": {"cover_pages": "sometimes"}}))
    with pytest.raises(dicomscrub.DicomscrubError) as ei:
        dicomscrub.Engine(profile=str(prof))
    assert "cover_pages" in ei.value.message


def test_without_the_media_module_cleaning_fails_closed(tmp_path, key):
    cover = bi.make_cover(str(tmp_path), "needs_codecs", codec="rle")
    path, ds = ct_image(tmp_path, "ct_plain")
    env = dict(os.environ, DICOMSCRUB_MEDIA_MODULE=str(tmp_path / "missing.so"))
    import subprocess

    from conftest import EXE
    p = subprocess.run([EXE, "deid", "--key-file", key, "--output", str(tmp_path / "o"), "--audit", str(tmp_path / "a.jsonl"),
                        "--audit-paths", "plain", cover.path, path], capture_output=True, text=True, env=env)
    records = {os.path.basename(r["input"]): r for r in audit_records(tmp_path / "a.jsonl")}
    assert p.returncode == 3
    assert records["needs_codecs.dcm"]["status"] == "withheld" and "media module" in records["needs_codecs.dcm"]["reason"]
    assert records["ct_plain.dcm"]["status"] == "written"  # what needs no codec does not need the module


def test_cleaned_outputs_are_byte_identical_across_runs_and_job_counts(tmp_path, key):
    paths = [bi.make_cover(str(tmp_path), f"det_{c}", codec=c, photometric="RGB" if c == "jpeg_lossy" else "MONOCHROME2").path
             for c in ("native", "rle", "jpegls", "j2k", "jpeg_lossy")]
    trees = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        run("deid", "--key-file", key, "--output", str(out), "--jobs", jobs, *paths)
        trees.append({str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*.dcm"))})
    assert len(trees[0]) == 5 and trees[0] == trees[1]
