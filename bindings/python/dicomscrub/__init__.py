"""dicomscrub: de-identify DICOM under PS3.15 profiles with keyed pseudonyms.

>>> import dicomscrub
>>> engine = dicomscrub.Engine(key=open("site.key").read())      # or key_file="site.key"
>>> result = engine.deidentify(open("in.dcm", "rb").read())
>>> result.status, result.output_path                             # ('ok', '2.25.../2.25.../2.25....dcm')
>>> results = dicomscrub.deidentify_tree("incoming/", "outgoing/", engine=engine, workers=4)

Withheld inputs (that the engine cannot vouch for) give a Result with status "withheld" and no
bytes; malformed inputs raise DicomscrubError naming the byte offset and tag path.
"""
from __future__ import annotations

import ctypes
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _native as _n

__all__ = ["Engine", "Result", "DicomscrubError", "keygen", "deidentify_file", "deidentify_tree", "__version__"]
__version__: str = _n.lib.dscrub_version().decode()

PathLike = Union[str, "os.PathLike[str]"]


class DicomscrubError(Exception):
    """A failure of the library. `status` names the kind; `offset` and `tag_path` say where in the
    input the problem is (0 and "" when it is not about the input's bytes)."""

    def __init__(self, status: int, message: str, offset: int = 0, tag_path: str = "") -> None:
        super().__init__(message)
        self.status = _n.lib.dscrub_status_name(status).decode()
        self.message = message
        self.offset = offset
        self.tag_path = tag_path


def _raise(status: int) -> None:
    raise DicomscrubError(status, _n.lib.dscrub_last_error().decode(errors="replace"),
                          int(_n.lib.dscrub_last_error_offset()), _n.lib.dscrub_last_error_tag_path().decode())


@dataclass
class Result:
    """The outcome of one de-identification."""

    status: str                      # "ok" or "withheld"
    reason: str = ""                 # why it was withheld ("" otherwise); never holds a value
    data: Optional[bytes] = None     # the de-identified file (buffer calls, when status is "ok")
    output_path: str = ""            # "<study>/<series>/<instance>.dcm", from pseudonymized UIDs
    audit: Dict[str, Any] = field(default_factory=dict)  # actions per tag, no values
    input: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def dataset(self) -> Any:
        """The output as a pydicom.Dataset (needs pydicom)."""
        import pydicom  # optional dependency

        if self.data is None:
            raise ValueError("no output bytes: the input was withheld, or written to a file")
        return pydicom.dcmread(io.BytesIO(self.data))


def _result(status: int, rp: Any, want_data: bool, input_name: str = "") -> Result:
    try:
        data = None
        if want_data and status == _n.OK:
            n = ctypes.c_size_t()
            ptr = _n.lib.dscrub_result_data(rp, ctypes.byref(n))
            data = ctypes.string_at(ptr, n.value) if ptr else b""
        return Result(status="ok" if status == _n.OK else "withheld",
                      reason=_n.lib.dscrub_result_withhold_reason(rp).decode(),
                      data=data,
                      output_path=_n.lib.dscrub_result_output_path(rp).decode(),
                      audit=json.loads(_n.lib.dscrub_result_audit_json(rp).decode()),
                      input=input_name)
    finally:
        _n.lib.dscrub_result_free(rp)


class Engine:
    """A de-identification engine: a profile, options and a secret key. Immutable and safe to use
    from many threads at once.

    profile: "basic" or a path to a JSON profile file (see docs/profiles.md).
    options: PS3.15 option names such as "retain_uids" or "clean_descriptors".
    key: the secret as bytes (>= 16) or as the hex text of a key file; or key_file: a path.
         With neither, a random one-time key is used (pseudonyms match no other run).
    mapping_dir: a folder for uid_mapping.csv and patid_mapping.csv (id_old,id_new, mode 0600):
         every remapped UID and Patient ID is added before its output is produced. These files
         are identifying; any number of engines, threads and processes may share one folder.
    lookup: a CSV of keyword,original,replacement (e.g. PatientID,MRN-0042,SUBJ-001) whose
         replacements win over the profile; lookup_missing: "withhold" (default) withholds an
         instance with a value the table lacks, "keyed" gives that value the keyed pseudonym.
    """

    def __init__(self, profile: str = "basic", options: Sequence[str] = (), key: Union[bytes, str, None] = None,
                 key_file: Optional[PathLike] = None, mapping_dir: Optional[PathLike] = None,
                 lookup: Optional[PathLike] = None, lookup_missing: Optional[str] = None) -> None:
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        handle = _n.EngineP()
        settings: List[bytes] = []
        if mapping_dir is not None:
            settings.append(b"mapping_dir=" + os.fsencode(mapping_dir))
        if lookup is not None:
            settings.append(b"lookup=" + os.fsencode(lookup))
        if lookup_missing is not None:
            settings.append(b"lookup_missing=" + lookup_missing.encode())
        if settings:
            if isinstance(key, str):
                key = bytes.fromhex("".join(key.split()))
            if key_file is not None:
                settings.append(b"key_file=" + os.fsencode(key_file))
            buf = (ctypes.c_uint8 * len(key)).from_buffer_copy(key) if key else None
            sets = (ctypes.c_char_p * len(settings))(*settings)
            st = _n.lib.dscrub_engine_new_with_settings(str(profile).encode(), opts, len(options), buf,
                                                        len(key) if key else 0, sets, len(settings),
                                                        ctypes.byref(handle))
        elif key_file is not None:
            st = _n.lib.dscrub_engine_new_with_key_file(str(profile).encode(), opts, len(options),
                                                        os.fsencode(key_file), ctypes.byref(handle))
        else:
            if isinstance(key, str):
                key = bytes.fromhex("".join(key.split()))
            buf = (ctypes.c_uint8 * len(key)).from_buffer_copy(key) if key else None
            st = _n.lib.dscrub_engine_new(str(profile).encode(), opts, len(options), buf, len(key) if key else 0,
                                          ctypes.byref(handle))
        if st != _n.OK:
            _raise(st)
        self._handle = handle

    def __del__(self) -> None:
        h = getattr(self, "_handle", None)
        if h:
            _n.lib.dscrub_engine_free(h)
            self._handle = None

    @property
    def one_time_key(self) -> bool:
        return bool(_n.lib.dscrub_engine_one_time_key(self._handle))

    def deidentify(self, data: Union[bytes, bytearray, memoryview, Any]) -> Result:
        """De-identify DICOM bytes (a Part 10 file or a data set), or a pydicom.Dataset.
        Returns a Result; raises DicomscrubError for malformed input."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            data = _dataset_bytes(data)
        raw = bytes(data)
        buf = (ctypes.c_uint8 * len(raw)).from_buffer_copy(raw) if raw else (ctypes.c_uint8 * 1)()
        rp = _n.ResultP()
        st = _n.lib.dscrub_deidentify_buffer(self._handle, buf, len(raw), ctypes.byref(rp))
        if st not in (_n.OK, _n.WITHHELD):
            _raise(st)
        return _result(st, rp, want_data=True, input_name="<buffer>")

    def deidentify_dataset(self, ds: Any) -> Optional[Any]:
        """pydicom in, pydicom out: the de-identified Dataset, or None when withheld."""
        r = self.deidentify(ds)
        return r.dataset() if r.ok else None

    def deidentify_file(self, src: PathLike, dst: PathLike) -> Result:
        """De-identify src into exactly dst (atomic; never replaces an existing file)."""
        return self._path_call(_n.lib.dscrub_deidentify_file, src, dst)

    def deidentify_to_dir(self, src: PathLike, out_dir: PathLike) -> Result:
        """De-identify src into out_dir/<study>/<series>/<instance>.dcm (pseudonymized names)."""
        return self._path_call(_n.lib.dscrub_deidentify_to_dir, src, out_dir)

    def _path_call(self, fn: Any, src: PathLike, dst: PathLike) -> Result:
        # The C calls taking (engine, src, destination, &result) share their error handling.
        rp = _n.ResultP()
        st = fn(self._handle, os.fsencode(src), os.fsencode(dst), ctypes.byref(rp))
        if st not in (_n.OK, _n.WITHHELD):
            _raise(st)
        return _result(st, rp, want_data=False, input_name=os.fspath(src))


def _dataset_bytes(ds: Any) -> bytes:
    try:
        import pydicom  # noqa: F401
    except ImportError as e:  # pragma: no cover - only without pydicom
        raise TypeError("expected bytes, or a pydicom.Dataset with pydicom installed") from e
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True) if "enforce_file_format" in ds.save_as.__code__.co_varnames else ds.save_as(out, write_like_original=False)
    return out.getvalue()


def keygen(path: PathLike) -> None:
    """Write a new random 256-bit key file (mode 0600). Refuses to overwrite."""
    st = _n.lib.dscrub_keygen(os.fsencode(path))
    if st != _n.OK:
        _raise(st)


def deidentify_file(src: PathLike, dst: PathLike, engine: Optional[Engine] = None, **engine_args: Any) -> Result:
    """One file into exactly dst. Builds an Engine from engine_args when none is given."""
    return (engine or Engine(**engine_args)).deidentify_file(src, dst)


def _inputs(src: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    roots = [src] if isinstance(src, (str, os.PathLike)) else list(src)
    files: List[str] = []
    for r in roots:
        r = os.fspath(r)
        if os.path.isdir(r):
            found = []
            for d, _, names in os.walk(r):
                found += [os.path.join(d, n) for n in names]
            files += sorted(found)
        else:
            files.append(r)
    seen, out = set(), []
    for f in files:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def deidentify_tree(src: Union[PathLike, Iterable[PathLike]], dst: PathLike, workers: int = 1,
                    engine: Optional[Engine] = None, **engine_args: Any) -> List[Union[Result, DicomscrubError]]:
    """Every file under src (recursive, sorted) into dst/<study>/<series>/<instance>.dcm, on
    `workers` threads (the GIL is released inside the engine). Returns, in input order, a Result
    per input or the DicomscrubError it raised; one bad file never stops the others."""
    eng = engine or Engine(**engine_args)
    files = _inputs(src)

    def one(path: str) -> Union[Result, DicomscrubError]:
        try:
            return eng.deidentify_to_dir(path, dst)
        except DicomscrubError as e:
            return e

    if workers <= 1:
        return [one(f) for f in files]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, files))
