import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.environ.get("DICOMSCRUB_EXE", os.path.join(ROOT, "build", "cli", "dicomscrub"))
DATA = os.path.join(ROOT, "tests", "data")


def run(*args, check=True):
    p = subprocess.run([EXE, *args], capture_output=True, text=True)
    if check and p.returncode not in (0, 3):
        raise AssertionError(f"dicomscrub {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def audit_records(path):
    """The per-input records of a deid audit file (without its header and summary records)."""
    with open(path, encoding="utf-8") as f:
        return [r for r in map(json.loads, f) if "record" not in r]


@pytest.fixture
def key(tmp_path):
    k = tmp_path / "site.key"
    run("keygen", str(k))
    return str(k)


def burned_image(tmp_path, name, sop_class, modality):
    """An 8x8 image that says it has burned-in text and gives no data regions or device rule."""
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds = FileDataset(str(tmp_path / name), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality, ds.BurnedInAnnotation = "QUIXOTE^ZEBULON", "88123456", modality, "YES"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(64)
    path = tmp_path / name
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


@pytest.fixture
def us_burned(tmp_path):
    """Ultrasound, Burned In Annotation YES, no data regions: every frame searched for text."""
    return burned_image(tmp_path, "us.dcm", "1.2.840.10008.5.1.4.1.1.6.1", "US")


@pytest.fixture
def burned_withheld(tmp_path):
    """CT, Burned In Annotation YES and no region rule: a trusted modality that says it carries
    text no rule can find, so it is withheld."""
    return burned_image(tmp_path, "ct_burned.dcm", "1.2.840.10008.5.1.4.1.1.2", "CT")


@pytest.fixture(scope="session")
def planted():
    with open(os.path.join(DATA, "phi", "planted.json"), encoding="utf-8") as f:
        return json.load(f)

# The bindings under test: the in-tree package over build/libdicomscrub.so, unless the caller
# points DICOMSCRUB_PYTHON_INSTALLED=1 at an installed one (tools/test.sh checks pip install too).
if not os.environ.get("DICOMSCRUB_PYTHON_INSTALLED"):
    import sys

    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    # Worker processes (Dask) import the package too: give them the same path.
    os.environ["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python") + os.pathsep + os.environ.get("PYTHONPATH", "")
    os.environ.setdefault("DICOMSCRUB_LIBRARY", os.path.join(ROOT, "build", "libdicomscrub.so"))
