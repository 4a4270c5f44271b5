"""What `lines=True` costs: evaluate_batch over the same high-tech-enterprise applicants
(pyarrow in and out) with and without the line columns; medians of several runs, and the
ratio. A benchmark, not a test.

    .venv/bin/python benches/python/batch_lines.py [ROWS] [RUNS]
"""

import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa

import clausula

sys.path.insert(0, str(Path(__file__).parent))
from hnte_data import applicants  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
policy = clausula.load(str(ROOT / "policies/national/high-tech-enterprise.cla"))
table = pa.Table.from_pandas(applicants(n), preserve_index=False)


def median(**options: bool) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        policy.evaluate_batch(table, as_of="2024-05-20", **options)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


plain = median()
lines = median(lines=True)
out = policy.evaluate_batch(table, as_of="2024-05-20", lines=True)
columns = [c for c in out.column_names if c.startswith("high_tech_enterprise.line")]
print(
    f"rows: {n}; {len(columns)} line columns; median of {runs}: plain {plain * 1e3:.1f} ms "
    f"({plain / n * 1e9:.0f} ns/row), lines=True {lines * 1e3:.1f} ms ({lines / n * 1e9:.0f} ns/row); "
    f"ratio {lines / plain:.2f}x"
)
