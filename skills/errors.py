"""One root for every error the skill library raises on purpose.

skills/ imports neither agent/ nor games/, so it has its own root, LibraryError; the CLI prints
its message as one line and exits non-zero.

LibraryError: the root.
LibraryNotFound: no library at the given path or DSN, or no such node in it.
SchemaError: a file or record with an unknown major schema version or an invalid shape.
StoreError: the store could not be opened or written (locked too long, server down, corrupt file).
BundleError: a bundle was refused on import (not a zip, unsafe path, too large, bad checksum, ...).
"""

from __future__ import annotations


class LibraryError(Exception):
    """Root of the skill library's own errors."""


class LibraryNotFound(LibraryError):
    """No library at that location, or no node with that id in it."""


class SchemaError(LibraryError):
    """A record or file that does not match the library schema (or a newer major version)."""


class StoreError(LibraryError):
    """The backing store failed: cannot open, locked past the busy timeout, server down."""


class BundleError(LibraryError):
    """A bundle was refused; nothing was written."""
