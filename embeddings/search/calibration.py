"""Calibrating the no-answer thresholds on each index version (English and multilingual paths)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from embeddings import files
from embeddings.corpus.text import normalise
from embeddings.encoders.multilingual import THRESHOLD as MULTILINGUAL_THRESHOLD
from embeddings.index import layout
from embeddings.search.fusion import fuse
from embeddings.search.params import (
    MULTILINGUAL_PROBE_FILE,
    PROBE_QUANTILE,
    calibrated_thresholds,
    probe_questions,
)
from embeddings.search.results import SCOPES

log = logging.getLogger(__name__)


class Calibration:
    """The no-answer thresholds of one index version: the fitted ones, raised as far as off-topic probe
    questions score higher on this library than where they were fitted; kept in the version so a
    restart reads them. Mixed into Searcher."""

    def calibrate(self) -> dict[str, float]:
        """Set each scope's no-answer threshold for this index: the fitted one, raised by as much
        as the off-topic probes score higher here than where the rule was fitted. About 150
        questions: half a second here. Returns the thresholds."""
        references = dict(self.params.probe_levels)
        if not references:
            return self.thresholds
        file = self._calibration_file()
        try:
            self.thresholds = {scope: float(t) for scope, t in json.loads(file.read_text(encoding="utf-8")).items()}
            return self.thresholds
        except (OSError, ValueError, AttributeError, TypeError):
            pass  # not calibrated yet with these parameters and this model (or unreadable): do it
        probabilities: dict[str, list[float]] = {scope: [] for scope in references if scope in SCOPES}
        prepared = [self._prepare(normalise(question)) for question in probe_questions()]
        vectors = self.query_vectors([query for query, _ in prepared])  # embedded together, once
        for query, facts in prepared:
            for scope in probabilities:
                found = self._candidates(query, facts, vectors[query], scope)
                if found is not None and len(found.numbers):
                    probabilities[scope].append(fuse(found, self.params, 1)[4]["probability"])
        fitted = self.params.answer_threshold
        self.thresholds = calibrated_thresholds(probabilities, self.params)
        raised = {scope: t for scope, t in self.thresholds.items() if t > fitted}
        if raised:
            log.info("no-answer threshold raised from %.3f to %s: off-topic probe questions score higher "
                     "on this library than where the rule was fitted", fitted,
                     ", ".join(f"{t:.3f} ({scope})" for scope, t in raised.items()))
        try:  # kept with the index version, so the next start need not score the probes again
            files.write_json(file, self.thresholds, indent=None)
        except OSError as exc:
            log.debug("calibration not kept in %s: %s", file.parent, exc)
        return self.thresholds

    def calibrate_multilingual(self) -> dict[str, float]:
        """The multilingual path's threshold per scope: the fitted one, or, where higher, the
        cosine 90% of the off-topic probes in other languages stay under on this index (kept in
        the version like the English calibration). Raising the fitted threshold by as much as
        probes rise from data/ to a library, as the English path does, refused 0.35-0.44 of the
        answerable questions in other languages once the library was loaded (docs/quality.md)."""
        file = self._calibration_file("multilingual")
        try:
            self.multilingual_thresholds = {k: float(v) for k, v in json.loads(file.read_text("utf-8")).items()}
            return self.multilingual_thresholds
        except (OSError, ValueError, AttributeError, TypeError):
            pass
        probes = [self.multilingual.query(q) for q in probe_questions(MULTILINGUAL_PROBE_FILE)]
        for scope in ("statements", "all"):
            numbers = self._scope_numbers(scope, None)
            if not len(numbers):
                continue
            matrix = np.asarray(self.index.e5[numbers])
            level = float(np.quantile([float((matrix @ v).max()) for v in probes], PROBE_QUANTILE))
            self.multilingual_thresholds[scope] = max(MULTILINGUAL_THRESHOLD, level)
        try:
            files.write_json(file, self.multilingual_thresholds, indent=None)
        except OSError as exc:
            log.debug("calibration not kept in %s: %s", file.parent, exc)
        return self.multilingual_thresholds

    def _calibration_file(self, path: str = "english") -> Path:
        """Where this index version keeps its calibration for these parameters, probes and model."""
        model = self.multilingual.fingerprint if path == "multilingual" else getattr(self.encoder, "fingerprint", "")
        key = hashlib.sha256(json.dumps(
            [self.params.to_dict(), probe_questions(), model, path,
             [MULTILINGUAL_THRESHOLD, probe_questions(MULTILINGUAL_PROBE_FILE)] if path != "english" else []],
            sort_keys=True).encode()).hexdigest()[:16]
        return Path(self.index.path) / layout.calibration_file(key)
