"""Conformance of de-identified outputs, judged by tools no one here wrote.

dciodvfy (dicom3tools) checks every input and its output against the IOD; an Error the output has
and its input did not is a defect we introduced. Orthanc (started here on 127.0.0.1, free ports,
temporary storage) receives every input and every output over C-STORE from DCMTK's storescu and
renders each instance's preview: an output must be accepted when its input was, and render when
its input rendered.

Used by test_conformance.py; run alone it prints the counts for a report:
    python3 tests/python/conformance.py [--orthanc] [--list-new]
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.environ.get("DICOMSCRUB_EXE", os.path.join(ROOT, "build", "cli", "dicomscrub"))
DCIODVFY = shutil.which("dciodvfy")
ORTHANC = "/usr/sbin/Orthanc"
STORESCU = "/usr/bin/storescu"  # DCMTK's, by full path: pynetdicom installs a script of the same name


def corpus_dir():
    d = os.environ.get("DICOMSCRUB_CORPUS") or os.path.join(ROOT, "..", "shared", "corpus")
    return d if os.path.isdir(d) else None


def input_roots():
    """The test corpora: our samples, the burned-in examples, and the shared corpus when present."""
    roots = [os.path.join(ROOT, "tests", "data"), os.path.join(ROOT, "examples", "burned_in")]
    c = corpus_dir()
    if c:
        roots.append(c)
    return roots


def deidentify(roots, out_dir, key_file, extra_args=()):
    """One batch over every input; returns {input path: output path} for the written ones."""
    audit = os.path.join(out_dir, "audit.jsonl")
    out = os.path.join(out_dir, "out")
    p = subprocess.run([EXE, "deid", "--key-file", key_file, "--output", out, "--audit", audit, "--audit-paths", "plain", "--jobs", "2",
                        *extra_args, *roots], capture_output=True, text=True)
    if p.returncode not in (0, 1, 3):  # 1: some inputs are malformed on purpose; 3: some withheld
        raise AssertionError(f"deid exited {p.returncode}: {p.stderr}")
    pairs = {}
    with open(audit, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)  # header and summary records have no status
            if rec.get("status") == "written" and rec.get("output"):
                o = rec["output"]
                pairs[rec["input"]] = o if os.path.isabs(o) else os.path.join(os.getcwd(), o)
    return pairs


# --- dciodvfy ---------------------------------------------------------------------------------

_VALUE = re.compile(r"= <.*?>(?= - |$)")
_CHAR = re.compile(r"(Character invalid for this VR) = '.*?' \(0x[0-9a-f]+\)")
_UID = re.compile(r"<[0-9]+(?:\.[0-9]+)+>")  # "StudyInstanceUID has same value as FrameOfReferenceUID <1.2.3>"
# "... not listed in CurrentRequestedProcedureEvidenceSequence ... but have IMAGE ReferencedSOPInstanceUID 1.2.3":
# a bare UID closing the message (the input's may be a malformed "0"; the output's is remapped).
_BARE_UID = re.compile(r"(UID) [0-9][0-9.]*$")


def normalise(line):
    """An Error line without the values and offsets in it, so input and output compare by kind."""
    line = _VALUE.sub("= <>", line)
    line = _CHAR.sub(r"\1", line)
    line = _UID.sub("<uid>", line.strip())
    line = _BARE_UID.sub(r"\1 <uid>", line)
    return line


# Errors dciodvfy never got to see in an input, {input (relative to the repository) -> message
# prefixes}. GH1376 holds its File Meta group twice (DCMTK's, then DCF's): dciodvfy stops at "Tags
# out of order" on it and never reads its content. An edit of a tag held twice now edits every copy
# (fuzz_reader_writer finding), so the output has one meta group, dciodvfy reads on and reports the
# input's own content: Laterality beside ImageLaterality, an empty View Modifier Code Sequence, a
# non-unit orientation vector (all three as in the input; none is ours); under Clean Descriptors its
# Procedure Code Sequence stays, with the input's own empty Coding Scheme Version.
UNSEEN_IN_INPUT = {
    "../shared/corpus/fo-dicom/GH1376.dcm": (
        "Error - Attribute present but empty (no value) even though condition not satisfied Type 1C Conditional Element=<CodingSchemeVersion>",
        "Error - Attribute present when condition unsatisfied (which may not be present otherwise) Type 2C Conditional Element=<Laterality>",
        "Error - Bad Sequence number of Items 0 (1-n Required by Module definition) Element=<ViewModifierCodeSequence>",
        "Error - Bad attribute Value Multiplicity Type 3 Optional Element=<ViewModifierCodeSequence>",
        "Error - Orientation vector is not unit vector for column vector of ImageOrientationPatient",
    ),
}


def unexpected(new):
    """{input relative to the repository: errors} of new_dciodvfy_errors' result, less UNSEEN_IN_INPUT."""
    left = {}
    for src, errs in new.items():
        rel = os.path.relpath(src, ROOT)
        errs = [e for e in errs if not e.startswith(UNSEEN_IN_INPUT.get(rel, ()))]
        if errs:
            left[rel] = errs
    return left


DCMCONV = "/usr/bin/dcmconv"
DEFLATED = b"1.2.840.10008.1.2.1.99"


def dciodvfy_errors(path):
    """The set of normalised Error messages, or None when dciodvfy itself crashed on the file."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if DEFLATED in head:
        # dciodvfy skips a deflated file's bulk data by seeking in the compressed bytes and then,
        # depending on the machine's load, reports "Seek failed": judge the data set DCMTK
        # inflated to Explicit VR Little Endian instead (the same elements, read by a third party).
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, "inflated.dcm")
            if subprocess.run([DCMCONV, "+te", path, plain], capture_output=True).returncode == 0:
                return _dciodvfy(plain)
    return _dciodvfy(path)


def _dciodvfy(path):
    p = subprocess.run([DCIODVFY, path], capture_output=True, text=True, errors="replace")
    if p.returncode < 0 or p.returncode > 1:
        return None
    lines = (p.stdout + p.stderr).splitlines()
    return {normalise(l) for l in lines if l.startswith("Error - ")}


def new_dciodvfy_errors(pairs):
    """{input: sorted list of errors its output has and it has not}; only inputs with new ones."""
    def check(item):
        src, dst = item
        before, after = dciodvfy_errors(src), dciodvfy_errors(dst)
        if after is None and before is not None:
            after = dciodvfy_errors(dst)  # once more: a crash under load is not the file's
            if after is None:
                return src, ["dciodvfy crashed on the output only"]
        if after is None:
            return src, []
        return src, sorted(after - (before or set()))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, sorted(pairs.items())))
    return {src: errs for src, errs in results if errs}


# --- Orthanc ----------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Orthanc:
    """A throwaway Orthanc on 127.0.0.1: no authentication, storage in a temporary folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="orthanc-")
        self.dicom_port, self.http_port = _free_port(), _free_port()
        config = {
            "Name": "DSCRUBTEST", "StorageDirectory": os.path.join(self.dir, "db"),
            "IndexDirectory": os.path.join(self.dir, "db"), "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "HttpPort": self.http_port, "DicomPort": self.dicom_port,
            "DicomAet": "ORTHANC", "DicomCheckCalledAet": False, "UnknownSopClassAccepted": True,
            "DicomServerEnabled": True, "HttpServerEnabled": True, "Plugins": [], "StorageCompression": False,
            "OverwriteInstances": True, "DicomScpTimeout": 30, "StableAge": 3600, "LogExportedResources": False,
        }
        cfg = os.path.join(self.dir, "orthanc.json")
        with open(cfg, "w", encoding="utf-8") as f:
            json.dump(config, f)
        self.log = open(os.path.join(self.dir, "orthanc.log"), "w")
        self.proc = subprocess.Popen([ORTHANC, cfg], stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.http_port}"
        for _ in range(300):
            try:
                self.get("/system")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Orthanc did not start")

    def get(self, path, method="GET"):
        req = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()

    def instances(self):
        return set(json.loads(self.get("/instances")[1]))

    def store_and_render(self, path):
        """(accepted, rendered) for one file sent by storescu; Orthanc is left empty again."""
        subprocess.run([STORESCU, "-aet", "DSCRUB", "-aec", "ORTHANC", "127.0.0.1", str(self.dicom_port), path],
                       capture_output=True, timeout=120)
        new = self.instances()
        if not new:
            return False, False
        rendered = True
        for i in new:
            try:
                status, body = self.get(f"/instances/{i}/preview")
                rendered = rendered and status == 200 and len(body) > 0
            except urllib.error.HTTPError:
                rendered = False
            self.get(f"/instances/{i}", method="DELETE")
        return True, rendered

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def orthanc_regressions(pairs):
    """Counts and the outputs that Orthanc refused or could not render although their input passed."""
    server = Orthanc()
    try:
        counts = {"inputs_accepted": 0, "inputs_rendered": 0, "outputs_accepted": 0, "outputs_rendered": 0}
        refused, unrendered = [], []
        for src, dst in sorted(pairs.items()):
            in_ok, in_render = server.store_and_render(src)
            out_ok, out_render = server.store_and_render(dst)
            counts["inputs_accepted"] += in_ok
            counts["inputs_rendered"] += in_render
            counts["outputs_accepted"] += out_ok
            counts["outputs_rendered"] += out_render
            if in_ok and not out_ok:
                refused.append(src)
            if in_render and not out_render:
                unrendered.append(src)
        return counts, refused, unrendered
    finally:
        server.stop()


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "site.key")
        subprocess.run([EXE, "keygen", key], check=True, capture_output=True)
        pairs = deidentify(input_roots(), tmp, key)
        new = new_dciodvfy_errors(pairs)
        total = sum(len(v) for v in new.values())
        print(f"dciodvfy: {len(pairs)} outputs, {total} new errors in {len(new)} outputs")
        if "--list-new" in argv:
            for src, errs in new.items():
                for e in errs:
                    print(f"  {os.path.relpath(src, ROOT)}: {e}")
        if "--orthanc" in argv:
            counts, refused, unrendered = orthanc_regressions(pairs)
            print(f"orthanc: {counts}; outputs refused whose input was accepted: {len(refused)}; "
                  f"not rendered whose input rendered: {len(unrendered)}")
            for s in refused:
                print(f"  refused: {os.path.relpath(s, ROOT)}")
            for s in unrendered:
                print(f"  not rendered: {os.path.relpath(s, ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
