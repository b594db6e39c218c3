"""Reading import files in constant memory: NDJSON lines, JSON arrays (ijson) and CSV rows, with byte progress."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson

from .records import FileProblem

MAX_LINE = 1 << 20  # an NDJSON line (one user) longer than 1 MiB is refused, not read whole
CSV_FIELD_LIMIT = 1 << 16


class CountingFile(io.RawIOBase):
    """A binary file that counts the bytes read from it (progress and ETA without knowing the row count)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.consumed += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = self.raw.readline(-1 if size is None else size)
        self.consumed += len(data)
        return data


def ndjson(source: CountingFile) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for each non-blank line; FileProblem-free: a bad line yields an exception."""
    number = 0
    while True:
        line = source.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := source.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass  # skip the remainder of the over-long line
            yield number, ValueError(f"line longer than {MAX_LINE // 1024} KiB")
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            yield number, ValueError(f"not valid JSON ({exc})")


def json_items(source: CountingFile, prefix: str) -> Iterator[tuple[int, Any]]:
    """(item number, object) for each element of the array at `prefix` ("item", "users.item"), streamed."""
    number = 0
    try:
        for number, item in enumerate(ijson.items(source, prefix, use_float=True), start=1):
            yield number, item
    except ijson.JSONError as exc:
        raise FileProblem(number + 1, f"the file is not valid JSON after item {number} (truncated?): {exc}") from None
    except UnicodeDecodeError:
        raise FileProblem(number + 1, "the file is not UTF-8 text") from None
    if number == 0 and source.consumed == 0:
        raise FileProblem(0, "the file is empty")


def csv_rows(source: CountingFile, check_header: Callable[[list[str]], None]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by header) for each CSV row; the header row is line 1, checked first."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    text = io.TextIOWrapper(io.BufferedReader(source), encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        if not reader.fieldnames:
            raise FileProblem(1, "the file is empty (a header row naming Userdesk fields is required)")
        check_header(list(reader.fieldnames))
        for row in reader:
            if None in row:
                raise FileProblem(reader.line_num, "row has more cells than the header")
            yield reader.line_num, row
    except csv.Error as exc:
        raise FileProblem(reader.line_num, f"CSV error: {exc}") from None
    except UnicodeDecodeError:
        raise FileProblem(reader.line_num, "the file is not UTF-8 text") from None
