"""Time `harness oltp seed` at scale 0.1 and 1 on the dev shop (HARNESS_HOME, default ./.warehouse).

    .venv/bin/python bench/bench_seed.py [scales...]      (default: 0.1 1)

Replaces the shop's contents (--replace). Prints rows, seconds and rows/s per scale.
Not part of the test run: scale 1 writes about 1.8 million rows.
"""

from __future__ import annotations

import sys

from harness import migrate
from harness.oltp import seed


def main(scales: list[float]) -> None:
    migrate.migrate()
    for scale in scales:
        result = seed.seed(scale, 42, replace=True)
        lines = result.rows["order_items"]
        print(f"scale {scale:>5}: {result.total_rows:>10,} rows ({lines:,} order lines, {result.rows['orders']:,} orders) "
              f"in {result.seconds:6.1f} s = {result.total_rows / result.seconds:,.0f} rows/s, "
              f"{lines / result.seconds:,.0f} lines/s", flush=True)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.1, 1.0])
