"""What a new user meets first, through the CLI installed as a symlink on PATH and run from a
temporary folder (issue 20): the media module is found, help and option checks, the duplicate
policy, the audit file, error messages naming the folder and the input, and the output folder
inside the input folder."""
import json
import os
import shutil
import subprocess

import pydicom
import pytest

import burned_in as bi
from conftest import DATA, EXE

PHI = os.path.join(DATA, "phi", "Quixote_Zebulon")


@pytest.fixture
def cli(tmp_path):
    """`dicomscrub` as a new user has it: a symlink in a bin folder on PATH, run from elsewhere."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(EXE), bindir / "dicomscrub")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DICOMSCRUB_MEDIA")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"

    def run(*args, extra_env=None):
        return subprocess.run(["dicomscrub", *map(str, args)], capture_output=True, text=True, cwd=work,
                              env={**env, **(extra_env or {})})

    run.work = work
    assert run("keygen", "site.key").returncode == 0
    return run


def records(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def outputs(folder):
    return sorted(str(p) for p in folder.rglob("*.dcm")) if folder.exists() else []


# --- the media module ---------------------------------------------------------------------------

def test_media_module_found_from_a_symlink_on_path(cli, tmp_path):
    cover = bi.make_cover(str(tmp_path), "rle_cover", codec="rle")  # needs GDCM's RLE codec
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", "a.jsonl", "--audit-paths", "plain", cover.path)
    assert p.returncode == 0, p.stdout + p.stderr
    rec = [r for r in records(cli.work / "a.jsonl") if "record" not in r][0]
    assert rec["status"] == "written" and "cover page" in rec["pixels"], rec
    assert rec["pixel_boxes"] and all(len(b) == 5 for b in rec["pixel_boxes"])
    assert rec["tags"]["(7FE0,0010)"] == "clean" and rec["actions"]["clean"] >= 1  # not the walk's "keep"


def test_missing_media_module_says_what_to_do_in_one_short_line(cli, tmp_path):
    cover = bi.make_cover(str(tmp_path), "rle_cover", codec="rle")
    p = cli("deid", "--key-file", "site.key", "--output", "out", cover.path,
            extra_env={"DICOMSCRUB_MEDIA_PATH": str(tmp_path / "nowhere")})
    assert p.returncode == 3
    reason = [line for line in p.stdout.splitlines() if "withheld 1:" in line][0]
    assert "DICOMSCRUB_MEDIA_PATH" in reason and str(tmp_path / "nowhere") in reason
    assert len(reason) < 400, reason
    # The variable names the folder holding the module: pointing it at the build folder works.
    p = cli("deid", "--key-file", "site.key", "--output", "out2", cover.path,
            extra_env={"DICOMSCRUB_MEDIA_PATH": os.path.dirname(os.path.dirname(os.path.abspath(EXE)))})
    assert p.returncode == 0, p.stdout + p.stderr


# --- help and options -------------------------------------------------------------------------

COMMANDS = ["deid", "report", "verify", "gateway", "keygen", "profile", "dump", "rewrite", "version"]


def test_help_lists_every_command_and_each_has_its_own_help(cli):
    p = cli("help")
    assert p.returncode == 0
    for c in COMMANDS:
        assert f"\n  {c} " in p.stdout
    for c in COMMANDS[:-1]:
        for form in ([c, "--help"], ["help", c], [c, "-h"]):
            h = cli(*form)
            assert h.returncode == 0 and h.stdout.startswith(f"usage: dicomscrub {c}"), (form, h.stdout, h.stderr)
    assert "--duplicates" in cli("deid", "--help").stdout
    assert not (cli.work / "--help").exists() and not (cli.work / "-h").exists()  # keygen --help wrote a key named --help


@pytest.mark.parametrize("args,message", [
    (["--jobs", "abc"], "--jobs needs a whole number from 1 to 256, not 'abc'"),
    (["-j", "0"], "--jobs needs a whole number from 1 to 256, not '0'"),
    (["--jobs=-2"], "not '-2'"),
    (["--jobs", "4x"], "not '4x'"),
    (["--duplicates", "keep"], "--duplicates is one of skip|error|suffix"),
    (["--audit-paths", "clear"], "--audit-paths is one of plain|hashed|none"),
    (["--frobnicate"], "unknown option --frobnicate"),
    (["--jobs"], "--jobs needs a value"),
])
def test_bad_options_are_usage_errors_before_anything_is_done(cli, args, message):
    p = cli("deid", "--key-file", "site.key", "--output", "out", PHI, *args)
    assert p.returncode == 2 and message in p.stderr and "deid --help" in p.stderr, p.stderr
    assert not (cli.work / "out").exists()


# --- duplicates -------------------------------------------------------------------------------

@pytest.fixture
def twice(tmp_path):
    """The same instance exported twice, the second copy differing in its pixels (kept bit for
    bit), so that which copy was written can be told from the output."""
    src = os.path.join(PHI, sorted(os.listdir(PHI))[0])
    a, b = tmp_path / "in" / "a_export", tmp_path / "in" / "b_export"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    shutil.copy(src, a / "img.dcm")
    ds = pydicom.dcmread(src)
    px = bytearray(ds.PixelData)
    px[0] ^= 0xFF
    ds.PixelData = bytes(px)
    ds.save_as(str(b / "img.dcm"))
    return tmp_path / "in", str(a / "img.dcm"), str(b / "img.dcm")


def test_duplicates_default_keeps_the_first_in_input_order_whatever_the_jobs(cli, twice):
    folder, first, second = twice
    trees = []
    for jobs in ("1", "2"):
        out = cli.work / f"out{jobs}"
        p = cli("deid", "--key-file", "site.key", "--output", out, "--jobs", jobs, folder)
        assert p.returncode == 0, p.stderr
        assert "1 written" in p.stdout and "1 duplicates (not written)" in p.stdout
        assert "already present" not in p.stdout  # no earlier run: nothing was "already present"
        assert f"duplicate: {second}: same instance as {first}" in p.stderr
        files = outputs(out)
        assert len(files) == 1 and pydicom.dcmread(files[0]).PixelData == pydicom.dcmread(first).PixelData
        trees.append(open(files[0], "rb").read())
    assert trees[0] == trees[1]
    # A rerun is the same again (nothing new is written, no error).
    p = cli("deid", "--key-file", "site.key", "--output", cli.work / "out1", folder)
    assert p.returncode == 0 and "1 of the written were already present" in p.stdout


def test_duplicates_error_and_suffix_policies(cli, twice):
    folder, first, second = twice
    p = cli("deid", "--key-file", "site.key", "--output", "e", "--duplicates", "error", folder)
    assert p.returncode == 1 and f"error: {second}: same instance as {first}" in p.stderr
    assert len(outputs(cli.work / "e")) == 1
    p = cli("deid", "--key-file", "site.key", "--output", "s", "--duplicates", "suffix", "--jobs", "2", folder)
    assert p.returncode == 0, p.stderr
    files = outputs(cli.work / "s")
    assert len(files) == 2 and any(f.endswith("-2.dcm") for f in files)
    second_copy = [f for f in files if f.endswith("-2.dcm")][0]
    assert pydicom.dcmread(second_copy).PixelData == pydicom.dcmread(second).PixelData


def test_dry_run_reports_duplicates_and_writes_nothing(cli, twice):
    folder, first, second = twice
    p = cli("deid", "--key-file", "site.key", "--dry-run", "--output", "d", folder)
    assert p.returncode == 0 and "1 duplicates" in p.stdout and "1 would be written" in p.stdout, p.stdout
    assert not (cli.work / "d").exists()


# --- the audit ------------------------------------------------------------------------------

def test_audit_header_streamed_records_timing_and_summary(cli):
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", "a.jsonl", "--option", "clean_descriptors", PHI)
    assert p.returncode == 0, p.stderr
    recs = records(cli.work / "a.jsonl")
    head, body, tail = recs[0], recs[1:-1], recs[-1]
    assert head["record"] == "header" and head["tool"] == "dicomscrub" and head["version"]
    assert head["profile"] == "basic" and head["options"] == ["clean_descriptors"]
    assert head["profile_digest"].startswith("sha256:") and len(head["profile_digest"]) == 71
    assert head["key_fingerprint"] and head["one_time_key"] is False and head["started"].endswith("Z")
    assert len(body) == len(os.listdir(PHI)) and all(r["time"].endswith("Z") and r["seconds"] >= 0 for r in body)
    assert tail["record"] == "summary" and tail["counts"]["written"] == len(body)
    # Actions say what they did: IDs become keyed tokens, dates are shifted, not "emptied".
    assert body[0]["tags"]["(0010,0020)"] == "token" and body[0]["tags"]["(0008,0050)"] == "token"
    assert "token (keyed)" in [l for l in cli("profile", "show").stdout.splitlines() if "AccessionNumber" in l][0]


def test_audit_paths_are_hashed_by_default(cli):
    for mode in ("default", "plain", "none"):
        extra = [] if mode == "default" else ["--audit-paths", mode]
        p = cli("deid", "--key-file", "site.key", "--output", f"o_{mode}", "--audit", f"{mode}.jsonl", *extra, PHI)
        assert p.returncode == 0, p.stderr
    hashed = (cli.work / "default.jsonl").read_text()
    assert "Quixote" not in hashed and "Zebulon" not in hashed  # the patient-named folder
    inputs = [r["input"] for r in records(cli.work / "default.jsonl") if "record" not in r]
    assert all(i.startswith("hmac:") for i in inputs) and len(set(inputs)) == len(inputs)
    # Keyed and stable: the same path under the same key gives the same name in another run.
    again = cli("deid", "--key-file", "site.key", "--output", "o_again", "--audit", "again.jsonl", PHI)
    assert again.returncode == 0
    assert [r["input"] for r in records(cli.work / "again.jsonl") if "record" not in r] == inputs
    assert "Quixote_Zebulon" in (cli.work / "plain.jsonl").read_text()
    assert all(r["input"] is None for r in records(cli.work / "none.jsonl") if "record" not in r)


def test_audit_is_opened_before_any_output_and_never_overwritten(cli, tmp_path):
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", tmp_path / "nowhere" / "a.jsonl", PHI)
    assert p.returncode == 2 and "cannot open the audit file" in p.stderr
    assert outputs(cli.work / "out") == []
    (cli.work / "old.jsonl").write_text("earlier run\n")
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", "old.jsonl", PHI)
    assert p.returncode == 2 and "already exists" in p.stderr and "--audit-append" in p.stderr
    assert (cli.work / "old.jsonl").read_text() == "earlier run\n" and outputs(cli.work / "out") == []
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", "new.jsonl", PHI)
    p = cli("deid", "--key-file", "site.key", "--output", "out", "--audit", "new.jsonl", "--audit-append", PHI)
    assert p.returncode == 0
    kinds = [r.get("record", "input") for r in records(cli.work / "new.jsonl")]
    assert kinds.count("header") == 2 and kinds.count("summary") == 2
    assert oct(os.stat(cli.work / "new.jsonl").st_mode & 0o777) == "0o600"


# --- errors and folders -----------------------------------------------------------------------

def test_unusable_output_folder_is_one_error_naming_it(cli, tmp_path):
    blocker = cli.work / "not-a-folder"
    blocker.write_text("x")
    p = cli("deid", "--key-file", "site.key", "--output", blocker / "sub", PHI)
    assert p.returncode == 2 and p.stderr.count("error:") == 1 and str(blocker / "sub") in p.stderr


def test_a_failing_output_subfolder_names_the_folder_and_the_input(cli):
    p = cli("deid", "--key-file", "site.key", "--output", "out", PHI)
    study = [d for d in (cli.work / "out").iterdir()][0]
    shutil.rmtree(study)
    study.write_text("a file where a study folder goes")
    p = cli("deid", "--key-file", "site.key", "--output", "out", PHI)
    assert p.returncode == 1
    line = [l for l in p.stderr.splitlines() if "cannot create the output folder" in l][0]
    assert PHI in line and str(study.name) in line


def test_output_folder_inside_the_input_folder_is_not_read_back(cli, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(PHI, inbox)
    n = len(os.listdir(inbox))
    for _ in range(2):
        p = cli("deid", "--key-file", "site.key", "--output", inbox / "deid", "--audit", f"a{_}.jsonl", inbox)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith(f"{n} inputs: {n} written"), p.stdout


def test_audit_file_inside_the_input_folder_is_not_read_even_by_another_name(cli, tmp_path):
    """Inputs are told from the output and the audit by device and inode, looked at only for links
    and entries bearing a left-out name (issue 18 replaced a canonical path per entry): a symbolic
    link to the audit file, the output folder given through a link or with a trailing slash are
    left out as before."""
    inbox = tmp_path / "inbox"
    shutil.copytree(PHI, inbox)
    n = len(os.listdir(inbox))
    (inbox / "audit.jsonl").write_text("")
    os.symlink(inbox / "audit.jsonl", inbox / "audit-link.jsonl")
    os.symlink(inbox, tmp_path / "inbox-link")
    p = cli("deid", "--key-file", "site.key", "--output", tmp_path / "inbox-link" / "deid", "--audit", inbox / "audit.jsonl", "--audit-append", inbox)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{n} inputs: {n} written"), p.stdout
    p = cli("deid", "--key-file", "site.key", "--output", f"{inbox / 'deid'}/", "--duplicates", "suffix", "--audit", inbox / "audit-link.jsonl", "--audit-append", inbox)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{n} inputs: {n} written"), p.stdout  # neither deid/ nor the audit read back


def test_installed_cli_in_a_moved_prefix_finds_its_media_module(tmp_path):
    """`meson install` into a staging root (as a package build does) puts the prefix elsewhere
    than configured: the program still finds PREFIX/LIBDIR/libdicomscrub_media.so from its own
    real location."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(EXE)))
    meson = shutil.which("meson")
    if not meson or not os.path.exists(os.path.join(build, "build.ninja")):
        pytest.skip("needs meson and the build tree")
    root = tmp_path / "root"
    p = subprocess.run([meson, "install", "-C", build, "--destdir", str(root), "--quiet", "--no-rebuild"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    installed = [x for x in root.rglob("dicomscrub") if x.is_file() and x.parent.name == "bin"][0]
    cover = bi.make_cover(str(tmp_path), "rle_cover", codec="rle")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DICOMSCRUB_MEDIA")}
    p = subprocess.run([str(installed), "deid", "--output", str(tmp_path / "o"), cover.path], capture_output=True, text=True,
                       env=env, cwd=tmp_path)
    assert p.returncode == 0 and "1 written" in p.stdout, p.stdout + p.stderr
