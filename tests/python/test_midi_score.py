"""The synthetic archive of midi_archive.py, de-identified with the TCIA-style preset and scored by
the MIDI-B challenge's rules: every check passes (identifiers gone, dates shifted, UIDs and Patient
IDs consistent with the mapping tables, and what research needs kept), and nothing is withheld."""
import csv
import os

import pytest

import midi_archive as midi
from conftest import EXE


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("midi"))
    rows = midi.generate(out)
    return out, rows, midi.deidentify_and_score(EXE, out, rows)


def test_every_check_passes_and_nothing_is_withheld(scored):
    _, rows, (results, withheld) = scored
    assert withheld == []
    failed = [(r["action"], r["tag"], v, r["text"] or r["value"]) for r, v, ok in results if not ok]
    assert failed == [], failed[:10]
    by = midi.summary(results)
    # Every kind of check ran, each on many instances.
    assert set(by) == {"date_shifted", "patid_consistent", "pixels_retained", "tag_retained", "text_removed",
                       "text_retained", "uid_changed", "uid_consistent"}
    assert all(n >= 32 for _, n in by.values()), by


def test_the_scorer_fails_the_inputs_themselves(scored, tmp_path):
    # The inputs scored as if they were outputs (UIDs and IDs mapped to themselves): every removal,
    # shift and change check must fail, or the test above proves nothing.
    out, rows, _ = scored
    maps = tmp_path / "maps"
    maps.mkdir()
    for name, key in (("uid_mapping.csv", "uid"), ("patid_mapping.csv", "patid")):
        with open(maps / name, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id_old", "id_new"])
            for r in rows:
                if r["action"] == f"{key}_consistent":
                    w.writerow([r["value"], r["value"]])
    results, withheld = midi.score(os.path.join(out, "input"), rows, str(maps))
    assert withheld == []
    by = midi.summary(results)
    for action in ("text_removed", "date_shifted", "uid_changed"):
        assert by[action][0] == 0, (action, by[action])
    assert by["tag_retained"][0] == by["tag_retained"][1]  # what is kept is there
