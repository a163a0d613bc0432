"""Changing the library from outside DATA_DIR: adding a document (a file, or a link fetched
safely), removing one, and keeping documents added by their link current. The command line's
``add``, ``remove`` and ``refresh`` use it, and so can a Discord command; none of it builds the
index, which the caller does afterwards (``Engine.rebuild``)."""

from __future__ import annotations

from embeddings.library_admin.adding import Added, Removed, add_document, remove_document
from embeddings.library_admin.fetch import FetchFailed
from embeddings.library_admin.links import Refreshed, link_fields, refresh_links

__all__ = ["Added", "FetchFailed", "Refreshed", "Removed", "add_document", "link_fields",
           "refresh_links", "remove_document"]
