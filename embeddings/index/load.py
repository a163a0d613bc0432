"""Loading an index version for serving: memory-mapped vectors, passages read on demand, the
manifest checked against the model (the layout is ``embeddings.index.layout``'s)."""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embeddings.corpus.cleaning import REPORT
from embeddings.corpus.records import Passage
from embeddings.corpus.text import sentences
from embeddings.corpus.treaties import TreatyCatalogue
from embeddings.errors import IndexDamaged, IndexMismatch
from embeddings.index import layout
from embeddings.index.layout import SCHEMA_VERSION, current_path
from embeddings.index.versions import rules_digest

log = logging.getLogger(__name__)

BUILD_RUN = "python -m embeddings build"
IVF_NPROBE = 64


@dataclass(frozen=True)
class BuildSummary:
    documents: int
    passages: int
    added: int
    removed: int
    embedded: int  # units whose vectors were computed (the rest came from the cache)
    seconds: float
    unchanged: bool
    problems: list[str] = field(default_factory=list)
    path: str = ""

    def describe(self) -> str:
        line = (
            f"{self.documents} documents, {self.passages} passages, {self.added} added, "
            f"{self.removed} removed, {self.embedded} embedded, {self.seconds:.1f} s"
        )
        if self.unchanged:
            line += " (unchanged)"
        return line


@dataclass
class KindIndex:
    """Dense and lexical indexes over the passages of one kind."""

    kind: str
    passage_offset: int
    passage_count: int
    unit_offset: int
    dense: object  # faiss.Index over units [unit_offset, unit_offset + ntotal)
    bm25: object  # bm25s.BM25 over passages [passage_offset, passage_offset + passage_count)


class PassageStore(Sequence[Passage]):
    """The passages of an index version, parsed when asked for: a start reads one small array,
    however many passages there are (a million parsed up front took 12 s and 2 GB)."""

    def __init__(self, file: Path, offsets: np.ndarray) -> None:
        self.file = file
        self._offsets = offsets
        size = file.stat().st_size
        if len(offsets) == 0 or int(offsets[0]) != 0 or int(offsets[-1]) != size:
            raise IndexDamaged(f"index file {file} does not match its offsets (edited or truncated?); "
                               f"run `{BUILD_RUN}`")
        with file.open("rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, number):
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        number = int(number)
        if number < 0:
            number += len(self)
        if not 0 <= number < len(self):
            raise IndexError(number)
        line = self._map[int(self._offsets[number]):int(self._offsets[number + 1])]
        try:
            return Passage.from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:
            raise IndexDamaged(f"index file {self.file} is damaged at passage {number}; run `{BUILD_RUN}`") from exc

    def __iter__(self) -> Iterator[Passage]:
        for number in range(len(self)):
            yield self[number]


def write_passages(folder: Path, passages: Sequence[Passage]) -> None:
    """passages.jsonl and the offsets PassageStore reads it by."""
    offsets = [0]
    with (folder / layout.PASSAGES).open("wb") as fh:
        for p in passages:
            line = (json.dumps(p.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            fh.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / layout.PASSAGE_OFFSETS, np.array(offsets, dtype=np.int64))


def article_numbers(passages: Sequence[Passage]) -> dict[str, list[int]]:
    """Passage numbers by their "Article N" number (not numbered clauses), lower-cased."""
    found: dict[str, list[int]] = {}
    for number, passage in enumerate(passages):
        if passage.article and not passage.clause:
            found.setdefault(passage.article.lower(), []).append(number)
    return found


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    passages: Sequence[Passage]  # a PassageStore: parsed on demand
    unit_passage: np.ndarray  # passage number of each unit
    unit_start: np.ndarray  # first unit of each passage (and one past the last)
    vectors: np.ndarray  # unit vectors (memory-mapped)
    words: dict[str, int]  # surface words of the corpus and their counts (spelling, unknown words)
    kinds: dict[str, KindIndex]
    catalogue: TreatyCatalogue  # the agreements and the passages citing them, made at build time
    articles: dict[str, list[int]] = field(default_factory=dict)  # article_numbers(), made at build time
    e5: np.ndarray | None = None  # one multilingual vector per passage (embeddings.multilingual), if built
    e5_context: np.ndarray | None = None  # ... and of each statement passage after its context (context_text)
    lexicon: np.ndarray | None = None  # ... and of each of the library's words (index.multilingual_vectors)
    lexicon_words: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        return self.path.name


def import_bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on import
    return bm25s


# --------------------------------------------------------------------------- units


def passage_units(passage: Passage) -> list[str]:
    """The texts embedded for a passage: itself, each sentence if it has several, and for a
    statement, itself after its document's title (and section and speaker), last.

    A treaty article is embedded with its treaty and article number in front, since its text
    rarely names either ("Article 51 of the UN Charter" must find Article 51); where it sits under
    a heading, once more after the heading too ("CHAPTER XVIII: Amendments" for "how do you amend
    the charter"), the heading being what its own words may not say. A statement's passage rarely
    names who speaks or on what occasion either; its title does. The context unit is how the
    index learns a new document without labelled questions: of the approaches measured on
    questions nobody on the team wrote (docs/quality.md), it found the most.
    """
    parts = sentences(passage.text)
    whole = passage.text
    if passage.kind == "treaty":
        whole = f"{passage.title}, {passage.label}: {passage.text}"
    units = [whole] + (parts if len(parts) > 1 else [])
    if passage.kind == "statement":
        units.append(context_text(passage))
    elif passage.kind == "treaty" and passage.section and passage.section != passage.label:  # under a heading
        units.append(f"{passage.title}, {passage.section}, {passage.label}: {passage.text}")
    return units


def context_text(passage: Passage) -> str:
    """A passage after its context, as the multilingual vectors embed it a second time."""
    return f"{passage_context(passage)}: {passage.text}"


def passage_context(passage: Passage) -> str:
    """What a passage's own words may not say: its document's title, its section, its speaker (a
    page's report of the text says nothing of its topic by that name)."""
    speaker = passage.speaker if passage.speaker != REPORT else None
    return ", ".join(x for x in (passage.title, passage.section, speaker) if x)


def lexical_text(passage: Passage) -> str:
    """What the BM25 side indexes: the text, and for treaties their name and article too."""
    if passage.kind == "treaty":
        return f"{passage.title} {passage.label} {passage.section or ''} {passage.text}"
    return passage.text


def unit_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode()


# --------------------------------------------------------------------------- loading


def _read_json(file: Path) -> dict:
    """A JSON object file of an index version; IndexDamaged names the file if it is not one."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexDamaged(f"index file {file} is missing; run `{BUILD_RUN}`") from exc
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"index file {file} is damaged ({exc}); run `{BUILD_RUN}`") from exc
    if not isinstance(data, dict):
        raise IndexDamaged(f"index file {file} is damaged; run `{BUILD_RUN}`")
    return data


def read_manifest(path: Path) -> dict:
    return _read_json(path / layout.MANIFEST)


def check_manifest(manifest: dict, path: Path, model_fingerprint: str) -> None:
    file = path / layout.MANIFEST
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatch(
            f"index {path} has schema version {manifest.get('schema_version')!r}, this program "
            f"reads version {SCHEMA_VERSION}; run `{BUILD_RUN}` to rebuild it"
        )
    if manifest.get("model") != model_fingerprint:
        raise IndexMismatch(
            f"index {path} was built with model {manifest.get('model')!r}, but the configured "
            f"model is {model_fingerprint!r}; run `{BUILD_RUN}` to rebuild it "
            "(or set EMBEDDING_MODEL back)"
        )
    for key in ("dimension", "passages", "units", "kinds"):
        if key not in manifest:
            raise IndexDamaged(f"index file {file} lacks {key!r}; run `{BUILD_RUN}`")


def load_index(index_dir: Path, model_fingerprint: str, *, mmap: bool = True,
               multilingual: str | None = None, same_rules: bool = False) -> LoadedIndex:
    """Load the current index. Raises IndexDamaged (naming the file) or IndexMismatch (also when
    ``multilingual``, a model fingerprint, is wanted and not the one its multilingual vectors
    were made by, and with ``same_rules`` when the index was read by another version's rules: a
    start rebuilds it, a shard picking up another process's new index takes it as it is)."""
    import faiss

    bm25s = import_bm25s()
    path = current_path(index_dir)
    if path is None:
        raise IndexDamaged(f"no index in {index_dir}; run `{BUILD_RUN}`")
    manifest = read_manifest(path)
    check_manifest(manifest, path, model_fingerprint)
    if same_rules and manifest.get("rules") != rules_digest():  # an upgrade reads documents otherwise
        raise IndexMismatch(f"index {path} was built by the rules of another version of this program; "
                            f"run `{BUILD_RUN}` to rebuild it")
    passages = _load_passages(path, manifest)
    unit_passage, unit_start, vectors = _load_unit_arrays(path, manifest, len(passages), mmap)
    kinds = {kind: _load_kind(faiss, bm25s, path, kind, info, manifest["dimension"], mmap)
             for kind, info in manifest["kinds"].items()}
    multilingual_vectors = _load_e5(path, manifest, multilingual, len(passages), mmap)
    words = _read_json(path / layout.WORDS)
    articles = _read_json(path / layout.ARTICLES)
    catalogue = _load_catalogue(path, passages)
    return LoadedIndex(path, manifest, passages, np.asarray(unit_passage), np.asarray(unit_start),
                       vectors, words, kinds, catalogue, articles, **multilingual_vectors)


def _load_passages(path: Path, manifest: dict) -> PassageStore:
    """The passages of version ``path``, checked to parse to the last and to be as many as the
    manifest says."""
    passages_file = path / layout.PASSAGES
    try:
        passages = PassageStore(passages_file, np.load(path / layout.PASSAGE_OFFSETS))
        passages[len(passages) - 1] if len(passages) else None  # noqa: B018 (the last line parses)
    except FileNotFoundError as exc:
        raise IndexDamaged(f"index file {exc.filename or passages_file} is missing; run `{BUILD_RUN}`") from exc
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"index file {passages_file} is damaged; run `{BUILD_RUN}`") from exc
    if len(passages) != manifest["passages"]:
        raise IndexDamaged(
            f"index file {passages_file} holds {len(passages)} passages, the manifest says "
            f"{manifest['passages']}; run `{BUILD_RUN}`"
        )
    return passages


def _load_unit_arrays(path: Path, manifest: dict, passage_count: int,
                      mmap: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passage number of each unit, the first unit of each passage and the unit vectors,
    checked against the manifest and each other."""
    arrays = {}
    for name in (layout.UNITS, layout.UNIT_START, layout.VECTORS):
        file = path / name
        try:
            arrays[name] = np.load(file, mmap_mode="r" if mmap else None)
        except (OSError, ValueError) as exc:
            raise IndexDamaged(f"index file {file} is missing or damaged; run `{BUILD_RUN}`") from exc
    unit_passage, unit_start, vectors = arrays[layout.UNITS], arrays[layout.UNIT_START], arrays[layout.VECTORS]
    if len(unit_passage) != manifest["units"]:
        raise IndexDamaged(f"index file {path / layout.UNITS} does not match the manifest; run `{BUILD_RUN}`")
    if len(unit_start) != passage_count + 1 or len(vectors) != len(unit_passage):
        raise IndexDamaged(f"index files in {path} disagree with each other; run `{BUILD_RUN}`")
    return unit_passage, unit_start, vectors


def _load_kind(faiss, bm25s, path: Path, kind: str, info: dict, dimension: int, mmap: bool) -> KindIndex:
    """The dense and lexical indexes of one kind (``info``: its entry in the manifest)."""
    dense_file = path / layout.dense_file(kind)
    try:
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        dense = faiss.read_index(str(dense_file), flags)
    except RuntimeError as exc:
        raise IndexDamaged(
            f"index file {dense_file} is missing or damaged; run `{BUILD_RUN}`"
        ) from exc
    if dense.ntotal != info["units"][1] - info["units"][0] or dense.d != dimension:
        raise IndexDamaged(f"index file {dense_file} does not match the manifest; run `{BUILD_RUN}`")
    if info.get("index_type") == "ivf":
        faiss.extract_index_ivf(dense).nprobe = int(info.get("nprobe", IVF_NPROBE))
    bm25_dir = path / layout.bm25_folder(kind)
    try:
        bm25 = bm25s.BM25.load(str(bm25_dir), mmap=mmap, show_progress=False, verbosity=0)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexDamaged(f"index folder {bm25_dir} is missing or damaged; run `{BUILD_RUN}`") from exc
    return KindIndex(
        kind=kind,
        passage_offset=info["passages"][0],
        passage_count=info["passages"][1] - info["passages"][0],
        unit_offset=info["units"][0],
        dense=dense,
        bm25=bm25,
    )


def _load_e5(path: Path, manifest: dict, multilingual: str | None, passage_count: int, mmap: bool) -> dict:
    """The multilingual vectors of each passage, of it after its context and of the library's
    words (``multilingual_vectors``), if the version has them; IndexMismatch if ``multilingual``
    is wanted and they are not of that model."""
    if multilingual and manifest.get("multilingual", "") != multilingual:
        raise IndexMismatch(f"index {path} has no multilingual vectors of {multilingual or 'none'}; "
                            f"run `{BUILD_RUN}`")
    if not manifest.get("multilingual"):
        return {}
    file = path / layout.E5
    try:
        e5 = np.load(file, mmap_mode="r" if mmap else None)
        lexicon = np.load(path / layout.LEXICON)
        words = _read_json(path / layout.LEXICON_WORDS).get("words", [])
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"index file {getattr(exc, 'filename', None) or file} is missing or damaged; "
                           f"run `{BUILD_RUN}`") from exc
    if len(e5) != 2 * passage_count or len(lexicon) != len(words):
        raise IndexDamaged(f"index file {file} does not match the passages; run `{BUILD_RUN}`")
    return {"e5": e5[:passage_count], "e5_context": e5[passage_count:], "lexicon": lexicon, "lexicon_words": words}


def _load_catalogue(path: Path, passages: PassageStore) -> TreatyCatalogue:
    """The treaties of the version and the passages citing them."""
    catalogue_file = path / layout.CATALOGUE
    try:
        return TreatyCatalogue.from_dict(_read_json(catalogue_file), passages)
    except (KeyError, IndexError, TypeError) as exc:
        raise IndexDamaged(f"index file {catalogue_file} is damaged ({exc!r}); run `{BUILD_RUN}`") from exc
