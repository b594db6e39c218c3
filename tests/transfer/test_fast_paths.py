"""The import's fast paths give the same answers as the slow forms they replaced."""

from __future__ import annotations

import pathlib
import sys
import unicodedata

import pytest

from store import foreign_hashes
from store.passwords import HASHER
from store.transfer.common import hash_from_string, is_native
from store.transfer.records import Record
from store.users import _UID
from store.validation import _control_chars


def test_control_characters_are_exactly_unicode_category_cc() -> None:
    text = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF)
    assert _control_chars(text) == [c for c in text if unicodedata.category(c) == "Cc"]


def _stored(value: str) -> tuple[str | None, list[str]]:
    record = Record(1)
    hash_from_string(record, "password_hash", value)
    return record.password_hash, [i.reason for i in record.errors]


def test_native_hashes_skip_the_parameter_parse_but_not_the_checks() -> None:
    native = HASHER.hash("x")
    assert _stored(native) == (native, []) == _stored(f" {native} ")
    for bad in (native[:-4] + "!!!!", native[:-43] + "$" + native[-42:]):
        stored, errors = _stored(bad)
        assert stored is None and errors, bad
        with pytest.raises(foreign_hashes.ForeignHashError):
            foreign_hashes.from_string(bad, native=is_native)
    other = native.replace("p=4", "p=5")  # not the policy's parameters: kept as a foreign argon2 hash
    assert _stored(other) == (foreign_hashes.from_string(other, native=is_native), [])
    assert _stored(other)[0] != other


def test_imported_uids_look_like_the_stores(db, actor) -> None:
    from store.transfer.core import UID_POOL, Importer, ImportOptions

    importer = Importer(db, actor, pathlib.Path(__file__), ImportOptions(format="userdesk"))
    uids = [importer._new_uid() for _ in range(UID_POOL + 5)]
    assert all(_UID.match(u) for u in uids) and len(set(uids)) == len(uids)
