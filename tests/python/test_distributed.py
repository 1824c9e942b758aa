"""A local Dask cluster with two worker processes gives byte-identical outputs to one process."""
import os
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, run

distributed = pytest.importorskip("distributed")


def tree(d):
    out = {}
    for base, _, names in os.walk(d):
        for n in names:
            out[os.path.relpath(os.path.join(base, n), d)] = open(os.path.join(base, n), "rb").read()
    return out


def test_two_dask_workers_match_a_single_process(tmp_path, key):
    from dicomscrub.distributed import deidentify_with_dask

    corpus = tmp_path / "in"
    subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), str(corpus), "--tiny", "120"])
    inputs = [str(corpus / "tiny"), os.path.join(DATA, "phi")]
    single = tmp_path / "single"
    run("deid", "--key-file", key, "--output", str(single), "--jobs", "1", *inputs, check=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = deidentify_with_dask(client, inputs, tmp_path / "dask", key_file=key, batch_size=16)
        workers = {w for w in client.scheduler_info()["workers"]}
    assert len(workers) == 2
    assert len(results) == 125
    assert results[0]["input"] == str(corpus / "tiny" / sorted(os.listdir(corpus / "tiny"))[0])  # input order kept
    assert sum(r["status"] == "ok" for r in results) == 124  # 120 tiny + 4 PHI; planted.json is not DICOM
    assert tree(tmp_path / "dask") == tree(single)


def test_a_distributed_run_refuses_to_go_without_a_key(tmp_path):
    from dicomscrub.distributed import deidentify_with_dask

    with pytest.raises(ValueError, match="site key"):
        deidentify_with_dask(None, [os.path.join(DATA, "phi")], tmp_path / "o")
