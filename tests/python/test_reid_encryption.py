"""Encrypted Attributes Sequence (PS3.15 E.1.1): --encrypt-for seals the original values with CMS,
`dicomscrub reidentify` restores them byte for byte, a wrong key is refused, and GDCM's gdcmanon
decrypts ours and we decrypt its."""
import glob
import os
import re
import shutil
import subprocess

import pydicom
import pytest

from conftest import DATA, EXE, run
from reid_archive import make_archive

OPENSSL = shutil.which("openssl")
GDCMANON = shutil.which("gdcmanon")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if not OPENSSL:
        pytest.fail("the openssl command is needed to make test certificates (Debian: openssl)")
    d = tmp_path_factory.mktemp("pki")
    for name, args in {"rsa": ["-newkey", "rsa:2048"],
                       "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
                       "other": ["-newkey", "rsa:2048"]}.items():
        subprocess.run([OPENSSL, "req", "-x509", *args, "-nodes", "-keyout", str(d / f"{name}.key"), "-out",
                        str(d / f"{name}.pem"), "-subj", f"/CN=Test {name} recipient", "-days", "30"],
                       check=True, capture_output=True)
    return {n: (str(d / f"{n}.key"), str(d / f"{n}.pem")) for n in ("rsa", "ec", "other")}


def data_set_dump(path):
    """Our dump of the data set (tag, VR, length, value, nesting), without byte offsets or the
    File Meta (which every writer stamps with its own identity)."""
    out = subprocess.run([EXE, "dump", path], capture_output=True, text=True, check=True).stdout
    body = out.split("# Data Set", 1)[-1]
    return re.sub(r" at \d+", "", "\n".join(line for line in body.splitlines() if line and not line.startswith("#")))


def inputs_for(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in glob.glob(os.path.join(DATA, "*.dcm")) + glob.glob(os.path.join(DATA, "phi", "*.dcm")):
        shutil.copy(p, src / os.path.basename(p))
    make_archive(str(src / "archive"), patients=1, studies=1, series=1, instances=2)
    by_sop = {}
    for base, _, names in os.walk(src):
        for n in names:
            by_sop[str(pydicom.dcmread(os.path.join(base, n), force=True).SOPInstanceUID)] = os.path.join(base, n)
    return src, by_sop


def restored_files(d):
    return [os.path.join(b, n) for b, _, ns in os.walk(d) for n in ns]


def test_round_trip_restores_every_changed_attribute_byte_for_byte(tmp_path, key, pki):
    src, by_sop = inputs_for(tmp_path)
    p = run("deid", "--key-file", key, "--encrypt-for", pki["rsa"][1], "--encrypt-for", pki["ec"][1],
            "--output", str(tmp_path / "out"), str(src))
    assert p.returncode == 0, p.stdout + p.stderr
    outs = restored_files(tmp_path / "out")
    assert len(outs) == len(by_sop) == 18  # explicit/implicit/big endian, RLE, deflated, raw, charsets, PHI samples
    for o in outs:
        ds = pydicom.dcmread(o)
        assert ds.EncryptedAttributesSequence[0].EncryptedContentTransferSyntaxUID in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2")
        assert str(ds.SOPInstanceUID) not in by_sop
    for name in ("rsa", "ec"):  # every recipient opens it with its own key
        rdir = tmp_path / f"restored_{name}"
        p = run("reidentify", "--private-key", pki[name][0], "--output", str(rdir), str(tmp_path / "out"))
        assert p.returncode == 0 and "18 re-identified, 0 failed" in p.stdout, p.stdout + p.stderr
        restored = restored_files(rdir)
        assert len(restored) == 18
        for r in restored:
            orig = by_sop[str(pydicom.dcmread(r).SOPInstanceUID)]
            a, b = data_set_dump(orig), data_set_dump(r)
            assert a.count("\n") > 5 and a == b, orig


def test_reidentify_with_the_certificate_named(tmp_path, key, pki):
    src, by_sop = inputs_for(tmp_path)
    run("deid", "--key-file", key, "--encrypt-for", pki["rsa"][1], "--output", str(tmp_path / "out"), str(src / "archive"))
    p = run("reidentify", "--private-key", pki["rsa"][0], "--cert", pki["rsa"][1], "--output", str(tmp_path / "r"),
            str(tmp_path / "out"))
    assert "2 re-identified" in p.stdout
    p = run("reidentify", "--private-key", pki["rsa"][0], "--cert", pki["ec"][1], "--output", str(tmp_path / "r2"),
            str(tmp_path / "out"), check=False)
    assert p.returncode == 2 and "does not belong to the private key" in p.stderr


def test_a_wrong_key_is_refused_and_nothing_is_written(tmp_path, key, pki):
    src, _ = inputs_for(tmp_path)
    run("deid", "--key-file", key, "--encrypt-for", pki["rsa"][1], "--output", str(tmp_path / "out"), str(src / "archive"))
    p = run("reidentify", "--private-key", pki["other"][0], "--output", str(tmp_path / "r"), str(tmp_path / "out"), check=False)
    assert p.returncode == 1
    assert "0 re-identified, 2 failed" in p.stdout
    assert "cannot re-identify: this key cannot decrypt it" in p.stderr
    assert not (tmp_path / "r").exists()
    # An output made without --encrypt-for has nothing to restore.
    run("deid", "--key-file", key, "--output", str(tmp_path / "plain"), str(src / "archive"))
    p = run("reidentify", "--private-key", pki["rsa"][0], "--output", str(tmp_path / "r3"), str(tmp_path / "plain"), check=False)
    assert p.returncode == 1 and "no Encrypted Attributes Sequence" in p.stderr
    assert not (tmp_path / "r3").exists()


def test_bad_recipient_files_stop_the_run(tmp_path, key, pki):
    src, _ = inputs_for(tmp_path)
    p = run("deid", "--key-file", key, "--encrypt-for", pki["rsa"][0], "--output", str(tmp_path / "o"), str(src), check=False)
    assert p.returncode == 2 and "rsa.key" in p.stderr and "not a PEM X.509 certificate" in p.stderr
    p = run("reidentify", "--private-key", pki["rsa"][1], "--output", str(tmp_path / "r"), str(src), check=False)
    assert p.returncode == 2 and "not an unencrypted PEM private key" in p.stderr


def test_verify_treats_sealed_values_as_opaque_and_clear_ones_as_a_leak(tmp_path, key, pki):
    src, _ = inputs_for(tmp_path)
    run("deid", "--key-file", key, "--encrypt-for", pki["rsa"][1], "--output", str(tmp_path / "out"), str(src / "archive"))
    p = run("verify", str(tmp_path / "out"))
    assert p.returncode == 0 and "2 clean" in p.stdout, p.stdout
    # The same originals in the clear: a Modified Attributes Sequence outside any envelope, and
    # Encrypted Content that is not CMS.
    out = restored_files(tmp_path / "out")[0]
    ds = pydicom.dcmread(out)
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    item = Dataset()
    item.PatientName = "ZYMURGY^QUILLON1"
    ds.ModifiedAttributesSequence = Sequence([item])
    ds.EncryptedAttributesSequence[0].EncryptedContent = b"\x02\x00\x10\x00PN\x10\x00ZYMURGY^QUILLON1"
    leak = tmp_path / "leak.dcm"
    ds.save_as(leak)
    p = run("verify", "--json", str(leak))
    assert p.returncode == 3
    import json
    where = {f["where"] for f in json.loads(p.stdout)[0]["findings"] if f["kind"] == "unencrypted_original_values"}
    assert where == {"(0400,0550)", "(0400,0500)[0]/(0400,0520)"}


def test_python_engine_seals_for_a_certificate(tmp_path, key, pki):
    import dicomscrub

    src, by_sop = inputs_for(tmp_path)
    eng = dicomscrub.Engine(key_file=key, encrypt_for=[pki["ec"][1]])
    path = os.path.join(src, "archive", "p1", "st0", "se0", "0.dcm")
    r = eng.deidentify(open(path, "rb").read())
    assert r.ok and "EncryptedAttributesSequence" in r.dataset()
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x.dcm").write_bytes(r.data)
    rel = dicomscrub.reidentify_to_dir(tmp_path / "o" / "x.dcm", tmp_path / "r", private_key=pki["ec"][0])
    orig = pydicom.dcmread(path)
    assert rel == f"{orig.StudyInstanceUID}/{orig.SeriesInstanceUID}/{orig.SOPInstanceUID}.dcm"
    assert data_set_dump(str(tmp_path / "r" / rel)) == data_set_dump(path)
    with pytest.raises(dicomscrub.DicomscrubError, match="this key cannot decrypt it") as e:
        dicomscrub.reidentify_to_dir(tmp_path / "o" / "x.dcm", tmp_path / "r2", private_key=pki["rsa"][0])
    assert e.value.status == "input error" and not (tmp_path / "r2").exists()
    with pytest.raises(dicomscrub.DicomscrubError, match="not a PEM X.509 certificate"):
        dicomscrub.Engine(key_file=key, encrypt_for=[pki["ec"][0]])


@pytest.mark.skipif(not GDCMANON, reason="gdcmanon (Debian libgdcm-tools, installed by tools/setup.sh) is missing")
def test_gdcmanon_decrypts_ours_and_we_decrypt_gdcmanons(tmp_path, key, pki):
    src, by_sop = inputs_for(tmp_path)
    archive = os.path.join(src, "archive", "p1", "st0", "se0")
    # Ours -> gdcmanon -d, for an RSA and an EC recipient.
    for name in ("rsa", "ec"):
        out = tmp_path / f"ours_{name}"
        run("deid", "--key-file", key, "--encrypt-for", pki[name][1], "--output", str(out), archive)
        for o in restored_files(out):
            dst = tmp_path / f"gdcm_{name}_{os.path.basename(o)}"
            subprocess.run([GDCMANON, "-d", "-k", pki[name][0], "-i", o, "-o", str(dst)], check=True, capture_output=True)
            back = pydicom.dcmread(dst)
            orig = pydicom.dcmread(by_sop[str(back.SOPInstanceUID)])
            for kw in ("PatientName", "PatientID", "PatientBirthDate", "StudyInstanceUID", "SeriesInstanceUID",
                       "FrameOfReferenceUID", "StudyDate", "AccessionNumber", "InstitutionName", "ReferencedImageSequence"):
                assert back.get(kw) == orig.get(kw), kw
            assert "EncryptedAttributesSequence" not in back
    # gdcmanon -e -> ours.
    g = tmp_path / "gdcm_enc"
    g.mkdir()
    for i, p in enumerate(sorted(glob.glob(os.path.join(archive, "*.dcm")))):
        subprocess.run([GDCMANON, "-e", "-c", pki["rsa"][1], "-i", p, "-o", str(g / f"{i}.dcm")], check=True, capture_output=True)
        assert str(pydicom.dcmread(g / f"{i}.dcm").PatientName) != str(pydicom.dcmread(p).PatientName)
    p = run("reidentify", "--private-key", pki["rsa"][0], "--output", str(tmp_path / "r"), str(g))
    assert "2 re-identified, 0 failed" in p.stdout
    for r in restored_files(tmp_path / "r"):
        back = pydicom.dcmread(r)
        orig = pydicom.dcmread(by_sop[str(back.SOPInstanceUID)])
        for kw in ("PatientName", "PatientID", "PatientBirthDate", "StudyInstanceUID", "SeriesInstanceUID",
                   "StudyDate", "AccessionNumber", "InstitutionName", "ReferencedImageSequence"):
            assert back.get(kw) == orig.get(kw), kw
        assert "EncryptedAttributesSequence" not in back and "PatientIdentityRemoved" not in back
