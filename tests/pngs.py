"""PNG files written for the tests (the screenshot tool reads them, the acceptance pack embeds
them): every row may use any of PNG's five filter types, so a reader's unfiltering is tested."""

from __future__ import annotations

import struct
import zlib


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def encode(rows: list[bytes], width: int, filters: list[int], bpp: int = 3) -> bytes:
    """A PNG (colour type 2 or 6) of `rows`, each row encoded with the given filter type."""
    out, prev = bytearray(), bytes(len(rows[0]))
    for y, row in enumerate(rows):
        kind = filters[y % len(filters)]
        enc = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = (0, a, b, (a + b) >> 1, _paeth(a, b, c))[kind]
            enc.append((x - pred) & 0xFF)
        out += bytes([kind]) + enc
        prev = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ctype = 2 if bpp == 3 else 6
    header = struct.pack(">IIBBBBB", width, len(rows), 8, ctype, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(out)))
        + chunk(b"IEND", b"")
    )


def stripes(width: int, height: int, colours: list[tuple[int, int, int]]) -> bytes:
    """An RGB PNG of vertical stripes, one per colour (one colour: a solid picture)."""
    stripe = max(1, width // len(colours))
    row = b"".join(bytes(colours[min(x // stripe, len(colours) - 1)]) for x in range(width))
    return encode([row] * height, width, [0])


def gradient(width: int, height: int, bpp: int = 3) -> list[bytes]:
    """Pixels whose every value differs from its neighbours', so a wrong unfilter shows."""
    return [
        b"".join(
            bytes(((x * 7 + y * 13) % 256, (x * 3) % 256, (y * 5) % 256, 255)[:bpp])
            for x in range(width)
        )
        for y in range(height)
    ]
