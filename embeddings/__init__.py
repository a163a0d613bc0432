"""Statement search engine: documents -> passages -> on-disk index -> quoted, dated answers.

This package never imports discord; the bot in ``bot/`` builds on it.
"""

from embeddings.errors import BuildFailed, BuildInProgress, DocumentError, EngineError, IndexDamaged, IndexMismatch

__all__ = [
    "BuildFailed", "BuildInProgress", "DocumentError", "EngineError", "IndexDamaged", "IndexMismatch",
]
