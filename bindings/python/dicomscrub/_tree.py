"""deidentify_tree and deidentify_with_dask share this: every input is de-identified into a
staging file named by its input index (in parallel), then the outputs are settled in input order:
the first input giving an output path claims it, a later one is a duplicate (skipped, an error, or
written with a suffix, as the CLI's --duplicates). So which copy of an instance exported twice is
written never depends on scheduling, and the tree is byte-identical to the CLI's."""
from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from . import DicomscrubError, OutputError, Result

POLICIES = ("skip", "error", "suffix")


def stage(engine: Any, path: str, staged: Optional[str], dry_run: bool) -> Result:
    """De-identify one input into `staged` (or only decide, in a dry run); errors become Results."""
    try:
        if dry_run:
            r = engine.deidentify(path)
            r.data = None
            return r
        return engine.deidentify_file(path, staged)
    except DicomscrubError as e:
        if not e.input:
            e.input = path
        return Result(status="error", reason=e.message, input=path, error=e)


def with_suffix(rel: str, n: int) -> str:
    base, ext = os.path.splitext(rel)
    return f"{base}-{n}{ext}"


def settle_one(staged: str, final: str) -> bool:
    """Moves `staged` to `final` without ever replacing a file; True when an identical file was
    already there (an earlier run). Raises OutputError when a different file is in the way."""
    os.makedirs(os.path.dirname(final), exist_ok=True)
    try:
        try:
            os.link(staged, final)
            return False
        except FileExistsError:
            if filecmp.cmp(staged, final, shallow=False):
                return True
            raise OutputError(f"{final}: a different file already exists at the output path; left as it is",
                              status="i/o error")
        except OSError:  # no hard links here: check, then rename (the output folder is ours)
            if os.path.exists(final):
                if filecmp.cmp(staged, final, shallow=False):
                    return True
                raise OutputError(f"{final}: a different file already exists at the output path; left as it is",
                                  status="i/o error")
            os.rename(staged, final)
            return False
    finally:
        if os.path.exists(staged):
            os.unlink(staged)


def plan(results: List[Result], duplicates: str, claimed: Dict[str, Tuple[str, int]]) -> None:
    """Marks duplicates in input order (results[i] is input i's); `claimed` carries output path ->
    (first input, copies so far) across calls, so results may be planned as they arrive."""
    for r in results:
        if r.status != "ok" or not r.output_path:
            continue
        first = claimed.get(r.output_path)
        if first is None:
            claimed[r.output_path] = (r.input, 1)
            continue
        copies = first[1] + 1
        claimed[r.output_path] = (first[0], copies)
        r.duplicate_of = first[0]
        if duplicates == "suffix":
            r.output_path = with_suffix(r.output_path, copies)
            continue
        why = f"same instance as {first[0]} (same output {r.output_path}); not written"
        if duplicates == "error":
            err = OutputError(f"{r.input}: {why}", status="i/o error", input=r.input)
            r.status, r.reason, r.error = "error", err.message, err
        else:
            r.status, r.reason = "duplicate", why


def finish(r: Result, staged: Optional[str], dst: str) -> None:
    """Settles input's staged output as planned; removes it when it is not to be written."""
    if staged is None:
        return
    if r.status != "ok":
        if os.path.exists(staged):
            os.unlink(staged)
        return
    try:
        r.already_present = settle_one(staged, os.path.join(dst, r.output_path))
    except OutputError as e:
        e.input = r.input
        r.status, r.reason, r.error = "error", e.message, e


def notify(progress: Any, done: int, total: int) -> None:
    if progress is None:
        return
    if hasattr(progress, "update"):  # tqdm and look-alikes
        progress.update(1)
    else:
        progress(done, total)


def run(engine: Any, files: List[str], dst: str, workers: int, progress: Any, dry_run: bool, duplicates: str) -> List[Result]:
    if duplicates not in POLICIES:
        raise ValueError(f"duplicates is one of {', '.join(POLICIES)}, not {duplicates!r}")
    # An output folder inside an input folder is never read back as input.
    inside = os.path.realpath(dst) + os.sep
    files = [f for f in files if not os.path.realpath(f).startswith(inside)]
    staging = None
    if not dry_run:
        os.makedirs(dst, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".dicomscrub-staging-", dir=dst)
    claimed: Dict[str, Tuple[str, int]] = {}
    results: List[Result] = []
    try:
        def one(item: Tuple[int, str]) -> Tuple[Result, Optional[str]]:
            i, path = item
            staged = None if staging is None else os.path.join(staging, f"{i}.dcm")
            return stage(engine, path, staged, dry_run), staged

        pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
        it = pool.map(one, enumerate(files)) if pool else map(one, enumerate(files))
        try:
            for r, staged in it:  # in input order, as they complete
                plan([r], duplicates, claimed)
                finish(r, staged, dst)
                results.append(r)
                notify(progress, len(results), len(files))
        finally:
            if pool:
                pool.shutdown(wait=True)
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    return results
