"""A question as a front end (a slash command, a mention, the console, the CLI) hands it over:
the text and everything that narrows it, as one value passed whole to the engine."""

from __future__ import annotations

from dataclasses import dataclass, replace

from embeddings.search.results import SCOPES

FILTER_FIELDS = ("start", "end", "document")


@dataclass(frozen=True)
class Query:
    text: str
    scope: str = "statements"  # statements, treaties or all (search.results.SCOPES)
    start: str = ""  # the first day of the documents searched, as typed (YYYY-MM-DD, YYYY-MM or YYYY)
    end: str = ""  # the last day, as typed
    document: str = ""  # one document, by id or title, as typed

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {self.scope!r}")

    def filters(self) -> dict[str, str]:
        """The filters that are set, as stored with an answer (``Query.stored`` reads them back)."""
        return {name: getattr(self, name) for name in FILTER_FIELDS if getattr(self, name)}

    @classmethod
    def stored(cls, text: str, scope: str, filters: dict) -> Query:
        """The query of a stored answer ("More passages")."""
        return cls(text, scope, **{name: str(filters.get(name, "")) for name in FILTER_FIELDS})

    def with_text(self, text: str) -> Query:
        return replace(self, text=text)
