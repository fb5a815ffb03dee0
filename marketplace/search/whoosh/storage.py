"""Where the index lives: its schema, and opening it from a folder (or memory), created when missing."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from whoosh import columns, index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage

INDEX_NAME = "products"
MEMORY = "memory"
OPEN_ATTEMPTS = 10
# Segments stay as separate files: Whoosh reads a compound segment file through a memory map and then
# copies each part it opens (postings, term index) into a BytesIO, so every worker held the postings
# twice (120 MB of its 290 at 100,000 products). Separate files are read with ordinary buffered reads.
COMPOUND = False


def schema() -> Schema:
    """The index's fields: one scored text field, one for spelling, and columns for filters and sorting."""
    return Schema(
        id=ID(unique=True),
        text=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        # Scorable only so the field has a length column: Whoosh looks a missing one up on disk once
        # per posting while writing, which cost a tenth of a rebuild.
        words=KEYWORD(scorable=True),
        pid=COLUMN(columns.NumericColumn("q")),
        price=COLUMN(columns.NumericColumn("q")),
        published=COLUMN(columns.NumericColumn("q")),
        flags=COLUMN(columns.NumericColumn("B")),
        rating=COLUMN(columns.NumericColumn("B")),  # mean stars in tenths
        reviews=COLUMN(columns.NumericColumn("I")),
        country=COLUMN(columns.VarBytesColumn()),
        category=COLUMN(columns.VarBytesColumn()),
        price_band=COLUMN(columns.VarBytesColumn()),
        langs=COLUMN(columns.VarBytesColumn()),
        stamp=COLUMN(columns.VarBytesColumn()),
    )


def signature(schema_: Schema) -> dict[str, tuple[str, bool, str]]:
    """What tells two schemas apart (Whoosh's column types do not compare equal to themselves)."""
    return {name: (type(field).__name__, bool(field.scorable), type(field.column_type).__name__)
            for name, field in schema_.items()}


def open_folder(path: str):
    """The index stored in `path`, opened afresh (a build process opens its own)."""
    return FileStorage(path).open_index(INDEX_NAME)


class Store:
    """The index in a folder, or in memory when `path` is "memory"; opened once, reopened when needed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.in_memory = path == MEMORY
        self.ix = None
        self._ram: RamStorage | None = None

    def _storage(self):
        if self.in_memory:
            if self.ix is None:
                self._ram = RamStorage()
            return self._ram
        Path(self.path).mkdir(parents=True, exist_ok=True)
        return FileStorage(self.path)

    def open(self, recreate: bool = False):
        """The index, created when missing (or when `recreate`: a deleted or unreadable folder)."""
        storage = self._storage()
        attempt = 0
        while True:
            try:
                if recreate or not storage.index_exists(INDEX_NAME):
                    self.ix = storage.create_index(schema(), indexname=INDEX_NAME)
                else:
                    self.ix = storage.open_index(INDEX_NAME)
                return self.ix
            except FileNotFoundError:
                # Another process committed between finding the newest table of contents and reading it
                # (a commit deletes the one before): read the new one.
                attempt += 1
                if attempt == OPEN_ATTEMPTS:
                    raise
                time.sleep(0.01 * attempt)

    def needs_open(self) -> bool:
        """Whether the index is not open yet, or its folder was deleted under it."""
        return self.ix is None or (not self.in_memory and not Path(self.path).exists())

    def reopen_after_failure(self):
        """The index after reading it failed: recreated when its folder holds none any more."""
        return self.open(recreate=not index.exists_in(self.path, INDEX_NAME) if not self.in_memory else False)

    def usable(self) -> bool:
        """Whether the folder holds an index that opens."""
        try:
            return index.exists_in(self.path, INDEX_NAME) and self.open() is not None
        except Exception:  # noqa: BLE001 - an unreadable index is rebuilt from the database
            return False

    def prepare_rebuild(self) -> None:
        """Before a full rebuild: drop an unreadable folder, recreate an index of an older schema."""
        if not self.in_memory and not self.usable():
            shutil.rmtree(self.path, ignore_errors=True)
            self.ix = None
        elif self.schema_outdated():
            self.open(recreate=True)  # an index from an older version of this package

    def schema_outdated(self) -> bool:
        """Whether the open index was made with another schema than `schema()`."""
        if self.needs_open():
            self.open()
        return signature(self.ix.schema) != signature(schema())


EMPTY_INDEX_ERRORS = (OSError, index.EmptyIndexError)
