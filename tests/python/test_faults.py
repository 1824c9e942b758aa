"""Faults: whatever goes wrong, no partial output is left, the summary says what happened, and a
rerun of the same command finishes the rest."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import DATA, EXE, ROOT, run

PHI = os.path.join(DATA, "phi")


def files_under(d):
    return sorted(os.path.join(b, n) for b, _, ns in os.walk(d) for n in ns) if os.path.exists(d) else []


def no_temporaries(d):
    return not any(".dicomscrub-tmp-" in f for f in files_under(d))


def test_rerun_finishes_the_rest_and_keeps_identical_outputs(tmp_path, key):
    out = tmp_path / "out"
    first = run("deid", "--key-file", key, "--output", str(out), PHI, check=False)
    outs = [f for f in files_under(out) if f.endswith(".dcm")]
    assert len(outs) == 4
    before = {f: open(f, "rb").read() for f in outs}
    os.remove(outs[0])  # as if the first run had stopped before it
    again = run("deid", "--key-file", key, "--output", str(out), PHI, check=False)
    assert again.returncode == first.returncode
    assert "4 written" in again.stdout and "3 of the written were already present" in again.stdout
    assert {f: open(f, "rb").read() for f in files_under(out) if f.endswith(".dcm")} == before


def test_a_different_file_in_the_way_is_an_error_and_left_alone(tmp_path, key):
    out = tmp_path / "out"
    run("deid", "--key-file", key, "--output", str(out), PHI, check=False)
    victim = [f for f in files_under(out) if f.endswith(".dcm")][0]
    open(victim, "wb").write(b"not ours")
    p = run("deid", "--key-file", key, "--output", str(out), PHI, check=False)
    assert p.returncode == 1 and "a different file already exists" in p.stderr
    assert open(victim, "rb").read() == b"not ours"
    assert no_temporaries(out)


def test_unwritable_output_folder(tmp_path, key):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    p = run("deid", "--key-file", key, "--output", str(blocker), PHI, check=False)
    # Checked once before any input is read: one error naming the folder, not one per input.
    assert p.returncode == 2 and p.stderr.count("error:") == 1 and str(blocker) in p.stderr
    assert blocker.read_text().startswith("a file")


def test_full_disk_leaves_nothing_partial(tmp_path, key):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): full-disk behaviour not checked")
    try:
        big = tmp_path / "in"
        subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), str(big), "--ct", "3"])
        p = run("deid", "--key-file", key, "--output", str(mnt / "out"), str(big / "ct"), check=False)
        assert p.returncode == 1 and "No space left on device" in p.stderr
        assert "0 written" in p.stdout and "3 errors" in p.stdout
        assert [f for f in files_under(mnt) if f.endswith(".dcm")] == []
        assert no_temporaries(mnt)
    finally:
        subprocess.run(["umount", str(mnt)])


def test_signal_mid_batch_stops_cleanly_and_a_rerun_completes(tmp_path, key):
    corpus = tmp_path / "in"
    subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), str(corpus), "--tiny", "3000"])
    out = tmp_path / "out"
    proc = subprocess.Popen([EXE, "deid", "--key-file", key, "--output", str(out), "--jobs", "1", str(corpus / "tiny")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not any(f.endswith(".dcm") for f in files_under(out)):
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    written = [f for f in files_under(out) if f.endswith(".dcm")]
    if proc.returncode == 130:
        assert "interrupted:" in stdout and "not started" in stdout
        assert 0 < len(written) < 3000
    else:  # it finished before the signal landed: then everything is there
        assert proc.returncode == 0 and len(written) == 3000
    assert no_temporaries(out)
    for f in written[:: max(1, len(written) // 50)]:
        assert run("dump", f).returncode == 0  # every output that exists is whole
    p = run("deid", "--key-file", key, "--output", str(out), "--jobs", "2", str(corpus / "tiny"))
    assert p.returncode == 0 and "3000 written" in p.stdout
    assert len([f for f in files_under(out) if f.endswith(".dcm")]) == 3000
