"""The keyed values the engine writes, computed here from the key (lib/pseudo/pseudonymizer.cpp,
lib/deid/own_output.cpp): tests use them to find a key under which a value of ours happens to
spell something (a date, a word), the outcome of which must not depend on the key."""
import hashlib
import hmac
import re
import struct

import pydicom

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# A day, a month's name and a two-digit year between other characters: what the PHI detector
# reads as a date anywhere (see lib/phi/dates.cpp).
SPELLS_A_DATE = re.compile(r"(?<![2-7])[2-7]{1,2}(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[2-7]{2}(?![2-7])")


def _b32(digest, n):
    out, acc, bits = "", 0, 0
    for b in digest:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5 and len(out) < n:
            bits -= 5
            out += _ALPHABET[(acc >> bits) & 31]
    return out


def token(key, domain, value, length):
    """Pseudonymizer::token: a body of length-4 characters and a keyed mark of 4."""
    domain, value = domain.encode() if isinstance(domain, str) else domain, value.encode() if isinstance(value, str) else value
    body = _b32(hmac.new(key, domain + b"\0" + value, hashlib.sha256).digest(), length - 4)
    return body + _b32(hmac.new(key, domain + b"-mark\0" + body.encode(), hashlib.sha256).digest(), 4)


def shift_days(key, patient_identity):
    """Pseudonymizer::date_shift_days: how many days back dates go under Modified Dates."""
    d = hmac.new(key, b"date-shift\0" + patient_identity.encode(), hashlib.sha256).digest()
    return 1 + int.from_bytes(d[:4], "big") % 3652


_PIXEL_SHAPE = [(0x28, 2), (0x28, 4), (0x28, 6), (0x28, 8), (0x28, 0x10), (0x28, 0x11), (0x28, 0x100), (0x28, 0x101), (0x28, 0x102), (0x28, 0x103)]


def pdf_content_mark(key, output_path, policy):
    """own_output.cpp content_mark() of a de-identified Encapsulated PDF (no Pixel Data, no shape
    attributes): a token over its document bytes; `policy` as the engine prints it."""
    ds = pydicom.dcmread(output_path)
    doc = bytes(ds.EncapsulatedDocument)
    shape = f"{policy}|{ds.file_meta.TransferSyntaxUID}" + "".join(f"|({g:04X},{e:04X})=" for g, e in _PIXEL_SHAPE)
    return "DICOMSCRUB CONTENT " + token(key, b"content|" + shape.encode(), b"|document=" + struct.pack("<I", len(doc)) + doc, 26)


def find_key(spells, seed):
    """The first key (SHA-256 of seed-N) for which spells(key) holds; 10^5 tries at most."""
    for i in range(100000):
        k = hashlib.sha256(f"{seed}-{i}".encode()).digest()
        if spells(k):
            return k
    raise AssertionError(f"no key in 10^5 makes the value spell a date ({seed})")


def write_key(path, key):
    path.write_text(key.hex() + "\n")
    path.chmod(0o600)
    return str(path)


def uid(key, original):
    """Pseudonymizer::uid: "2.25." and the decimal of 96 bits of MAC and 32 bits of their mark."""
    body = hmac.new(key, b"uid\0" + original.encode(), hashlib.sha256).digest()[:12]
    mark = hmac.new(key, b"uid-mark\0" + body, hashlib.sha256).digest()[:4]
    return "2.25." + str(int.from_bytes(body + mark, "big") or 1)
