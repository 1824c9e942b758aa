"""Helpers for the gateway tests: a private network namespace (so every server the tests start
is reachable on 127.0.0.1 from inside it and from nowhere else, even DCMTK's storescp and
Orthanc, which bind every address), DCMTK's storescp/storescu, a temporary Orthanc, and a
PHI-planted study made from the shipped samples."""
import json
import os
import shutil
import signal
import subprocess
import time

import pydicom

from conftest import DATA, EXE

STORESCU = "/usr/bin/storescu"
STORESCP = "/usr/bin/storescp"
ECHOSCU = "/usr/bin/echoscu"
ORTHANC = "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def missing_tools():
    need = [STORESCU, STORESCP, ECHOSCU, shutil.which("unshare"), shutil.which("nsenter"), shutil.which("ip")]
    return [n for n in need if not n or not os.path.exists(n)]


class Namespace:
    """A network namespace with only the loopback interface, held open by a sleeping process."""

    def __init__(self):
        root = os.geteuid() == 0
        flags = ["-n"] if root else ["-r", "-n"]
        self.holder = subprocess.Popen(["unshare", *flags, "sh", "-c", "ip link set lo up && exec sleep 100000"])
        deadline = time.time() + 10
        target = f"/proc/{self.holder.pid}/ns/net"
        while time.time() < deadline:
            # Ready once the holder runs in its own namespace with lo up.
            if os.path.exists(target) and os.readlink(target) != os.readlink("/proc/self/ns/net"):
                out = subprocess.run(self.prefix(root) + ["ip", "-o", "link", "show", "lo"], capture_output=True, text=True)
                if "UP" in out.stdout.split(">")[0]:
                    break
            time.sleep(0.05)
        self.root = root

    def prefix(self, root=None):
        root = self.root if root is None else root
        base = ["nsenter", "-t", str(self.holder.pid), "-n"]
        return base if root else base + ["-U", "--preserve-credentials"]

    def popen(self, args, **kw):
        return subprocess.Popen(self.prefix() + list(args), **kw)

    def run(self, args, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.prefix() + list(args), **kw)

    def close(self):
        self.holder.kill()
        self.holder.wait()


def stop(proc, sig=signal.SIGTERM, timeout=30):
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def make_study(folder, count, planted):
    """`count` CT instances of the planted patient, each with its own SOP Instance UID."""
    os.makedirs(folder, exist_ok=True)
    src = os.path.join(DATA, "phi", "Quixote_Zebulon", "CT_Zebulon_1.dcm")
    root = planted["planted"]["uid_root"]
    paths = []
    for i in range(count):
        ds = pydicom.dcmread(src)
        ds.SOPInstanceUID = f"{root}.77.{i + 1}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        p = os.path.join(folder, f"ct{i:04}.dcm")
        ds.save_as(p)
        paths.append(p)
    return paths


def expected_uids(inputs, key, tmp):
    """The SOP Instance UIDs `dicomscrub deid` gives these inputs under this key."""
    out = os.path.join(tmp, "expected")
    subprocess.run([EXE, "deid", "--key-file", key, "--output", out, *inputs], check=True, capture_output=True)
    uids = {}
    for d, _, files in os.walk(out):
        for f in files:
            uids[f[: -len(".dcm")]] = os.path.join(d, f)
    return uids


def dataset_bytes(path):
    """The bytes after the File Meta group (whoever wrote the meta, the data set must be ours)."""
    b = open(path, "rb").read()
    off = 132
    while off + 8 <= len(b) and b[off:off + 2] == b"\x02\x00":
        vr = b[off + 4:off + 6]
        if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
            off += 12 + int.from_bytes(b[off + 8:off + 12], "little")
        else:
            off += 8 + int.from_bytes(b[off + 6:off + 8], "little")
    return b[off:]


def syntax(path):
    return str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def leaks(data, planted):
    """Planted values found in `data` (as written, and upper-cased as PN/CS would carry them)."""
    found = []
    for k, v in planted["planted"].items():
        for form in {v, v.upper(), v.replace("^", " ")}:
            if form.encode("utf-8") in data or form.encode("latin-1", "ignore") in data:
                found.append(k)
                break
    return found


class Storescp:
    def __init__(self, ns, folder, port, aet="SINK", extra=()):
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        env = dict(os.environ, TCP_NODELAY="1")
        self.proc = ns.popen([STORESCP, "-aet", aet, "-od", folder, "+B", *extra, str(port)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def files(self):
        return sorted(os.path.join(self.folder, f) for f in os.listdir(self.folder) if not f.startswith("."))

    def stop(self):
        stop(self.proc)


class Gateway:
    def __init__(self, ns, config_path, log_path):
        self.log = open(log_path, "ab")
        self.proc = ns.popen([EXE, "gateway", "--config", config_path], stdout=self.log, stderr=self.log)

    def stop(self, sig=signal.SIGTERM):
        stop(self.proc, sig)
        self.log.close()


def write_config(path, **config):
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


def report_lines(spool):
    p = os.path.join(spool, "reports.jsonl")
    if not os.path.exists(p):
        return []
    return [json.loads(line) for line in open(p) if line.strip()]


def status(spool):
    try:
        return json.load(open(os.path.join(spool, "status.json")))
    except (OSError, ValueError):
        return None


def echo_ok(ns, port, aet="MOD", aec="GW", extra=()):
    return ns.run([ECHOSCU, "-aet", aet, "-aec", aec, *extra, "127.0.0.1", str(port)]).returncode == 0


def storescu(ns, port, files, aet="MOD", aec="GW", extra=()):
    env = dict(os.environ, TCP_NODELAY="1")
    return ns.run([STORESCU, "-aet", aet, "-aec", aec, *extra, "127.0.0.1", str(port), *files], env=env)


class Orthanc:
    def __init__(self, ns, folder, dicom_port, http_port):
        os.makedirs(folder, exist_ok=True)
        self.http = f"http://127.0.0.1:{http_port}"
        self.ns = ns
        cfg = {
            "Name": "dicomscrub-test", "StorageDirectory": os.path.join(folder, "db"),
            "IndexDirectory": os.path.join(folder, "db"), "DicomAet": "ORTHANC", "DicomPort": dicom_port,
            "HttpPort": http_port, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
            "DicomAlwaysAllowStore": True, "Plugins": [DICOMWEB_PLUGIN] if os.path.exists(DICOMWEB_PLUGIN) else [],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "HttpDescribeErrors": True,
        }
        path = os.path.join(folder, "orthanc.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        self.log = open(os.path.join(folder, "orthanc.log"), "wb")
        self.proc = ns.popen([ORTHANC, path], stdout=self.log, stderr=self.log)
        wait_for(lambda: self.get("/system") is not None, 60, "Orthanc to start")

    def get(self, path, raw=False):
        r = self.ns.run(["curl", "-sf", self.http + path], capture_output=True, text=False)
        if r.returncode != 0:
            return None
        return r.stdout if raw else json.loads(r.stdout)

    def stop(self):
        stop(self.proc)
        self.log.close()


def make_certificates(folder):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all made here by openssl."""
    os.makedirs(folder, exist_ok=True)
    p = lambda n: os.path.join(folder, n)  # noqa: E731

    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2",
         "-subj", "/CN=dicomscrub test CA")
    for name in ("server", "client"):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(f"{name}.key"), "-out", p(f"{name}.csr"),
             "-subj", f"/CN=dicomscrub test {name}")
        ext = p(f"{name}.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        ossl("x509", "-req", "-in", p(f"{name}.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
             "-out", p(f"{name}.crt"), "-days", "2", "-extfile", ext)
    return p


# A STOW-RS receiver over HTTPS (Debian's Orthanc 1.10.1 crashes on its first HTTPS request, so the
# HTTPS case uses this instead): saves every application/dicom part as it came, answers 200.
STOW_RECEIVER = """
import http.server, os, ssl, sys
folder, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        ctype = self.headers["Content-Type"]
        boundary = ctype.split("boundary=")[1].split(";")[0].strip('"').encode()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.path == "/dicom-web/studies" and 'type="application/dicom"' in ctype
        for part in body.split(b"--" + boundary)[1:-1]:
            head, data = part.split(b"\\r\\n\\r\\n", 1)
            ok = ok and b"application/dicom" in head
            n = len(os.listdir(folder))
            open(os.path.join(folder, f"part{n:04}.dcm"), "wb").write(data[:-2])
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"""
