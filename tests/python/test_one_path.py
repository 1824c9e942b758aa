"""One path from input to output bytes (lib/batch scrub_one): the CLI, and the C ABI's buffer,
file and folder calls give byte-identical outputs for the same input and key, including an input
large enough (over 8 MiB) that its pixel data is aligned to its page offset in the input. Before
scrub_one the buffer path skipped that alignment and gave other bytes than the file path."""
import glob
import os

import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from conftest import run

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def large_ct(path):
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "CT"
    # Long identifying values: removed or shortened, so the pixel data moves in the output.
    ds.PatientName = "Zebulon^Quixote^Alexander^Maximilian"
    ds.PatientID = "MRN-0000-1234-5678-9012"
    ds.InstitutionName = "Saint Somewhere General Hospital of the Long Name"
    ds.StudyDescription = "CT CHEST ABDOMEN PELVIS WITH CONTRAST"
    ds.Rows = ds.Columns = 2100  # 8.8 MB: over the 8 MiB past which read_file leaves values in the file
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    pixels = (np.arange(2100 * 2100, dtype=np.uint32) % 4096).astype(np.uint16)
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def test_cli_and_every_c_abi_path_give_the_same_bytes(tmp_path):
    import dicomscrub

    src = tmp_path / "large_ct.dcm"
    large_ct(src)
    key = tmp_path / "site.key"
    key.write_text(KEY_HEX + "\n")
    os.chmod(key, 0o600)

    engine = dicomscrub.Engine(key_file=str(key))
    from_buffer = engine.deidentify(src.read_bytes())
    assert from_buffer.ok, from_buffer
    dst = tmp_path / "file.dcm"
    engine.deidentify_file(src, dst)
    folder = engine.deidentify_to_dir(src, tmp_path / "folder")
    cli_out = tmp_path / "cli"
    run("deid", "-q", "--key-file", str(key), "--output", str(cli_out), str(src))
    (cli_file,) = glob.glob(str(cli_out / "**" / "*.dcm"), recursive=True)

    outputs = {
        "buffer": from_buffer.data,
        "file": dst.read_bytes(),
        "folder": (tmp_path / "folder" / folder.output_path).read_bytes(),
        "cli": open(cli_file, "rb").read(),
    }
    assert len(set(outputs.values())) == 1, {k: len(v) for k, v in outputs.items()}
    # The case the alignment exists for: the pixel data was moved, and padded back to its page offset.
    out = pydicom.dcmread(dst)
    assert (0x0002, 0x0102) in out.file_meta
    assert out.PixelData == pydicom.dcmread(src).PixelData
