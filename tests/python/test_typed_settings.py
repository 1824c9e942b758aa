"""Cover-page handling is one typed setting (dicomscrub/settings.hpp) with one parser, reachable
from the CLI, a profile file, the C ABI's settings and Python, each refusing a bad value with the
same words; the C ABI could not pass it before."""
import json

import pytest

import burned_in as bi
from conftest import run

BAD = "not clean, identifiers or withhold"


def test_cover_pages_from_python_and_the_c_abi(tmp_path):
    import dicomscrub

    cover = bi.make_cover(str(tmp_path), "sc_typed", frames=1)
    held = dicomscrub.Engine(key=b"k" * 32, cover_pages="withhold").deidentify(open(cover.path, "rb").read())
    assert held.status == "withheld" and "policy withholds" in held.reason
    cleaned = dicomscrub.Engine(key=b"k" * 32, cover_pages="clean", ocr_check=False).deidentify(open(cover.path, "rb").read())
    assert cleaned.status == "ok"
    with pytest.raises(dicomscrub.ConfigError) as ei:
        dicomscrub.Engine(key=b"k" * 32, cover_pages="sometimes")
    assert BAD in ei.value.message
    with pytest.raises(dicomscrub.ConfigError):
        dicomscrub.Engine(key=b"k" * 32, ocr_check="maybe")  # neither true nor false reaches the library


def test_cover_pages_in_a_profile_is_overridden_by_the_setting(tmp_path):
    import dicomscrub

    prof = tmp_path / "site.json"
    prof.write_text(json.dumps({"extends": "basic", "pixels": {"cover_pages": "withhold"}}))
    cover = bi.make_cover(str(tmp_path), "sc_prof", frames=1)
    from_profile = dicomscrub.Engine(profile=str(prof), key=b"k" * 32).deidentify(open(cover.path, "rb").read())
    assert from_profile.status == "withheld"
    overridden = dicomscrub.Engine(profile=str(prof), key=b"k" * 32, cover_pages="clean", ocr_check=False)
    assert overridden.deidentify(open(cover.path, "rb").read()).status == "ok"


def test_the_cli_refuses_a_bad_value_before_anything_runs(tmp_path, key):
    p = run("deid", "--key-file", key, "--output", str(tmp_path / "o"), "--cover-pages", "sometimes", str(tmp_path), check=False)
    assert p.returncode == 2 and BAD in p.stderr
    assert not (tmp_path / "o").exists()
