"""tools/include_policy.py: the repository passes it, and each rule it states fails on a small tree
that breaks it (so the include_policy test of `meson test` can fail)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "tools", "include_policy.py")

TABLE = """# test table
core
media
deid
capi

[public]
dataset.hpp  core
deid.hpp     deid
dicomscrub.h capi

[module]
codec

[front]
cli  deid/walk.hpp   the one allowed internal header
"""


def make_tree(root, files):
    base = {
        "lib/layers.txt": TABLE,
        "lib/core/core.hpp": '#include "dicomscrub/dataset.hpp"\n',
        "lib/media/media.hpp": '#include "core/core.hpp"\n',
        "lib/media/codec.hpp": '#include "media/media.hpp"\n',
        "lib/media/codec.cpp": '#include "media/codec.hpp"\n#include "dictionary_table.inc"\n#include <vector>\n',
        "lib/deid/walk.hpp": '#include "media/media.hpp"\n',
        "lib/capi/capi.cpp": '#include "dicomscrub/dicomscrub.h"\n#include "dicomscrub/deid.hpp"\n',
        "include/dicomscrub/dataset.hpp": "#include <string>\n",
        "include/dicomscrub/deid.hpp": '#include "dicomscrub/dataset.hpp"\n',
        "include/dicomscrub/dicomscrub.h": "#include <stddef.h>\n",
        "cli/main.cpp": '#include "commands.hpp"\n#include "dicomscrub/deid.hpp"\n#include "deid/walk.hpp"\n',
    }
    base.update(files)
    for rel, text in base.items():
        if text is None:
            continue
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def run(root):
    r = subprocess.run([sys.executable, SCRIPT, str(root)], capture_output=True, text=True)
    return r.returncode, r.stdout


def test_repository_follows_its_layers():
    code, out = run(ROOT)
    assert code == 0, out
    assert "include policy: ok" in out


def test_a_clean_small_tree_passes(tmp_path):
    make_tree(tmp_path, {})
    code, out = run(tmp_path)
    assert code == 0, out


# Each tree breaks one rule, and the policy names the file, the include and the rule.
BROKEN = {
    "include_up_the_layers": ({"lib/core/core.cpp": '#include "deid/walk.hpp"\n'},
                              "lib/core/core.cpp: layer core includes deid/walk.hpp of the higher layer deid"),
    "cycle_between_files": ({"lib/deid/a.hpp": '#include "deid/b.hpp"\n', "lib/deid/b.hpp": '#include "deid/a.hpp"\n'},
                            "include cycle between files: lib/deid/a.hpp -> lib/deid/b.hpp -> lib/deid/a.hpp"),
    "front_end_reaching_an_unlisted_internal_header": ({"cli/other.cpp": '#include "media/media.hpp"\n'},
                                                       "cli/other.cpp: front end includes internal header media/media.hpp"),
    "allowance_nobody_uses": ({"cli/main.cpp": '#include "dicomscrub/deid.hpp"\n'},
                              "allows cli to include deid/walk.hpp, which it no longer does"),
    "public_header_reaching_into_lib": ({"include/dicomscrub/deid.hpp": '#include "deid/walk.hpp"\n'},
                                        "include/dicomscrub/deid.hpp: public header includes deid/walk.hpp, which is not installed"),
    "engine_including_a_module_only_header": ({"lib/deid/pixels.cpp": '#include "media/codec.hpp"\n'},
                                              "lib/deid/pixels.cpp: includes media/codec.hpp, built only into the media module"),
    "folder_outside_the_table": ({"lib/extra/x.hpp": '#include "core/core.hpp"\n'},
                                 "lib/extra: a folder the layer table (lib/layers.txt) does not list"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_tree_breaking_one_rule_fails_naming_it(tmp_path, case):
    files, message = BROKEN[case]
    make_tree(tmp_path, files)
    code, out = run(tmp_path)
    assert code == 1
    assert message in out
