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

__all__ = ["Engine", "Result", "DicomscrubError", "InputError", "OutputError", "ConfigError", "WithheldError", "keygen",
           "deidentify_file", "deidentify_tree", "reidentify_to_dir", "__version__"]
__version__: str = _n.lib.dscrub_version().decode()

PathLike = Union[str, "os.PathLike[str]"]


class DicomscrubError(Exception):
    """A failure of the library. `status` names the kind; `input` is the file (or "<buffer>") it
    is about; `offset` and `tag_path` say where in the input the problem is (0 and "" when it is
    not about the input's bytes). Subclasses: InputError (also a ValueError), OutputError (also
    an OSError), ConfigError, WithheldError."""

    def __init__(self, message: str, *, status: str = "", offset: int = 0, tag_path: str = "", input: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.offset = offset
        self.tag_path = tag_path
        self.input = input

    def __str__(self) -> str:
        return self.message


class InputError(DicomscrubError, ValueError):
    """The input is not DICOM, or is malformed (offset and tag_path say where)."""


class OutputError(DicomscrubError, OSError):
    """The output could not be written (a different file is in the way, a full disk, a folder)."""


class ConfigError(DicomscrubError):
    """A bad profile, option, key or setting."""


class WithheldError(DicomscrubError):
    """Raised by Result.check() for an input the engine would not vouch for (see `message`)."""


_ERRORS = {_n.ERROR_INPUT: InputError, _n.ERROR_IO: OutputError, _n.ERROR_CONFIG: ConfigError,
           _n.ERROR_ARGUMENT: ConfigError}


def _raise(status: int, input_name: str = "") -> None:
    cls = _ERRORS.get(status, DicomscrubError)
    raise cls(_n.lib.dscrub_last_error().decode(errors="replace"), status=_n.lib.dscrub_status_name(status).decode(),
              offset=int(_n.lib.dscrub_last_error_offset()), tag_path=_n.lib.dscrub_last_error_tag_path().decode(),
              input=input_name)


@dataclass
class Result:
    """The outcome of one de-identification."""

    status: str                      # "ok", "withheld"; from deidentify_tree also "duplicate", "error"
    reason: str = ""                 # why it was withheld ("" otherwise); never holds a value
    data: Optional[bytes] = None     # the de-identified file (buffer calls, when status is "ok")
    output_path: str = ""            # "<study>/<series>/<instance>.dcm", from pseudonymized UIDs
    audit: Dict[str, Any] = field(default_factory=dict)  # actions per tag, no values
    input: str = ""                  # the input path ("<buffer>", "<dataset>" for in-memory inputs)
    error: Optional[DicomscrubError] = None  # status "error": what was raised (offset, tag_path)
    duplicate_of: str = ""           # status "duplicate": the earlier input giving the same output
    already_present: bool = False    # written by an earlier run with identical bytes

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def __repr__(self) -> str:
        data = "" if self.data is None else f", data=<{len(self.data)} bytes>"
        why = f", reason={self.reason!r}" if self.reason else ""
        return f"Result(status={self.status!r}, input={self.input!r}, output_path={self.output_path!r}{why}{data})"

    def check(self) -> "Result":
        """Returns self when written; raises WithheldError or the input's error otherwise."""
        if self.error is not None:
            raise self.error
        if self.status == "withheld":
            raise WithheldError(self.reason, status="withheld", input=self.input)
        return self

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
    encrypt_for: PEM certificates (RSA or EC) for which the original values of everything changed
         are sealed in an Encrypted Attributes Sequence (PS3.15 E.1.1); `dicomscrub reidentify`
         with the matching private key restores them.
    cover_pages: "clean", "identifiers" or "withhold" (burned-in text on cover pages; default: the
         profile's, else clean); ocr_check: read cleaned frames back with OCR (default on).
    """

    def __init__(self, profile: str = "basic", options: Union[str, Sequence[str]] = (), key: Union[bytes, str, None] = None,
                 key_file: Optional[PathLike] = None, mapping_dir: Optional[PathLike] = None,
                 lookup: Optional[PathLike] = None, lookup_missing: Optional[str] = None,
                 encrypt_for: Sequence[PathLike] = (), cover_pages: Optional[str] = None,
                 ocr_check: Optional[bool] = None) -> None:
        if isinstance(options, str):  # one option, not a sequence of one-letter names
            options = [options]
        options = list(options)
        self._description = (str(profile), tuple(options))
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        handle = _n.EngineP()
        settings: List[bytes] = []
        if mapping_dir is not None:
            settings.append(b"mapping_dir=" + os.fsencode(mapping_dir))
        if lookup is not None:
            settings.append(b"lookup=" + os.fsencode(lookup))
        if lookup_missing is not None:
            settings.append(b"lookup_missing=" + lookup_missing.encode())
        if isinstance(encrypt_for, (str, os.PathLike)):
            encrypt_for = [encrypt_for]
        settings += [b"encrypt_for=" + os.fsencode(c) for c in encrypt_for]
        if cover_pages is not None:  # checked by the library, as the CLI's --cover-pages is
            settings.append(b"cover_pages=" + str(cover_pages).encode())
        if ocr_check is not None:
            value = ("true" if ocr_check else "false") if isinstance(ocr_check, bool) else str(ocr_check)
            settings.append(b"ocr_check=" + value.encode())  # anything but a bool is the library's to refuse
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

    def __repr__(self) -> str:
        profile, options = self._description
        return f"Engine(profile={profile!r}, options={list(options)!r})"

    @property
    def one_time_key(self) -> bool:
        return bool(_n.lib.dscrub_engine_one_time_key(self._handle))

    def deidentify(self, data: Union[bytes, bytearray, memoryview, PathLike, Any]) -> Result:
        """De-identify DICOM bytes (a Part 10 file or a data set), a path to a file, or a
        pydicom.Dataset (file meta is made when it has none). Returns a Result with the output
        bytes (nothing is written); raises InputError for malformed input."""
        name = "<buffer>"
        if isinstance(data, (str, os.PathLike)):
            name = os.fspath(data)
            try:
                with open(data, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise InputError(f"{name}: cannot read: {e.strerror}", status="input error", input=name) from e
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            data = _dataset_bytes(data)
            name = "<dataset>"
        raw = bytes(data)
        buf = (ctypes.c_uint8 * len(raw)).from_buffer_copy(raw) if raw else (ctypes.c_uint8 * 1)()
        rp = _n.ResultP()
        st = _n.lib.dscrub_deidentify_buffer(self._handle, buf, len(raw), ctypes.byref(rp))
        if st not in (_n.OK, _n.WITHHELD):
            _raise(st, name)
        return _result(st, rp, want_data=True, input_name=name)

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
            _raise(st, os.fspath(src))
        return _result(st, rp, want_data=False, input_name=os.fspath(src))


def _dataset_bytes(ds: Any) -> bytes:
    try:
        import pydicom  # noqa: F401
    except ImportError as e:  # pragma: no cover - only without pydicom
        raise TypeError("expected bytes, or a pydicom.Dataset with pydicom installed") from e
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        # Built in memory: give it the file meta a Part 10 file needs (the caller's object is not
        # changed). The data set is written in Explicit VR Little Endian.
        import copy

        ds = copy.copy(ds)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
        meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "2.25.0")
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def keygen(path: PathLike) -> None:
    """Write a new random 256-bit key file (mode 0600). Refuses to overwrite."""
    st = _n.lib.dscrub_keygen(os.fsencode(path))
    if st != _n.OK:
        _raise(st, os.fspath(path))


def reidentify_to_dir(src: PathLike, out_dir: PathLike, private_key: PathLike, cert: Optional[PathLike] = None) -> str:
    """Restore the original values sealed by Engine(encrypt_for=...) with the recipient's PEM private
    key; writes out_dir/<study>/<series>/<instance>.dcm under the original UIDs and returns that
    relative path. Raises DicomscrubError (nothing written) when the key cannot open it."""
    rp = _n.ResultP()
    st = _n.lib.dscrub_reidentify_to_dir(os.fsencode(private_key), os.fsencode(cert) if cert is not None else None,
                                         os.fsencode(src), os.fsencode(out_dir), ctypes.byref(rp))
    if st != _n.OK:
        _raise(st, os.fspath(src))
    try:
        return _n.lib.dscrub_result_output_path(rp).decode()
    finally:
        _n.lib.dscrub_result_free(rp)


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
                    engine: Optional[Engine] = None, progress: Any = None, dry_run: bool = False,
                    duplicates: str = "skip", **engine_args: Any) -> List[Result]:
    """Every file under src (recursive, sorted) into dst/<study>/<series>/<instance>.dcm, on
    `workers` threads (the GIL is released inside the engine). Returns one Result per input, in
    input order, each naming its input: status "ok", "withheld", "duplicate" (the same instance as
    an earlier input: the first in input order is written, whatever the workers) or "error" (the
    exception in .error). One bad file never stops the others.

    progress: a callable(done, total), or a tqdm-like object (its update(1) is called per input).
    dry_run: decide everything, write nothing. duplicates: "skip" (default), "error" or "suffix"
    (written as <instance>-2.dcm), as the CLI's --duplicates."""
    from . import _tree

    eng = engine or Engine(**engine_args)
    return _tree.run(eng, _inputs(src), os.fspath(dst), workers, progress, dry_run, duplicates)
