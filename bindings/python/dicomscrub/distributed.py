"""De-identify across a Dask cluster with one key, so every worker gives the same pseudonyms.

    from dask.distributed import Client
    from dicomscrub.distributed import deidentify_with_dask
    client = Client("scheduler:8786")
    results = deidentify_with_dask(client, ["/archive/2009"], "/export/out", key_file="/secure/site.key")

Inputs are split into batches in a fixed order; each worker builds one engine per process (cached)
and writes into the shared output folder. Outputs are named by pseudonymized UIDs and renamed into
place without replacing, so they are byte-identical to a single-process run whatever the
schedule. The key travels as a path (workers read it from a shared, private file system) or, with
key=..., inside the task: then the cluster's network must be trusted.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import DicomscrubError, Engine, PathLike, _inputs


@functools.lru_cache(maxsize=4)
def _engine(profile: str, options: tuple, key_file: Optional[str], key_hex: Optional[str],
            mapping_dir: Optional[str] = None) -> Engine:
    if key_file:
        return Engine(profile=profile, options=list(options), key_file=key_file, mapping_dir=mapping_dir)
    return Engine(profile=profile, options=list(options), key=key_hex, mapping_dir=mapping_dir)


def _run_batch(paths: List[str], out_dir: str, profile: str, options: tuple, key_file: Optional[str],
               key_hex: Optional[str], mapping_dir: Optional[str] = None) -> List[Dict[str, Any]]:
    engine = _engine(profile, options, key_file, key_hex, mapping_dir)
    out = []
    for p in paths:
        try:
            r = engine.deidentify_to_dir(p, out_dir)
            out.append({"input": p, "status": r.status, "output_path": r.output_path, "reason": r.reason})
        except DicomscrubError as e:
            out.append({"input": p, "status": "error", "output_path": "", "reason": e.message})
    return out


def deidentify_with_dask(client: Any, inputs: Union[PathLike, Iterable[PathLike]], out_dir: PathLike,
                         key_file: Optional[PathLike] = None, key: Optional[bytes] = None, profile: str = "basic",
                         options: Sequence[str] = (), batch_size: int = 64,
                         mapping_dir: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """Every file under `inputs` into out_dir on the cluster behind `client`. Returns one record per
    input (input, status ok/withheld/error, output_path, reason), in input order. With mapping_dir
    (a folder every worker can write, e.g. beside out_dir), the workers add their rows to one
    uid_mapping.csv and patid_mapping.csv under file locks."""
    if key_file is None and key is None:
        raise ValueError("a distributed run needs the site key (key_file or key): a one-time key per worker "
                         "would give every worker different pseudonyms")
    files = _inputs(inputs)
    batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    key_hex = key.hex() if key is not None else None
    futures = client.map(_run_batch, batches, out_dir=str(out_dir), profile=profile, options=tuple(options),
                         key_file=str(key_file) if key_file is not None else None, key_hex=key_hex,
                         mapping_dir=str(mapping_dir) if mapping_dir is not None else None, pure=False)
    results: List[Dict[str, Any]] = []
    for batch in client.gather(futures):
        results.extend(batch)
    return results
