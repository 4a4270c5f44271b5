"""evaluate_batch over 1,000,000 applicants of the high-tech-enterprise policy, checked
against row-by-row evaluate on a sample. Prints rows per second (a benchmark, not a test).

    .venv/bin/python benches/python/batch_1m.py [ROWS]
"""

import random
import sys
import time
from pathlib import Path

import clausula

sys.path.insert(0, str(Path(__file__).parent))
from hnte_data import applicants, facts  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
policy = clausula.load(str(ROOT / "policies/national/high-tech-enterprise.cla"))
t0 = time.perf_counter()
df = applicants(n)
t1 = time.perf_counter()
out = policy.evaluate_batch(df, as_of="2024-05-20")
t2 = time.perf_counter()
status = out["high_tech_enterprise.status"]
assert len(out) == n and out["error"].isna().all()
rng = random.Random(1)
sample = rng.sample(range(n), 1000)
for i in sample:
    d = policy.evaluate(facts(df.iloc[i]), as_of="2024-05-20")
    assert d.outcomes["high_tech_enterprise"].status == status.iloc[i], i
eligible = (status == "eligible").mean()
print(f"rows: {n}; generated in {t1 - t0:.2f} s; evaluate_batch {t2 - t1:.2f} s = {n / (t2 - t1):,.0f} rows/s; "
      f"eligible {eligible:.1%}; 1000 sampled rows equal row-by-row evaluate")
