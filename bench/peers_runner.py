#!/usr/bin/env python3
"""Run a Python peer de-identifier over a folder, in one process, as its documentation shows.

  peers_runner.py dicognito|deid|dcmanon SRC_DIR DST_DIR
  peers_runner.py fw-file-rs SRC_DIR DST_DIR PROFILE.yaml   (bench/fw_profile.py makes a Basic-sized one)

dcmanon (carecoders, Rust) returns the whole de-identified file as bytes; fw-file-rs (Flywheel, Rust)
de-identifies the header read up to the pixel data, and the rest of the input is appended as it is
(shutil.copyfileobj: read/write in user space, as a Python caller would).

(dicom-anonymizer and gdcmanon have command lines and are called directly by bench/run.py.)
"""
import os
import sys


def files(src):
    return sorted(os.path.join(d, n) for d, _, ns in os.walk(src) for n in ns)


def main():
    tool, src, dst = sys.argv[1:4]
    os.makedirs(dst, exist_ok=True)
    if tool == "dicognito":
        import pydicom
        from dicognito.anonymizer import Anonymizer

        anonymizer = Anonymizer()
        for i, f in enumerate(files(src)):
            ds = pydicom.dcmread(f)
            anonymizer.anonymize(ds)
            ds.save_as(os.path.join(dst, f"{i:06d}.dcm"))
    elif tool == "deid":
        import logging

        from deid.dicom import replace_identifiers

        logging.disable(logging.WARNING)
        replace_identifiers(dicom_files=files(src), output_folder=dst, overwrite=True, save=True)
    elif tool == "dcmanon":
        from dcmanon import Anonymizer

        anonymizer = Anonymizer()
        for i, f in enumerate(files(src)):
            out = anonymizer.anonymize(f)
            with open(os.path.join(dst, f"{i:06d}.dcm"), "wb") as o:
                o.write(out)
    elif tool == "fw-file-rs":
        import shutil

        from fw_file_rs.dcm import Context

        with open(sys.argv[4]) as p:
            ctx = Context().deid_profile(p.read())
        for i, f in enumerate(files(src)):
            header = ctx.read_until_pixels(f)
            with open(os.path.join(dst, f"{i:06d}.dcm"), "wb") as o, open(f, "rb") as rest:
                o.write(ctx.deid_header(header))
                rest.seek(len(header))
                shutil.copyfileobj(rest, o, 1 << 20)
    else:
        raise SystemExit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
