"""Errors a user can cause, each with a message that says what to do.

The CLI and the UI catch `UserError` and show its message; anything else is a
bug and is logged with its traceback, never shown raw to the user.
"""

from __future__ import annotations


class UserError(Exception):
    """Base class: the message is written for the person at the keyboard."""


class IngestError(UserError):
    """A file (or one record in it) could not be turned into a document."""


class IndexNotFoundError(UserError):
    """No index exists where the user pointed us."""


class IndexLockedError(UserError):
    """Another process is writing the same index right now."""


class QuestionError(UserError):
    """The question is empty, too long, or otherwise unusable."""


class SettingsError(UserError):
    """The settings file or environment holds an unknown key or a bad value."""


class IndexDamagedError(UserError):
    """An index folder whose files are truncated, corrupted or of an older layout."""


class OldIndexFormatError(IndexDamagedError):
    """An index written by an older version of biocite, in a layout this version does not read."""


class IndexWriteError(UserError):
    """A save that could not complete (disk full, permissions); the previous index is intact."""


class ModelLoadError(UserError):
    """The embedding model could not be loaded (missing package or folder, corrupt weights)."""


class EmbeddingMismatchError(UserError):
    """The index's vectors came from another embedding model than the one settings load."""
