"""Reading Python source bytes faithfully: encoding (PEP 263), BOM and line endings."""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass
from typing import List

_LINE_END = re.compile(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)")


def source_lines(text: str, keepends: bool = False) -> List[str]:
    """Lines as Python numbers them: only CRLF, CR and LF end a line.  `str.splitlines`
    also splits on form feeds, \x1c-\x1e, \x85 and U+2028/9, which shifts every line after
    one of them (a form feed between sections is common in older code)."""
    lines = [line for line in _LINE_END.split(text) if line]
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


class SourceError(Exception):
    """The file cannot be turned into text; the message names the problem."""


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str  # as declared or detected, without the "-sig" suffix
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode(data: bytes) -> Source:
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"bad encoding declaration: {exc}") from None
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at line {line}, "
            f"column {column} ({exc.reason}); declare the file's encoding with a PEP 263 "
            "coding comment such as `# -*- coding: latin-1 -*-`"
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return Source(text=text, encoding=encoding, bom=bom)
