#!/usr/bin/env python3
"""Run a Python peer de-identifier over a folder, in one process, as its documentation shows.

  peers_runner.py dicognito|deid SRC_DIR DST_DIR

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
    else:
        raise SystemExit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
