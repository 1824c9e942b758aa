"""A notebook-style walk through the Python bindings.

Run from the repository root after `pip install .` (or with PYTHONPATH=bindings/python and
DICOMSCRUB_LIBRARY=build/libdicomscrub.so):  python3 examples/python_example.py
"""
import os
import tempfile

import dicomscrub

# 1. A site key: make it once, keep it secret, keep it (same key -> same pseudonyms everywhere).
work = tempfile.mkdtemp()
key = os.path.join(work, "site.key")
dicomscrub.keygen(key)

# 2. An engine: the Basic Profile plus options, built once, shared by every thread.
engine = dicomscrub.Engine(key_file=key, options=["retain_long_modified_dates", "clean_descriptors"])

# 3. One file in memory.
sample = os.path.join("tests", "data", "phi", "Quixote_Zebulon", "CT_Zebulon_1.dcm")
result = engine.deidentify(open(sample, "rb").read())
print("status:", result.status, "->", result.output_path)
print("actions:", result.audit["actions"])

# 4. With pydicom, if it is installed.
try:
    import pydicom

    ds = engine.deidentify_dataset(pydicom.dcmread(sample))
    print("PatientName after:", repr(str(ds.PatientName)), "StudyDate after:", ds.StudyDate)
except ImportError:
    print("(pydicom not installed: skipping the Dataset round trip)")

# 5. A whole folder on two threads: one Result per input, malformed files included (status
# "error", the exception in .error), never a crash.
out = os.path.join(work, "out")
for r in dicomscrub.deidentify_tree(os.path.join("tests", "data"), out, engine=engine, workers=2):
    if r.status == "error":
        print("error:", os.path.basename(r.input), r.error.status, "at offset", r.error.offset, r.error.tag_path or "")
    elif not r.ok:
        print("withheld:", os.path.basename(r.input), "-", r.reason)
print("written:", sum(len(f) for _, _, f in os.walk(out)), "files under", out)
