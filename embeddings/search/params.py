"""The search parameters fitted for a model (fusion weights, the no-answer model and its
thresholds, the confident level), saved beside the model, and the off-topic probe questions that
calibrate them on each index."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchParams:
    """Fusion weights and the no-answer model.

    The defaults were fitted for the base all-MiniLM-L6-v2; a fine-tuned model carries its own,
    refitted on out-of-fold questions (``embeddings/train.py``), in ``search_params.json`` in
    its folder, which :meth:`load` reads."""

    candidates: int = 50
    passage_weight: float = 0.5  # a: whole-passage cosine against best-sentence cosine
    lexical_weight: float = 1.2
    lexical_saturation: float = 1.0
    correct_spelling: bool = True
    # No-answer: logistic model over the signals; answer when its probability >= threshold.
    answer_bias: float = -0.91
    answer_weights: tuple[tuple[str, float], ...] = (
        ("dense", 2.08), ("lexical", 2.08), ("unknown", -1.62), ("unknown_year", -1.95),
    )
    answer_threshold: float = 0.475
    # And answer only if the best dense score reaches this floor: unlike the word-based signals
    # it does not drift as the library's vocabulary grows (embeddings/train.py fits it).
    dense_floor: float = 0.0
    # A passage whose article number the question names ("Article 51 of the UN Charter") gets
    # this much added: such a question is a look-up, and similarity alone can rank a neighbour
    # first. Set by hand, not fitted (few labelled rows name an article); 0 turns it off.
    article_weight: float = 0.3
    # An answer whose probability is under this level is tentative: the reply names the nearest
    # passage as only that (embeddings/train.py fits it; 0 turns it off).
    confident_threshold: float = 0.0
    # Per scope, the probes' level on the corpus the rule was fitted on (see PROBE_QUANTILE);
    # none: the threshold is not corrected for the library's growth.
    probe_levels: tuple[tuple[str, float], ...] = ()

    FILE = "search_params.json"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["answer_weights"] = dict(self.answer_weights)
        data["probe_levels"] = dict(self.probe_levels)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SearchParams:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("answer_weights", "probe_levels"):
            if name in known:
                known[name] = tuple((str(k), float(v)) for k, v in dict(known[name]).items())
        return cls(**known)

    @classmethod
    def load(cls, model_path: str | Path) -> SearchParams:
        """The parameters fitted for the model in ``model_path``; the defaults if it has none."""
        file = Path(model_path) / cls.FILE
        if not file.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            log.warning("ignoring %s (%s); using the default search parameters", file, exc)
            return cls()

# The no-answer rule is fitted on one corpus; a larger library brings more words and more
# passages, and off-topic questions then score higher. So fixed off-topic probe questions are
# scored when the rule is fitted (SearchParams.probe_levels) and again on each index when it is
# loaded; where they now score higher, the threshold rises by as much. Probes are not labelled
# rows: refusal is measured on other questions.
PROBE_FILE = "calibration/off_topic_probes.txt"
# The same kind of questions in the other languages the multilingual path serves.
MULTILINGUAL_PROBE_FILE = "calibration/off_topic_probes_multilingual.txt"

PROBE_QUANTILE = 0.90  # the probes' level: the probability 90% of them stay under


@cache
def probe_questions(file: str = PROBE_FILE) -> tuple[str, ...]:
    text = resources.files("embeddings").joinpath(file).read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def probe_level(probabilities: Sequence[float]) -> float:
    """The answer probability PROBE_QUANTILE of the probes stay under."""
    ranked = sorted(probabilities)
    return round(ranked[min(len(ranked) - 1, math.ceil(PROBE_QUANTILE * len(ranked)) - 1)], 4)


def calibrated_threshold(probabilities: Sequence[float], fitted: float, reference: float | None) -> float:
    """The fitted threshold, raised by as much as the probes' level rose above ``reference``
    (their level where the rule was fitted); unchanged without a reference."""
    if reference is None or not len(probabilities):
        return fitted
    return round(fitted + max(0.0, probe_level(probabilities) - reference), 4)


def calibrated_thresholds(probabilities: dict[str, Sequence[float]], params: SearchParams) -> dict[str, float]:
    """Per scope, the threshold for an index whose probes scored ``probabilities`` (one list per
    scope): what Searcher.calibrate sets, and what the cross-validation applies to each fold."""
    references = dict(params.probe_levels)
    return {scope: calibrated_threshold(p, params.answer_threshold, references.get(scope))
            for scope, p in probabilities.items()}


# The highest the confident level rises on a larger library. On every spent set (12 libraries of
# 16 to 44 documents, 403 answered English questions), answers under it were right first 0.63 of
# the time and those over it 0.80: with the level raised as far as the threshold (to 0.92), more
# than half of all answers were tentative, right as often as the confident ones (docs/quality.md).
CONFIDENT_CAP = 0.85


def confident_level(params: SearchParams, threshold: float | None = None) -> float:
    """The answer probability under which an answer is only tentative: the fitted level, raised
    as much as an index's calibrated ``threshold`` was raised over the fitted one, up to
    CONFIDENT_CAP; 0 when off."""
    if not params.confident_threshold:
        return 0.0
    raised = 0.0 if threshold is None else max(0.0, threshold - params.answer_threshold)
    return min(params.confident_threshold + raised, max(params.confident_threshold, CONFIDENT_CAP))
