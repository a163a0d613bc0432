import json
import os
from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import BuildFailed, IndexDamaged, IndexMismatch
from embeddings.index import build as build_module
from embeddings.index.build import build_index
from embeddings.index.layout import SCHEMA_VERSION, current_path
from embeddings.index.load import BUILD_RUN, load_index, passage_units
from embeddings.service import Engine

from .conftest import DATA, SHIPPED_PASSAGES, STATEMENT_FILE, shipped_files


def test_round_trip_and_manifest(engine):
    index = engine.index
    manifest = index.manifest
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["model"] == engine.encoder.fingerprint
    assert manifest["dimension"] == 384
    assert manifest["passages"] == len(index.passages) == SHIPPED_PASSAGES
    assert manifest["build_time"] and set(manifest["sources"]) == {
        f.name for f in shipped_files() if f.suffix == ".txt"}
    reloaded = load_index(engine.settings.index_dir, engine.encoder.fingerprint)
    assert [p.to_dict() for p in reloaded.passages] == [p.to_dict() for p in index.passages]
    # Stored vectors are the model's own, normalised.
    vectors = np.load(reloaded.path / "vectors.npy")
    first = passage_units(reloaded.passages[0])[0]
    assert reloaded.passages[0].kind == "statement" and first == reloaded.passages[0].text
    assert np.allclose(vectors[0], engine.encoder.encode([first])[0], atol=1e-5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_a_start_reads_passages_on_demand_and_keeps_its_calibration(fresh_built, encoder, monkeypatch):
    """What makes a start at a million passages take a second, not a quarter of a minute: the
    passages are parsed when a reply needs them, and the no-answer rule's calibration on a version
    (about 150 probe questions) is kept in it for the next start."""
    from embeddings.corpus import records
    from embeddings.search.searcher import Searcher

    parsed = []
    real = records.Passage.from_dict.__func__
    monkeypatch.setattr(records.Passage, "from_dict", classmethod(lambda cls, d: parsed.append(1) or real(cls, d)))
    first = Engine(fresh_built, encoder=encoder)
    first.load()
    kept = first.searcher._calibration_file()
    assert json.loads(kept.read_text()) == first.searcher.thresholds
    multilingual = first.searcher._calibration_file("multilingual")
    assert json.loads(multilingual.read_text()) == first.searcher.multilingual_thresholds
    citations = sum(len(t.citations) for t in first.catalogue.treaties)
    assert len(parsed) <= citations + 1 < len(first.index.passages)  # the catalogue's citations, one check

    probed = []
    monkeypatch.setattr(Searcher, "_candidates", lambda *a: probed.append(1))
    monkeypatch.setattr(Searcher, "_scope_numbers", lambda *a: probed.append(1))
    again = Engine(fresh_built, encoder=encoder)
    again.load()
    assert again.searcher.thresholds == first.searcher.thresholds and not probed
    assert again.searcher.multilingual_thresholds == first.searcher.multilingual_thresholds


def test_index_is_a_symlinked_version_folder(engine):
    link = engine.settings.index_dir / "current"
    assert link.is_symlink() and link.resolve().name.startswith("v-")
    assert not list(engine.settings.index_dir.glob(".tmp-*"))


def test_other_model_is_refused_with_what_to_run(fresh_built, encoder):
    fresh_settings = fresh_built
    path = current_path(fresh_settings.index_dir)
    with pytest.raises(IndexMismatch) as info:
        load_index(fresh_settings.index_dir, "some-other-model@123")
    assert BUILD_RUN in str(info.value) and "some-other-model" in str(info.value)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="schema version 99"):
        load_index(fresh_settings.index_dir, encoder.fingerprint)


def test_an_index_built_by_other_rules_is_rebuilt_at_the_next_start(fresh_built, encoder, monkeypatch):
    """An upgrade that reads documents otherwise (voices, passages) is served only after the index
    is read again by its rules; the vectors of unchanged texts are reused."""
    from embeddings.index import load as load_module

    before = current_path(fresh_built.index_dir)
    for module in (build_module, load_module):
        monkeypatch.setattr(module, "rules_digest", lambda: "other rules")
    with pytest.raises(IndexMismatch, match="rules of another version"):
        load_index(fresh_built.index_dir, encoder.fingerprint, same_rules=True)
    # A shard picking up an index another process (perhaps of a newer version) swapped in takes it.
    assert load_index(fresh_built.index_dir, encoder.fingerprint).path == before
    upgraded = Engine(fresh_built, encoder=encoder)
    upgraded.load()
    assert current_path(fresh_built.index_dir) != before
    assert upgraded.index.manifest["rules"] == "other rules"
    assert upgraded.ask("What does Article 5 say?", scope="all").answered


def test_incremental_rebuild_embeds_only_new_text(fresh_settings, encoder, monkeypatch):
    """The previous version is the cache (no vectors kept beside the model here)."""
    for file in fresh_settings.data_dir.iterdir():  # the statement and one agreement: enough to tell
        if not file.name.startswith((Path(STATEMENT_FILE).stem, "north_atlantic")):
            file.unlink()
    first = build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder)
    assert first.documents == 2 and first.added == first.passages and first.embedded > first.passages
    new_text = "date 2023-07 The allies met in Vilnius.\n\nThey agreed on new regional plans."
    (fresh_settings.data_dir / "vilnius.txt").write_text(new_text, "utf-8")
    second = build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder)
    assert (second.documents, second.added, second.removed) == (3, 2, 0)
    assert second.embedded == 4  # two one-sentence paragraphs, each also after its title; the rest cached
    (fresh_settings.data_dir / "vilnius.txt").unlink()
    third = build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder)
    assert (third.added, third.removed, third.embedded) == (0, 2, 0)
    unchanged = build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder)
    assert unchanged.unchanged and unchanged.embedded == 0
    # Other reading rules (an upgrade): the same files are read again, their vectors reused.
    monkeypatch.setattr(build_module, "rules_digest", lambda: "other rules")
    upgraded = build_index(fresh_settings.data_dir, fresh_settings.index_dir, encoder)
    assert not upgraded.unchanged and upgraded.embedded == 0


def test_vectors_kept_beside_the_model_serve_any_index_folder(tmp_path, encoder):
    """A new INDEX_DIR on the same MODEL_DIR (a new shard's folder, an index deleted or damaged)
    embeds nothing the model embedded before, and gets the same vectors; a damaged cache file only
    makes a build slower."""
    import shutil

    from embeddings.index.vector_cache import read_vectors

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(DATA / STATEMENT_FILE, data / STATEMENT_FILE)
    cache = tmp_path / "models" / "vectors.npz"
    first = build_index(data, tmp_path / "a", encoder, vector_cache=cache)
    assert first.embedded > first.passages and len(read_vectors(cache)) == first.embedded
    second = build_index(data, tmp_path / "b", encoder, vector_cache=cache)
    assert second.embedded == 0 and not second.unchanged and second.passages == first.passages
    vectors = [np.load(current_path(tmp_path / name) / "vectors.npy") for name in ("a", "b")]
    assert np.array_equal(*vectors)
    cache.write_bytes(b"not a cache")
    third = build_index(data, tmp_path / "c", encoder, vector_cache=cache)
    assert third.embedded == first.embedded and len(read_vectors(cache)) == first.embedded


class ExplodingEncoder:
    """The real encoder, but it fails when asked to embed: a build that dies half way."""

    def __init__(self, real):
        self.real = real
        self.fingerprint = real.fingerprint
        self.model_path = real.model_path
        self.dimension = real.dimension
        self.backend = real.backend

    def encode(self, texts, **kwargs):
        raise OSError(28, "No space left on device")

    def encode_query(self, text):
        return self.real.encode_query(text)

    def warm(self):
        self.real.warm()


def test_failed_build_leaves_old_index_serving(fresh_built, encoder):
    fresh_settings = fresh_built
    engine = Engine(fresh_settings, encoder=encoder)
    engine.load()
    old = engine.index.path
    (fresh_settings.data_dir / "new.txt").write_text("date 2024-01 Something new.\n", "utf-8")
    broken = Engine(fresh_settings, encoder=ExplodingEncoder(encoder))
    with pytest.raises(BuildFailed, match="No space left"):
        broken.rebuild()
    assert current_path(fresh_settings.index_dir) == old
    assert not list(fresh_settings.index_dir.glob(".tmp-*"))
    assert engine.ask("Which country was condemned for enabling the attack?").answered


def test_damaged_files_name_the_file(fresh_built, encoder):
    fresh_settings = fresh_built
    path = current_path(fresh_settings.index_dir)
    faiss_file = path / "dense-statement.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexDamaged) as info:
        load_index(fresh_settings.index_dir, encoder.fingerprint)
    assert str(faiss_file) in str(info.value) and BUILD_RUN in str(info.value)


def test_damaged_catalogue_is_named(fresh_built, encoder):
    path = current_path(fresh_built.index_dir)
    (path / "catalogue.json").write_text('{"treaties": [{"name": "x"', encoding="utf-8")
    with pytest.raises(IndexDamaged) as info:
        load_index(fresh_built.index_dir, encoder.fingerprint)
    assert str(path / "catalogue.json") in str(info.value)


def test_catalogue_is_stored_with_the_index_as_it_would_be_made(engine):
    """Loading reads the catalogue the build made; it is the one a fresh scan makes."""
    from embeddings.corpus.treaties import TreatyCatalogue

    index = engine.index
    fresh = TreatyCatalogue(index.passages, index.manifest["documents"])
    stored = index.catalogue

    def summary(catalogue):
        return [(t.name, t.aliases, t.document, t.date, t.members, [p.id for p in t.citations])
                for t in catalogue.treaties]

    assert summary(stored) == summary(fresh) and engine.catalogue is stored
    assert any(t.citations for t in stored.treaties)


def test_engine_rebuilds_a_damaged_index_from_data(fresh_built, encoder):
    fresh_settings = fresh_built
    path = current_path(fresh_settings.index_dir)
    os.remove(path / "passages.jsonl")
    engine = Engine(fresh_settings, encoder=encoder)
    assert engine.ask("article 5").answered
    assert engine.index.path != path


def test_index_built_automatically_on_first_use(fresh_settings, encoder):
    assert not Path(fresh_settings.index_dir, "current").exists()
    engine = Engine(fresh_settings, encoder=encoder)
    result = engine.ask("Which country did the allies condemn for enabling the attack?")
    assert result.answered and "Belarus" in result.hits[0].passage.text


@pytest.mark.slow
def test_large_kinds_get_an_inverted_file_index(fresh_settings, encoder, monkeypatch):
    """Above EXACT_SEARCH_LIMIT units a kind is searched through IVF; answers stay the same."""
    import embeddings.index.build as build_module
    import embeddings.index.load as index_module

    monkeypatch.setattr(build_module, "EXACT_SEARCH_LIMIT", 50)
    engine = Engine(fresh_settings, encoder=encoder)
    engine.load()
    kinds = engine.index.manifest["kinds"]
    assert kinds["treaty"]["index_type"] == "ivf" and kinds["treaty"]["nprobe"] == index_module.IVF_NPROBE
    assert kinds["statement"]["index_type"] == "ivf"
    top = engine.ask("Which country did the allies condemn for enabling the attack?").hits[0].passage
    assert "Belarus" in top.text
    treaty = engine.ask("an armed attack against one is an attack against them all", scope="treaties")
    assert "5" in [h.passage.article for h in treaty.hits]


def test_ivf_recall_against_exact_search():
    import faiss

    from embeddings.index.build import make_dense_index

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((5000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, params = make_dense_index(vectors, exact_limit=1000)
    assert params == {"index_type": "ivf", "nlist": 282, "nprobe": 64}
    index.nprobe = params["nprobe"]
    queries = vectors[:100] + 0.1 * rng.standard_normal((100, 32)).astype(np.float32)
    exact = faiss.IndexFlatIP(32)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    _, got = index.search(queries, 10)
    recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)])
    assert recall >= 0.9


_READER = """
import sys, time
from pathlib import Path
import numpy as np
from embeddings.index.load import load_index
index = load_index(Path(sys.argv[1]), sys.argv[2])
print(index.path.name, flush=True)
stop, reads = Path(sys.argv[3]), 0
while not stop.exists():
    assert np.isfinite(np.asarray(index.vectors).sum()) and index.passages[-1].text  # the old files
    reads += 1
    time.sleep(0.02)
print(reads, flush=True)
"""


def test_replaced_versions_stay_while_another_process_reads_them(fresh_built, encoder):
    """The grace period runs from when a version was replaced, not from when it was built; the
    last two replaced versions stay however old; a process serving an old version reads on."""
    import subprocess
    import sys
    import time

    from embeddings.index.layout import REPLACED

    settings = fresh_built
    first = current_path(settings.index_dir)
    week_ago = time.time() - 7 * 86400
    os.utime(first, (week_ago, week_ago))  # built long ago, still current until now
    stop = settings.index_dir.parent / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(settings.index_dir), encoder.fingerprint, str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == first.name
        versions = [first]
        for n in range(3):
            (settings.data_dir / f"news{n}.txt").write_text(f"date 2024-0{n + 1} The allies met again, round {n}.\n",
                                                           "utf-8")
            build_index(settings.data_dir, settings.index_dir, encoder)
            versions.append(current_path(settings.index_dir))
            if n == 0:
                assert first.exists()  # replaced a moment ago: kept, though built a week ago
        # first, second and third were replaced just now: all kept, within the grace period
        assert all(v.exists() for v in versions)
        for old in versions[:3]:  # as if they had been replaced an hour ago
            (old / REPLACED).write_text(f"{time.time() - 3600}\n")
        (settings.data_dir / "news9.txt").write_text("date 2024-09 The allies met once more.\n", "utf-8")
        build_index(settings.data_dir, settings.index_dir, encoder)
        # replaced long ago: only the last two replaced (third, just now; second) are kept
        assert [v.exists() for v in versions] == [False, False, True, True]
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0 and int(out.split()[-1]) > 0  # it read its version throughout
