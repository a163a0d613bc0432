"""The one service the CLI, the Discord bot and the tests all use.

It owns the encoder and the current index, answers questions, and rebuilds the index in the
caller's thread while other threads keep answering from the old one; the new index replaces
the old in one assignment once it is complete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embeddings.config import EngineSettings, folder_error
from embeddings.corpus.records import SourceInfo
from embeddings.corpus.treaties import TreatyAnswer, TreatyCatalogue
from embeddings.encoders.choice import make_encoder
from embeddings.errors import BadFilter, BuildFailed, BuildInProgress, EngineError, IndexDamaged, IndexMismatch
from embeddings.index import layout
from embeddings.index.build import BuildProgress, build_index, build_lock
from embeddings.index.layout import SCHEMA_VERSION, current_path
from embeddings.index.load import BuildSummary, LoadedIndex, load_index, read_manifest
from embeddings.query import Query
from embeddings.registry import ModelChoice, is_trained, learned_passages, search_params_for, select_model
from embeddings.search.focus import Filters
from embeddings.search.params import SearchParams
from embeddings.search.results import SearchResult
from embeddings.search.searcher import Searcher
from embeddings.subprocesses import prepare_in_child, train_in_child

log = logging.getLogger(__name__)


def onnx_exported(model_path: str, model_dir: Path) -> bool:
    """Whether the model's int8 ONNX export exists already (checked without loading torch)."""
    from embeddings.encoders.onnx_int8 import ONNX_FILE, OnnxEncoder

    return (OnnxEncoder(model_path, model_dir).cache_dir / ONNX_FILE).exists()


@dataclass(frozen=True)
class Retrained:
    """What ``/reindex retrain:True`` did: the cards (held-out figures) of the model that served
    before and of the one trained, whether it now serves, why, and the rebuild if it does."""

    before: dict | None
    after: dict | None
    swapped: bool
    reason: str
    summary: BuildSummary | None


class Engine:
    def __init__(
        self,
        settings: EngineSettings,
        encoder=None,
        params: SearchParams | None = None,
    ) -> None:
        self.settings = settings
        self._encoder = encoder
        self._params = params
        self._model: ModelChoice | None = None
        self._model_lock = threading.Lock()
        self._searcher: Searcher | None = None  # over the serving index, which holds its treaty catalogue
        self._multilingual = None
        self._load_lock = threading.Lock()
        self._build_lock = threading.Lock()

    # ------------------------------------------------------------------ model

    def _resolve_model(self) -> None:
        """Choose the model (training it on first start, see embeddings.models) and its search
        parameters. An encoder passed in is used as it is, with the parameters fitted for it."""
        with self._model_lock:
            if self._model is not None:
                return
            if self._encoder is None:
                choice = select_model(self.settings)
                if self.settings.encoder == "onnx" and (choice is None or not onnx_exported(
                        choice.path, self.settings.model_dir)):
                    prepare_in_child(self.settings)  # training and the export need torch: not here
                    choice = select_model(self.settings)
                if choice is None:  # ENCODER=torch: trained here, torch being loaded anyway
                    from embeddings.training.prepare import select_or_train

                    choice = select_or_train(self.settings)
                log.info("embedding model: %s (%s)", choice.path, choice.reason)
                self._encoder = make_encoder(choice.path, self.settings.encoder, self.settings.model_dir)
            else:
                path = self._encoder.model_path
                choice = ModelChoice(path, is_trained(path), "given")
            if self._params is None:
                self._params = search_params_for(choice.path)
            self._model = choice

    @property
    def encoder(self):
        self._resolve_model()
        return self._encoder

    @property
    def params(self) -> SearchParams:
        self._resolve_model()
        return self._params

    @property
    def model_info(self) -> dict:
        self._resolve_model()
        return {"path": self._model.path, "trained": self._model.trained, "reason": self._model.reason}

    def training_record(self, rows) -> dict | None:
        """The cross-validation record (held-out figures) for these labelled rows, computing it
        if needed; None when fine-tuning is off or there are too few rows."""
        from embeddings.registry import TrainConfig, training_data
        from embeddings.training.prepare import cv_record

        config = TrainConfig()
        data, _ = training_data(self.settings, rows, config)
        if data is None:
            return None
        rows, _, key = data
        return cv_record(self.settings, rows, key, config=config)

    # ------------------------------------------------------------------ index life

    @property
    def searcher(self) -> Searcher:
        searcher = self._searcher
        if searcher is None:
            searcher = self.load()
        return searcher

    @property
    def index(self) -> LoadedIndex:
        return self.searcher.index

    @property
    def building(self) -> bool:
        return self._build_lock.locked()

    def load(self, progress: BuildProgress | None = None) -> Searcher:
        """Load the index from disk; build it first if there is none or it is damaged (telling
        ``progress`` how far the embedding is).

        An index built with another model or schema is not silently replaced: IndexMismatch
        tells the user what to run.
        """
        with self._load_lock:
            if self._searcher is not None:
                return self._searcher
            try:
                index = self._load_index(self.encoder, same_rules=True)
            except IndexMismatch as exc:
                if not self._rebuild_allowed():
                    raise
                log.info("%s; its format or rules, or the fine-tuned model changed, so rebuilding the index", exc)
                index = self._build_at_start(progress)
            except IndexDamaged as exc:
                if current_path(self.settings.index_dir) is None:
                    log.info("no index yet in %s: building it", self.settings.index_dir)
                else:
                    log.warning("%s; rebuilding it from %s", exc, self.settings.data_dir)
                index = self._build_at_start(progress)
            self._serve(index)
            self.encoder.warm()  # the first question should not pay for loading the model
            return self._searcher

    def _build_at_start(self, progress: BuildProgress | None = None) -> LoadedIndex:
        """Build the index a start needs. Processes (shards) started together on one INDEX_DIR
        take turns: the first builds; the others wait for it and use its index if it suits them."""
        for _ in range(5):
            with build_lock(self.settings.index_dir, wait=True):
                try:
                    return self._load_index(self.encoder, same_rules=True)
                except (IndexDamaged, IndexMismatch):
                    pass  # nobody built one meanwhile (or not for this model): build it now
            try:
                self._build(progress, force=True)
                break
            except BuildInProgress:
                continue  # another process took the lock first: wait for its build
        return self._load_index(self.encoder)

    def _rebuild_allowed(self) -> bool:
        """True for a mismatch this program caused itself, so it may rebuild without asking:
        an index of an older format, or one built from the same base model before fine-tuning
        changed the model. An index of another base model is still refused with what to run."""
        path = current_path(self.settings.index_dir)
        try:
            manifest = read_manifest(path) if path else {}
        except IndexDamaged:
            return False
        if manifest.get("schema_version") != SCHEMA_VERSION:
            return True
        old = manifest.get("base_model", "")
        return bool(old) and old == self._base_fingerprint()

    @property
    def multilingual(self):
        """The multilingual retriever (questions in other languages), or None if MULTILINGUAL=off."""
        if self.settings.multilingual == "off":
            return None
        if self._multilingual is None:
            from embeddings.encoders.multilingual import Multilingual

            self._multilingual = Multilingual()
        return self._multilingual

    def _build_options(self, encoder) -> dict:
        """What a build of this engine's index uses besides the encoder: the base model's name,
        the multilingual model, the vectors kept in MODEL_DIR (``index.vector_cache``) and the
        largest document file read (MAX_DOCUMENT_MB)."""
        options = {"base_model": self._base_fingerprint(),
                   "vector_cache": self.settings.model_dir / layout.vector_cache(encoder.fingerprint),
                   "max_document_bytes": self.settings.max_document_bytes}
        model = self.multilingual
        if model is not None:
            options.update(multilingual=model, multilingual_cache=self.settings.model_dir / layout.MULTILINGUAL_CACHE)
        return options

    def _load_index(self, encoder, *, same_rules: bool = False) -> LoadedIndex:
        model = self.multilingual
        return load_index(self.settings.index_dir, encoder.fingerprint,
                          multilingual=model.fingerprint if model is not None else "", same_rules=same_rules)

    def _base_fingerprint(self) -> str:
        from embeddings.encoders.base import model_fingerprint

        return model_fingerprint(self.settings.model_path)

    def rebuild(self, progress: BuildProgress | None = None, *, force: bool = False) -> BuildSummary:
        """Rebuild from DATA_DIR and start serving the result. Raises BuildInProgress if a
        rebuild is running; on failure raises BuildFailed and the old index keeps serving."""
        summary = self._build(progress=progress, force=force)
        index = self._load_index(self.encoder)
        self._serve(index)
        return summary

    def _build(self, progress=None, force: bool = False) -> BuildSummary:
        if not self._build_lock.acquire(blocking=False):
            raise BuildInProgress("an index rebuild is already running")
        try:
            return build_index(
                self.settings.data_dir, self.settings.index_dir, self.encoder,
                progress=progress, force=force, **self._build_options(self.encoder),
            )
        except EngineError:
            raise
        except OSError as exc:  # an INDEX_DIR that cannot be made, a full disk: say which folder
            raise BuildFailed(f"index build failed: {folder_error(exc, self.settings)}") from exc
        except Exception as exc:  # a broken document parser, ...
            log.exception("index build failed")
            raise BuildFailed(f"index build failed: {exc}") from exc
        finally:
            self._build_lock.release()

    # Training settings for retrain(); None: the shipped ones (TrainConfig()).
    retrain_config = None

    def retrain(self, feedback: list, report: Callable[[str], None] | None = None,
                progress: BuildProgress | None = None) -> Retrained:
        """Fine-tune on the shipped labelled rows plus ``feedback`` (readers' helpful answers as
        rows), cross-validated. The new model serves, and the index is rebuilt with it, only if
        its held-out figures are not worse than the model serving now; otherwise nothing
        changes. Minutes."""
        if not self._build_lock.acquire(blocking=False):
            raise BuildInProgress("an index rebuild is already running")
        try:
            current = self.encoder.model_path
            before = self._model.card if self._model else None
            train_in_child(self.settings, feedback, self.retrain_config, report)  # torch stays out of here
            choice = select_model(self.settings, feedback=feedback, config=self.retrain_config)
            if choice is None:
                raise BuildFailed("retraining did not produce a model")
            if not choice.trained or choice.path == current:
                return Retrained(before, choice.candidate or choice.card, False, choice.reason, None)
            encoder = make_encoder(choice.path, self.settings.encoder, self.settings.model_dir)
            encoder.warm()
            summary = build_index(self.settings.data_dir, self.settings.index_dir, encoder, progress=progress,
                                  force=True, **self._build_options(encoder))
            index = self._load_index(encoder)
            with self._model_lock:
                self._encoder, self._params, self._model = encoder, search_params_for(choice.path), choice
            self._serve(index)
            return Retrained(before, choice.card, True, choice.reason, summary)
        except EngineError:
            raise
        except Exception as exc:
            log.exception("retraining failed")
            raise BuildFailed(f"retraining failed: {exc}") from exc
        finally:
            self._build_lock.release()

    def refresh_if_changed(self) -> bool:
        """Pick up an index another process swapped in (shards sharing INDEX_DIR)."""
        path = current_path(self.settings.index_dir)
        searcher = self._searcher
        if path is None or searcher is None or path == searcher.index.path:
            return False
        self._serve(self._load_index(self.encoder))
        return True

    # ------------------------------------------------------------------ questions

    def ask(self, question: str, *, k: int | None = None, scope: str = "statements",
            filters: Filters | None = None) -> SearchResult:
        return self.searcher.search(question, k=k or self.settings.top_k, scope=scope, filters=filters)

    def answer(self, query: Query, *, k: int | None = None) -> SearchResult:
        """A question as a front end built it: its filters read (BadFilter if they cannot be
        used), then searched."""
        return self.ask(query.text, k=k, scope=query.scope, filters=self.filters_of(query))

    def timeline_of(self, query: Query) -> SearchResult:
        """``timeline`` for a query built by a front end."""
        return self.timeline(query.text, scope=query.scope, filters=self.filters_of(query))

    def filters_of(self, query: Query) -> Filters:
        """The filters a query's from, to and document ask for (BadFilter if they cannot be used)."""
        return self.filters(query.start, query.end, query.document)

    def timeline(self, topic: str, *, scope: str = "statements", filters: Filters | None = None) -> SearchResult:
        """One passage per document on ``topic``, oldest first."""
        return self.searcher.timeline(topic, scope=scope, filters=filters)

    def filters(self, start: str = "", end: str = "", document: str = "") -> Filters:
        """Filters from what a person typed: dates as YYYY-MM-DD (or YYYY-MM, YYYY) and a
        document's id or title. Raises BadFilter with a message to show them."""
        from embeddings.corpus.dates import parse_day

        try:
            first = parse_day(start) if start.strip() else None
            last = parse_day(end, end=True) if end.strip() else None
        except ValueError as exc:
            raise BadFilter(str(exc)) from exc
        if first and last and last < first:
            raise BadFilter(f"the end date {end} is before the start date {start}")
        documents: frozenset[str] = frozenset()
        if document.strip():
            found = self.find_document(document)
            if found is None:
                raise BadFilter(f"no document called {document.strip()!r}; see /sources (or `sources`) for the list")
            documents = frozenset({found})
        return Filters(first, last, documents)

    def find_document(self, text: str) -> str | None:
        """A document id from its id, its exact title, or the one title that contains the text."""
        wanted = " ".join(text.split()).lower()
        docs = self.index.manifest.get("documents", [])
        for d in docs:
            if wanted in (d["id"].lower(), d["title"].lower()):
                return d["id"]
        close = [d["id"] for d in docs if wanted in d["title"].lower()]
        return close[0] if len(close) == 1 else None

    def suggest_documents(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, id) pairs for autocomplete: "title (date)", matching words first, newest first."""
        wanted = " ".join(text.split()).lower()
        docs = sorted(self.index.manifest.get("documents", []), key=lambda d: d.get("date", ""), reverse=True)
        ranked = [d for d in docs if not wanted or wanted in f"{d['title']} {d['id']} {d.get('date', '')}".lower()]
        return [(f"{d['title']} ({d.get('date') or 'undated'})", d["id"]) for d in ranked[:limit]]

    def _serve(self, index: LoadedIndex) -> None:
        """Start serving ``index``: its searcher is made (and calibrated) here, in the loading
        thread, and swapped in; the treaty catalogue comes with the index (made at build time)."""
        self._searcher = Searcher(index, self.encoder, self.params, multilingual=self.multilingual,
                                  learned=learned_passages(self._model))

    @property
    def catalogue(self) -> TreatyCatalogue:
        """Treaties the corpus cites, for the index now serving."""
        return self.searcher.index.catalogue

    def treaty(self, name: str, article: int | None = None) -> TreatyAnswer | None:
        """Look a treaty up by name or alias; None if nothing close is known."""
        treaty = self.catalogue.resolve(name)
        return None if treaty is None else self.catalogue.lookup(treaty, article)

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(d["id"], d["title"], d["kind"], d["date"], d["source"], d["passages"],
                       d.get("kind_source", "given"), d.get("completeness", ""), d.get("path", ""))
            for d in self.index.manifest.get("documents", [])
        ]

    def problems(self) -> list[str]:
        return list(self.index.manifest.get("problems", []))
