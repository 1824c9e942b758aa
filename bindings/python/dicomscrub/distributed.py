"""De-identify across a Dask cluster with one key, so every worker gives the same pseudonyms.

    from dask.distributed import Client
    from dicomscrub.distributed import deidentify_with_dask
    client = Client("scheduler:8786")
    results = deidentify_with_dask(client, ["/archive/2009"], "/export/out", key_file="/secure/site.key")

Inputs are split into batches in a fixed order; each worker builds one engine per process (cached)
and writes each output into a staging folder inside the shared output folder, named by its input's
index. The outputs are then settled in input order by one task (dicomscrub._tree): the first input
giving an output claims it, later ones are duplicates, so the tree is byte-identical to a
single-process run whatever the schedule. The key travels as a path (workers read it from a shared, private file system) or, with
key=..., inside the task: then the cluster's network must be trusted.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import os
import uuid

from . import Engine, PathLike, Result, _inputs, _tree


@functools.lru_cache(maxsize=4)
def _engine(profile: str, options: tuple, key_file: Optional[str], key_hex: Optional[str],
            mapping_dir: Optional[str] = None) -> Engine:
    if key_file:
        return Engine(profile=profile, options=list(options), key_file=key_file, mapping_dir=mapping_dir)
    return Engine(profile=profile, options=list(options), key=key_hex, mapping_dir=mapping_dir)


def _record(r: Result) -> Dict[str, Any]:
    return {"input": r.input, "status": r.status, "output_path": r.output_path, "reason": r.reason,
            "duplicate_of": r.duplicate_of}


def _run_batch(items: List[tuple], staging: str, profile: str, options: tuple, key_file: Optional[str],
               key_hex: Optional[str], mapping_dir: Optional[str] = None) -> List[Dict[str, Any]]:
    engine = _engine(profile, options, key_file, key_hex, mapping_dir)
    os.makedirs(staging, exist_ok=True)
    return [_record(_tree.stage(engine, p, os.path.join(staging, f"{i}.dcm"), False)) for i, p in items]


def _settle(records: List[Dict[str, Any]], staging: str, out_dir: str) -> List[Dict[str, Any]]:
    # Runs on a worker (it sees the shared output folder), after every batch is done.
    out = []
    for i, rec in enumerate(records):
        r = Result(status=rec["status"], reason=rec["reason"], output_path=rec["output_path"], input=rec["input"],
                   duplicate_of=rec["duplicate_of"])
        _tree.finish(r, os.path.join(staging, f"{i}.dcm"), out_dir)
        out.append(_record(r))
    import shutil

    shutil.rmtree(staging, ignore_errors=True)
    return out


def deidentify_with_dask(client: Any, inputs: Union[PathLike, Iterable[PathLike]], out_dir: PathLike,
                         key_file: Optional[PathLike] = None, key: Optional[bytes] = None, profile: str = "basic",
                         options: Sequence[str] = (), batch_size: int = 64, duplicates: str = "skip",
                         mapping_dir: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """Every file under `inputs` into out_dir on the cluster behind `client`. Returns one record per
    input (input, status ok/withheld/duplicate/error, output_path, reason, duplicate_of), in input
    order; duplicates as deidentify_tree's. With mapping_dir (a folder every worker can write, e.g.
    beside out_dir), the workers add their rows to one uid_mapping.csv and patid_mapping.csv under
    file locks."""
    if key_file is None and key is None:
        raise ValueError("a distributed run needs the site key (key_file or key): a one-time key per worker "
                         "would give every worker different pseudonyms")
    if duplicates not in _tree.POLICIES:
        raise ValueError(f"duplicates is one of {', '.join(_tree.POLICIES)}, not {duplicates!r}")
    if isinstance(options, str):
        options = [options]
    out_dir = os.fspath(out_dir)
    inside = os.path.realpath(out_dir) + os.sep
    files = [f for f in _inputs(inputs) if not os.path.realpath(f).startswith(inside)]
    staging = os.path.join(out_dir, f".dicomscrub-staging-{uuid.uuid4().hex}")
    items = list(enumerate(files))
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    key_hex = key.hex() if key is not None else None
    futures = client.map(_run_batch, batches, staging=staging, profile=profile, options=tuple(options),
                         key_file=str(key_file) if key_file is not None else None, key_hex=key_hex,
                         mapping_dir=str(mapping_dir) if mapping_dir is not None else None, pure=False)
    records: List[Dict[str, Any]] = []
    for batch in client.gather(futures):
        records.extend(batch)
    results = [Result(status=r["status"], reason=r["reason"], output_path=r["output_path"], input=r["input"]) for r in records]
    _tree.plan(results, duplicates, {})
    planned = [_record(r) for r in results]
    return client.submit(_settle, planned, staging, out_dir, pure=False).result()
