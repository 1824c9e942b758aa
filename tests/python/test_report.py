"""`dicomscrub report AUDIT --html OUT`: one self-contained page a reviewer opens offline, checked
in a real headless browser (Debian's chromium): counts, withheld inputs with their reasons, and
thumbnails of the OUTPUT frames with the blanked boxes outlined."""
import base64
import io
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

import burned_in as bi
from conftest import DATA, audit_records, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def reviewed_run(tmp_path, key, burned_withheld):
    covers = [bi.make_cover(str(tmp_path), "cover_native"), bi.make_cover(str(tmp_path), "cover_rle", codec="rle", frames=2)]
    out, audit, page = tmp_path / "out", tmp_path / "run.jsonl", tmp_path / "run.html"
    ct = os.path.join(DATA, "ct_explicit_le.dcm")
    p = run("deid", "--key-file", key, "--output", str(out), "--audit", str(audit), *[c.path for c in covers], ct, burned_withheld,
            check=False)
    assert p.returncode == 3, p.stdout + p.stderr  # the CT saying Burned In Annotation YES is withheld
    r = run("report", str(audit), "--html", str(page))
    assert r.returncode == 0 and "2 thumbnails" in r.stdout, r.stdout + r.stderr
    return covers, audit, page


def thumbnails(html):
    """(PNG image, [(x, y, w, h)] outlined) per thumbnail in the page."""
    found = []
    for fig in re.findall(r"<figure>(.*?)</figure>", html, re.S):
        png = re.search(r'src="data:image/png;base64,([^"]+)"', fig).group(1)
        rects = [tuple(float(v) for v in m) for m in
                 re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/>', fig)]
        found.append((Image.open(io.BytesIO(base64.b64decode(png))).convert("L"), rects))
    return found


def test_report_page_counts_reasons_and_output_thumbnails(reviewed_run):
    covers, audit, page = reviewed_run
    html = page.read_text(encoding="utf-8")
    assert "<script src" not in html and "http://" not in html and "https://" not in html  # self-contained
    assert '<td id="count-written">3</td>' in html and '<td id="count-withheld">1</td>' in html
    withheld = [r for r in audit_records(audit) if r["status"] == "withheld"][0]
    assert withheld["reason"].replace("&", "&amp;") in html and withheld["input"] in html
    thumbs = thumbnails(html)
    assert len(thumbs) == 2
    for img, rects in thumbs:
        assert rects, "no blanked box outlined"
        # The thumbnail shows the output: inside every outlined box the text is gone (blanked to
        # black), whereas the input has text there.
        for x, y, w, h in rects:
            box = img.crop((int(x) + 1, int(y) + 1, int(x + w) - 1, int(y + h) - 1))
            if box.width > 0 and box.height > 0:
                assert box.getextrema()[1] <= 8, "a blanked box is not blank in the thumbnail"


def test_report_renders_in_a_headless_browser(reviewed_run, tmp_path):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (tools/setup.sh installs it)")
    _, _, page = reviewed_run
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "thumbnails rendered: 2 of 2" in dom.stdout, dom.stderr[-2000:]
    shot = tmp_path / "shot.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()], capture_output=True, timeout=120)
    px = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    red = int(((px[..., 0] > 200) & (px[..., 1] < 80) & (px[..., 2] < 80)).sum())
    assert red > 100, "the outlines of blanked boxes were not drawn"


def test_report_refuses_what_is_not_an_audit(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text("not json\n")
    p = run("report", str(bad), "--html", str(tmp_path / "x.html"), check=False)
    assert p.returncode == 1 and "not an audit" in p.stderr
    assert run("report", str(bad), check=False).returncode == 2  # --html is required
