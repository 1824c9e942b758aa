"""The sandboxed media worker (dicomscrub-media, lib/media/worker_*.cpp): codecs, OCR and PDF
cleaning run in a separate process locked down by seccomp, Landlock, no_new_privs and rlimits.

A worker that aborts, segfaults, hangs or tries what its sandbox forbids costs the one instance it
was working on (withheld, with the reason) and the next file of the batch is still written by a
fresh worker. Its outputs are byte-identical to the in-process path over the pixel matrix (every
native layout, every codec, acquisitions, a scanned PDF), with one job thread and with a pool.

The faults are the worker's test-only commands: with DICOMSCRUB_MEDIA_TEST=1 in its environment,
a job whose bytes hold "DSCRUB-MEDIA-TEST:<command>;" runs that command first."""
import ctypes
import filecmp
import json
import os
import random
import shutil
import subprocess

import pydicom
import pytest

import burned_in as bi
from conftest import EXE, ROOT, audit_records, run
from test_acquisitions import CASES as ACQUISITIONS
from test_pixel_exact import CORNER_RULE, layout_cases, native_file, random_samples

pytestmark = pytest.mark.skipif(not os.path.exists(bi.FONT_FILES[0]), reason="fonts-dejavu-core missing")


def deid(inputs, out, audit, key, *extra, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([EXE, "deid", "--key-file", key, "--output", str(out), "--audit", str(audit), "--audit-paths", "plain",
                           *extra, *map(str, inputs)], capture_output=True, text=True, env=e)


def faulty_cover(folder, name, command):
    """An RLE cover page whose codestream holds the worker's test marker (the decode job carries it).
    RLE, not native: native pixel data is copied by the engine itself and never reaches the worker."""
    case = bi.make_cover(str(folder), name, lines=4, codec="rle")
    ds = pydicom.dcmread(case.path)
    marker = f"DSCRUB-MEDIA-TEST:{command};".encode()
    at = 8 + 8 + 64  # past the empty offset table's item, the fragment's item header and the RLE header
    data = ds.PixelData
    ds.PixelData = data[:at] + marker + data[at + len(marker):]
    ds.save_as(case.path, enforce_file_format=True)
    return case.path


def by_input(audit):
    return {os.path.basename(r["input"]): r for r in audit_records(audit)}


def test_version_and_audit_header_say_where_media_work_runs(tmp_path, key):
    assert "worker process (dicomscrub-media: seccomp-bpf" in run("version").stdout
    assert "in-process" in subprocess.run([EXE, "version"], capture_output=True, text=True,
                                          env=dict(os.environ, DICOMSCRUB_MEDIA_MODE="in-process")).stdout
    deid([os.path.join(ROOT, "tests", "data", "ct_rle_2frame.dcm")], tmp_path / "out", tmp_path / "a.jsonl", key)
    with open(tmp_path / "a.jsonl", encoding="utf-8") as f:
        header = json.loads(f.readline())
    assert header["record"] == "header" and header["media"].startswith("worker process")


@pytest.mark.parametrize("command, reason", [
    ("abort", "media worker crashed: SIGABRT"),
    ("segv", "media worker crashed: SIG"),  # SIGSEGV; under ASan its report ends in abort()
    ("open-write", "media worker killed by its sandbox: SIGSYS"),
    ("socket", "media worker killed by its sandbox: SIGSYS"),
    ("exec", "media worker killed by its sandbox: SIGSYS"),
])
def test_a_worker_that_crashes_or_breaks_its_sandbox_costs_one_instance(tmp_path, key, command, reason):
    inputs = [faulty_cover(tmp_path, "a_fault", command), bi.make_cover(str(tmp_path), "b_clean", lines=4).path,
              faulty_cover(tmp_path, "c_fault", command), bi.make_cover(str(tmp_path), "d_clean", lines=4).path]
    p = deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key, DICOMSCRUB_MEDIA_TEST="1")
    assert p.returncode == 3, p.stdout + p.stderr
    rec = by_input(tmp_path / "a.jsonl")
    for fault in ("a_fault.dcm", "c_fault.dcm"):
        assert rec[fault]["status"] == "withheld" and reason in rec[fault]["reason"], rec[fault]
    for clean in ("b_clean.dcm", "d_clean.dcm"):  # a fresh worker after each crash
        assert rec[clean]["status"] == "written" and os.path.exists(rec[clean]["output"]), rec[clean]
    assert not os.path.exists("/tmp/dicomscrub-media-test-write")


CRASHES = os.path.join(ROOT, "tests", "media_crashes")


def test_codestreams_that_crash_gdcm_cost_one_instance_each(tmp_path, key):
    """Real codestreams on which Debian's GDCM asserts, segfaults or corrupts its heap (tests/media_crashes):
    in-process each one ends the whole batch; in the worker each is withheld and the batch goes on."""
    inputs = [tmp_path / "a_clean.dcm", tmp_path / "b_jpeg.dcm", tmp_path / "c_clean.dcm", tmp_path / "d_rle.dcm", tmp_path / "e_j2k.dcm",
              tmp_path / "f_clean.dcm"]
    for src, dst in (("jpeg_gdcm_assertion.dcm", 1), ("rle_gdcm_segfault.dcm", 3), ("j2k_heap_corruption.dcm", 4)):
        shutil.copy(os.path.join(CRASHES, src), inputs[dst])
    for i in (0, 2, 5):
        shutil.copy(bi.make_cover(str(tmp_path), f"clean{i}", codec="jpegls", lines=4).path, inputs[i])
    p = deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key)
    assert p.returncode == 3, p.stdout + p.stderr
    rec = by_input(tmp_path / "a.jsonl")
    assert rec["b_jpeg.dcm"]["status"] == "withheld" and "media worker crashed: SIGABRT" in rec["b_jpeg.dcm"]["reason"]
    for name in ("d_rle.dcm", "e_j2k.dcm"):
        assert rec[name]["status"] == "withheld" and "media worker crashed: SIG" in rec[name]["reason"], rec[name]
    for name in ("a_clean.dcm", "c_clean.dcm", "f_clean.dcm"):
        assert rec[name]["status"] == "written", rec[name]


def test_the_time_limit_per_job_is_honoured(tmp_path, key):
    inputs = [faulty_cover(tmp_path, "a_hang", "sleep"), bi.make_cover(str(tmp_path), "b_clean", lines=4).path]
    p = deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key, DICOMSCRUB_MEDIA_TEST="1", DICOMSCRUB_MEDIA_TIMEOUT="2")
    assert p.returncode == 3, p.stdout + p.stderr
    rec = by_input(tmp_path / "a.jsonl")
    assert rec["a_hang.dcm"]["status"] == "withheld" and "media worker timed out after 2 s" in rec["a_hang.dcm"]["reason"]
    assert rec["b_clean.dcm"]["status"] == "written"


def test_a_job_spinning_on_the_cpu_is_ended_by_its_cpu_limit(tmp_path, key):
    """RLIMIT_CPU per job (DICOMSCRUB_MEDIA_CPU_SECONDS, here far below the 300 s wall clock, so the
    CPU limit and not the engine's deadline ends the job): SIGXCPU, the instance withheld with
    that reason, and the next file written by a fresh worker."""
    inputs = [faulty_cover(tmp_path, "a_spin", "spin"), bi.make_cover(str(tmp_path), "b_clean", lines=4, codec="rle").path]
    p = deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key, DICOMSCRUB_MEDIA_TEST="1", DICOMSCRUB_MEDIA_CPU_SECONDS="1")
    assert p.returncode == 3, p.stdout + p.stderr
    rec = by_input(tmp_path / "a.jsonl")
    assert rec["a_spin.dcm"]["status"] == "withheld", rec["a_spin.dcm"]
    assert "media worker killed: SIGXCPU (over its CPU time limit)" in rec["a_spin.dcm"]["reason"], rec["a_spin.dcm"]
    assert rec["b_clean.dcm"]["status"] == "written" and os.path.exists(rec["b_clean.dcm"]["output"]), rec["b_clean.dcm"]


def test_native_pixel_data_is_cleaned_in_the_engine_and_never_reaches_the_worker(tmp_path, key):
    """Native frames need no codec: the engine copies them itself (shipping them to the worker and
    back cost more than the pixel path). Proof: a native XA run whose first bytes are the worker's
    abort command is cleaned and written in test mode, byte-identical to the in-process path,
    while the same command in an RLE codestream (a codec job) is withheld."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    case = bi.make_acquisition(str(inputs), "xa_native", "xa", frames=3, text_frames=[0, 2])
    ds = pydicom.dcmread(case.path)
    marker = b"DSCRUB-MEDIA-TEST:abort;"
    ds.PixelData = marker + ds.PixelData[len(marker):]
    ds.save_as(case.path, enforce_file_format=True)
    faulty_cover(inputs, "rle_abort", "abort")
    outputs = {}
    for mode in ("worker", "in-process"):
        out, audit = tmp_path / f"out_{mode}", tmp_path / f"a_{mode}.jsonl"
        p = deid([inputs], out, audit, key, "--no-ocr-check", DICOMSCRUB_MEDIA_TEST="1", DICOMSCRUB_MEDIA_MODE=mode)
        rec = by_input(audit)
        assert rec["xa_native.dcm"]["status"] == "written" and rec["xa_native.dcm"]["pixels"], (mode, rec, p.stderr)
        with open(rec["xa_native.dcm"]["output"], "rb") as f:
            outputs[mode] = f.read()
        if mode == "worker":
            assert rec["rle_abort.dcm"]["status"] == "withheld" and "media worker crashed: SIGABRT" in rec["rle_abort.dcm"]["reason"]
    assert outputs["worker"] == outputs["in-process"]


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION), x86-64


@pytest.mark.skipif(os.uname().machine != "x86_64" or landlock_abi() < 1, reason="no Landlock on this kernel (seccomp still applies)")
def test_files_outside_the_system_data_folders_cannot_be_read(tmp_path, key):
    inputs = [faulty_cover(tmp_path, "a_read", "read-secret")]
    deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key, DICOMSCRUB_MEDIA_TEST="1")
    rec = by_input(tmp_path / "a.jsonl")["a_read.dcm"]
    assert rec["status"] == "withheld" and "test: /etc/passwd could not be read (Permission denied)" in rec["reason"], rec


def test_without_the_worker_program_media_instances_are_withheld_with_the_reason(tmp_path, key):
    inputs = [bi.make_cover(str(tmp_path), "cover", lines=4).path, os.path.join(ROOT, "tests", "data", "ct_explicit_le.dcm")]
    p = deid(inputs, tmp_path / "out", tmp_path / "a.jsonl", key, DICOMSCRUB_MEDIA_WORKER=str(tmp_path / "nowhere"))
    rec = by_input(tmp_path / "a.jsonl")
    assert rec["cover.dcm"]["status"] == "withheld" and "media worker program is missing" in rec["cover.dcm"]["reason"], p.stderr
    assert rec["ct_explicit_le.dcm"]["status"] == "written"  # needs no media work


def test_the_worker_is_no_command():
    p = subprocess.run([os.path.join(os.path.dirname(os.path.dirname(EXE)), "dicomscrub-media")], capture_output=True, text=True)
    assert p.returncode == 2 and "not a command" in p.stderr


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The pixel test matrix: every native layout (with a one-pixel region rule), a cover page in
    every codec, the acquisitions, and the example cover page and scanned PDF."""
    folder = tmp_path_factory.mktemp("matrix")
    inputs = folder / "in"
    inputs.mkdir()
    rng = random.Random(17)
    for name, bits, stored, signed, samples, planar, big, vr in layout_cases():
        rows, cols, frames = rng.choice([3, 5, 7]), rng.choice([3, 5, 9]), rng.choice([1, 2, 3])
        native_file(str(inputs / f"layout_{name}.dcm"), random_samples(rng, stored, signed, samples, rows, cols, frames),
                    bits, stored, signed, planar, big, vr)
    for codec in bi.CODECS:
        bi.make_cover(str(inputs), f"cover_{codec}", codec=codec, photometric="RGB" if codec == "jpeg_lossy" else "MONOCHROME2")
    bi.make_cover(str(inputs), "cover_ybr", photometric="YBR_FULL", codec="jpeg_lossy", lines=6)
    for name, kind, kw in ACQUISITIONS:
        bi.make_acquisition(str(inputs), f"acq_{name}", kind, **kw)
    for f in os.listdir(os.path.join(ROOT, "examples", "burned_in")):
        shutil.copy(os.path.join(ROOT, "examples", "burned_in", f), inputs / f"example_{f}")
    rules = folder / "corner.json"
    rules.write_text(json.dumps(CORNER_RULE))
    key = str(folder / "site.key")
    run("keygen", key)
    return folder, inputs, rules, key


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_worker_outputs_are_byte_identical_to_the_in_process_path(matrix, jobs):
    folder, inputs, rules, key = matrix
    results = {}
    for mode, j in (("in-process", "1"), ("worker", jobs)):
        out, audit = folder / f"out_{mode}_{jobs}", folder / f"audit_{mode}_{jobs}.jsonl"
        p = deid([inputs], out, audit, key, "--pixel-rules", str(rules), "--jobs", j, DICOMSCRUB_MEDIA_MODE=mode)
        assert p.returncode in (0, 3), p.stdout + p.stderr
        results[mode] = (out, {k: (r["status"], r.get("reason"), r.get("pixels")) for k, r in by_input(audit).items()})
    (out_a, rec_a), (out_b, rec_b) = results["in-process"], results["worker"]
    assert rec_a == rec_b
    written = [k for k, r in rec_a.items() if r[0] == "written"]
    cleaned = [k for k, r in rec_a.items() if r[2]]
    assert len(rec_a) >= 50 and len(written) >= len(rec_a) - 2 and len(cleaned) >= 45, rec_a
    files_a = sorted(os.path.relpath(os.path.join(d, f), out_a) for d, _, fs in os.walk(out_a) for f in fs)
    files_b = sorted(os.path.relpath(os.path.join(d, f), out_b) for d, _, fs in os.walk(out_b) for f in fs)
    assert files_a == files_b and len(files_a) == len(written)
    _, mismatch, errors = filecmp.cmpfiles(out_a, out_b, files_a, shallow=False)
    assert not mismatch and not errors, mismatch + errors
