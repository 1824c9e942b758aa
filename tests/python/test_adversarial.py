"""Identifiers hidden where the collector or the detector might not look, or spelled as it might
not know (tests/python/adversarial_identifiers.py): every case is caught (withheld, or written with
none of the planted identifier's spellings in any byte), and every control (the same file with a
neutral word instead) is written, so catching cannot come from withholding everything."""
import os
import shutil

import pytest

import adversarial_identifiers as adv
from conftest import EXE, run

CASES = [c["name"] for c in adv.CASES]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    base = tmp_path_factory.mktemp("adv-ids")
    manifest = adv.generate(str(base / "cases"))
    key = str(base / "site.key")
    run("keygen", key)
    return adv.outcome(manifest, adv.deidentify(EXE, str(base / "cases"), manifest, key))


def test_generator_covers_both_families():
    families = {c["family"] for c in adv.CASES}
    assert families == {"collector", "hiding"}
    assert len(CASES) == len(set(CASES)) >= 45
    for name in ("duplicate_patient_name", "patient_name_over_256k", "original_attributes_birth_date", "un_sequence_implicit_items",
                 "icon_image_pixels", "sr_text_homoglyphs", "percent_encoded_name", "base64_name", "zlib_text_in_lut_data"):
        assert name in CASES


@pytest.mark.parametrize("name", CASES)
def test_planted_identifier_does_not_leave(results, name):
    r = results[name]
    assert r["status"] in ("written", "withheld", "error"), r
    assert r["leaked"] == [], f"{name}: {r['leaked']} in the written output"


@pytest.mark.parametrize("name", CASES)
def test_control_is_written(results, name):
    r = results[name]
    assert r["control"] == r["control_expected"], f"{name} control: {r['control']} {r['control_reason']}"
    assert r["control_leaked"] == []


def test_leak_check_sees_every_spelling():
    # The check the cases are judged by must itself find what it looks for, in every form planted.
    for data in (b"xx QUAGMIREWELL yy", "Quägmïrewell".encode(), "Quаgmirеwell".encode(), "Quagmirewell".encode("utf-16-le"),
                 b"%51%75%61%67%6D%69%72%65%77%65%6C%6C", b"UXVhZ21pcmV3ZWxsIFBoaWxpcHBh", b"Q U A G-M I R E W E L L",
                 b"&#81;uagmirewell", b"\\u0051uagmirewell", b"\0\1" + adv.zlib.compress(b"Quagmirewell"),
                 "ＱＵＡＧＭＩＲＥＷＥＬＬ".encode()):
        assert adv.leaks(data, ["quagmirewell"]) == ["quagmirewell"], data
    assert adv.leaks(b"17.09.1958", adv.date_spellings("19580917"))
    assert adv.leaks(b"17 Sep 1958", adv.date_spellings("19580917"))
    assert adv.leaks(b"SOFT TISSUE", ["quagmirewell"]) == []
    assert sum(c["control"] == "written" for c in adv.CASES) >= len(CASES) - 1  # withheld by policy: the CDA only
