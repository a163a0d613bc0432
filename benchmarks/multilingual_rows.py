"""How a question in another language scores the passages' multilingual vectors, at library
sizes: gathering the wanted rows then multiplying (``matrix[numbers] @ v``) against scoring
every row and picking the wanted ones (``(matrix @ v)[numbers]``, what
``embeddings.search.other_languages.similarities`` does when most rows are wanted). The matrix
is read memory-mapped from disk, as an index loads it. Prints figures, asserts nothing.

    .venv/bin/python benchmarks/multilingual_rows.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from embeddings.search.other_languages import similarities

DIMENSION = 384  # multilingual-e5-small


def timed(function, *args, repeats: int = 20) -> float:
    function(*args)  # warm the page cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def gather(matrix, numbers, vector):
    return np.asarray(matrix[numbers] @ vector, dtype=np.float64)


def pick(matrix, numbers, vector):
    return np.asarray(matrix @ vector, dtype=np.float64)[numbers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'rows':>9} {'wanted':>7} {'gather then score ms':>21} {'score all, pick ms':>19} {'served ms':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            matrix = rng.standard_normal((size, DIMENSION), dtype=np.float32)
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            path = Path(tmp) / f"e5-{size}.npy"
            np.save(path, matrix)
            del matrix
            mapped = np.load(path, mmap_mode="r")
            vector = rng.standard_normal(DIMENSION).astype(np.float32)
            for share in (1.0, 0.9, 0.1):
                numbers = np.sort(rng.choice(size, int(size * share), replace=False))
                times = [timed(f, mapped, numbers, vector) for f in (gather, pick, similarities)]
                print(f"{size:>9,} {share:>7.0%} {times[0]:>21.2f} {times[1]:>19.2f} {times[2]:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
