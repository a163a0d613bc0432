"""Domain errors. Each carries a one-line message fit to show a user as it is."""

from __future__ import annotations


class EngineError(Exception):
    """Base class for errors the engine reports to users."""


class ModelMissing(EngineError):
    """The embedding model cannot be found: its package is not installed, or EMBEDDING_MODEL names
    no folder. The message says what to do."""


class DocumentError(EngineError):
    """A document in DATA_DIR cannot be used. The message names the file."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name = name
        self.problem = problem


class NotAdded(EngineError):
    """A document (a file or a link) was refused; DATA_DIR is as it was. The message names what
    was given and why."""

    def __init__(self, given: str, problem: str) -> None:
        super().__init__(f"not added: {given} {problem}")
        self.given = given
        self.problem = problem


class UnknownDocument(EngineError):
    """No document of the library has the id (or file name) given."""


class IndexDamaged(EngineError):
    """The index on disk is missing, damaged or built for another model or schema."""

    def __init__(self, message: str, *, rebuildable: bool = True) -> None:
        super().__init__(message)
        self.rebuildable = rebuildable


class IndexMismatch(IndexDamaged):
    """The index was built with another model or schema version."""


class BuildInProgress(EngineError):
    """A rebuild is already running."""


class BuildFailed(EngineError):
    """A rebuild failed; the previous index is still serving."""


class BadFilter(EngineError):
    """A date or document filter that cannot be used (the message says why)."""
