"""ctypes declarations of the C ABI (include/dicomscrub/dicomscrub.h).

ctypes releases the GIL for the duration of every foreign call, so threads calling into the
engine really run in parallel. Internal: use the names exported by the package.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, c_char_p, c_int, c_size_t, c_uint, c_uint8, c_uint64, c_void_p

ABI_VERSION = 1

OK, WITHHELD, ERROR_INPUT, ERROR_CONFIG, ERROR_IO, ERROR_ARGUMENT, ERROR_INTERNAL = range(7)


def _find_library() -> str:
    env = os.environ.get("DICOMSCRUB_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libdicomscrub.so", "libdicomscrub.so.1", "libdicomscrub.dylib"):
        path = os.path.join(here, name)
        if os.path.exists(path):
            return path
    return "libdicomscrub.so.1"  # installed system-wide


lib = ctypes.CDLL(_find_library())


class Engine(ctypes.Structure):
    pass


class Result(ctypes.Structure):
    pass


EngineP = POINTER(Engine)
ResultP = POINTER(Result)

_protos = {
    "dscrub_abi_version": (c_uint, []),
    "dscrub_version": (c_char_p, []),
    "dscrub_status_name": (c_char_p, [c_int]),
    "dscrub_last_error": (c_char_p, []),
    "dscrub_last_error_offset": (c_uint64, []),
    "dscrub_last_error_tag_path": (c_char_p, []),
    "dscrub_engine_new": (c_int, [c_char_p, POINTER(c_char_p), c_size_t, POINTER(c_uint8), c_size_t, POINTER(EngineP)]),
    "dscrub_engine_new_with_key_file": (c_int, [c_char_p, POINTER(c_char_p), c_size_t, c_char_p, POINTER(EngineP)]),
    "dscrub_engine_new_with_settings": (c_int, [c_char_p, POINTER(c_char_p), c_size_t, POINTER(c_uint8), c_size_t,
                                                POINTER(c_char_p), c_size_t, POINTER(EngineP)]),
    "dscrub_engine_free": (None, [EngineP]),
    "dscrub_engine_one_time_key": (c_int, [EngineP]),
    "dscrub_keygen": (c_int, [c_char_p]),
    "dscrub_deidentify_buffer": (c_int, [EngineP, POINTER(c_uint8), c_size_t, POINTER(ResultP)]),
    "dscrub_deidentify_file": (c_int, [EngineP, c_char_p, c_char_p, POINTER(ResultP)]),
    "dscrub_deidentify_to_dir": (c_int, [EngineP, c_char_p, c_char_p, POINTER(ResultP)]),
    "dscrub_reidentify_to_dir": (c_int, [c_char_p, c_char_p, c_char_p, c_char_p, POINTER(ResultP)]),
    "dscrub_result_status": (c_int, [ResultP]),
    "dscrub_result_withhold_reason": (c_char_p, [ResultP]),
    "dscrub_result_data": (c_void_p, [ResultP, POINTER(c_size_t)]),
    "dscrub_result_output_path": (c_char_p, [ResultP]),
    "dscrub_result_audit_json": (c_char_p, [ResultP]),
    "dscrub_result_free": (None, [ResultP]),
}
for _name, (_res, _args) in _protos.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

if lib.dscrub_abi_version() != ABI_VERSION:
    raise ImportError(f"libdicomscrub has ABI {lib.dscrub_abi_version()}, this package needs {ABI_VERSION}")
