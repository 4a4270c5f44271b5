"""W1 (high-tech enterprise, 2016 rules) in Python, side by side in one run: clausula
`evaluate` and `summarize` in a loop and `evaluate_batch` on a pandas DataFrame, PyPI
`zen-engine` (a JDM decision graph with a decision table; per record and its own `evaluate_batch`), PyPI
`json-logic`, and the rule hand-written as vectorised pandas and as a polars expression.

Every engine must return clausula's decision on every record before anything is timed.
Prints a Markdown table (median of REPEATS runs; ratio = engine time / clausula batch time).

    .venv/bin/python benches/python/peers.py [ROWS] [LOOP_ROWS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
import pandas as pd
import polars as pl
import zen
from json_logic import jsonLogic

import clausula

sys.path.insert(0, str(Path(__file__).parent))
from hnte_data import applicants  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2024-05-20"
AS_OF_DAY = int(np.datetime64(AS_OF, "D").astype(np.int64))
REPEATS = 5

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
loop_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000

policy = clausula.load(str(ROOT / "policies/national/high-tech-enterprise.cla"))
df = applicants(rows)
small = df.head(loop_rows)


def records(frame: pd.DataFrame) -> List[Dict[str, Any]]:
    """Per-record dicts in the policy's shape (dates as text, numbers as Python numbers)."""
    out = []
    cols = [c.split(".", 1)[1] for c in frame.columns]
    for values in frame.itertuples(index=False):
        e = {}
        for k, v in zip(cols, values):
            e[k] = v.isoformat() if k == "registration_date" else (v.item() if hasattr(v, "item") else v)
        out.append({"enterprise": e})
    return out


def with_days(recs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The same records for engines without dates: registration as a day number."""
    out = []
    for r in recs:
        e = dict(r["enterprise"])
        e["registration_day"] = int(np.datetime64(e.pop("registration_date"), "D").astype(np.int64))
        out.append({"enterprise": e, "as_of_day": AS_OF_DAY})
    return out


# ---- the rule, once per engine ------------------------------------------------------------

RULE = (
    "as_of_day - enterprise.registration_day >= 365"
    " and enterprise.owns_core_ip and enterprise.tech_in_priority_fields"
    " and enterprise.st_staff / enterprise.total_staff >= 0.1"
    " and enterprise.rd_expense_3y / enterprise.sales_3y >= threshold"
    " and enterprise.domestic_rd_expense_3y / enterprise.rd_expense_3y >= 0.6"
    " and enterprise.hightech_income / enterprise.total_income >= 0.6"
    " and enterprise.innovation_score > 70"
    " and not enterprise.major_incident_past_year"
)
ZEN_GRAPH = {
    "nodes": [
        {"id": "in", "name": "request", "type": "inputNode", "content": {}},
        {
            "id": "dt",
            "name": "rd threshold",
            "type": "decisionTableNode",
            "content": {
                "hitPolicy": "first",
                "passThrough": True,
                "inputs": [{"id": "i1", "name": "sales", "field": "enterprise.latest_year_sales"}],
                "outputs": [{"id": "o1", "name": "threshold", "field": "threshold"}],
                "rules": [
                    {"_id": "r1", "i1": "<= 50000000", "o1": "0.05"},
                    {"_id": "r2", "i1": "<= 200000000", "o1": "0.04"},
                    {"_id": "r3", "i1": "", "o1": "0.03"},
                ],
            },
        },
        {
            "id": "expr",
            "name": "rule",
            "type": "expressionNode",
            "content": {"expressions": [{"id": "x1", "key": "eligible", "value": RULE}]},
        },
        {"id": "out", "name": "response", "type": "outputNode", "content": {}},
    ],
    "edges": [
        {"id": "e1", "sourceId": "in", "targetId": "dt"},
        {"id": "e2", "sourceId": "dt", "targetId": "expr"},
        {"id": "e3", "sourceId": "expr", "targetId": "out"},
    ],
}


def var(name: str) -> Dict[str, Any]:
    return {"var": name}


def ratio_at_least(num: str, den: str, bound: Any) -> Dict[str, Any]:
    return {">=": [{"/": [var(num), var(den)]}, bound]}


JSON_LOGIC = {
    "and": [
        {">=": [{"-": [var("as_of_day"), var("enterprise.registration_day")]}, 365]},
        var("enterprise.owns_core_ip"),
        var("enterprise.tech_in_priority_fields"),
        ratio_at_least("enterprise.st_staff", "enterprise.total_staff", 0.1),
        ratio_at_least(
            "enterprise.rd_expense_3y",
            "enterprise.sales_3y",
            {
                "if": [
                    {"<=": [var("enterprise.latest_year_sales"), 50000000]},
                    0.05,
                    {"<=": [var("enterprise.latest_year_sales"), 200000000]},
                    0.04,
                    0.03,
                ]
            },
        ),
        ratio_at_least("enterprise.domestic_rd_expense_3y", "enterprise.rd_expense_3y", 0.6),
        ratio_at_least("enterprise.hightech_income", "enterprise.total_income", 0.6),
        {">": [var("enterprise.innovation_score"), 70]},
        {"!": var("enterprise.major_incident_past_year")},
    ]
}


def pandas_rule(frame: pd.DataFrame) -> pd.Series:
    e = lambda c: frame[f"enterprise.{c}"]  # noqa: E731
    sales = e("latest_year_sales")
    threshold = np.where(sales <= 50_000_000, 0.05, np.where(sales <= 200_000_000, 0.04, 0.03))
    age = pd.Timestamp(AS_OF) - pd.to_datetime(e("registration_date"))
    return (
        (age.dt.days >= 365)
        & e("owns_core_ip")
        & e("tech_in_priority_fields")
        & (e("st_staff") / e("total_staff") >= 0.1)
        & (e("rd_expense_3y") / e("sales_3y") >= threshold)
        & (e("domestic_rd_expense_3y") / e("rd_expense_3y") >= 0.6)
        & (e("hightech_income") / e("total_income") >= 0.6)
        & (e("innovation_score") > 70)
        & ~e("major_incident_past_year")
    )


def polars_rule(frame: pl.DataFrame) -> pl.Series:
    e = lambda c: pl.col(f"enterprise.{c}")  # noqa: E731
    sales = e("latest_year_sales")
    threshold = pl.when(sales <= 50_000_000).then(0.05).when(sales <= 200_000_000).then(0.04).otherwise(0.03)
    age = (pl.lit(AS_OF).str.to_date() - e("registration_date")).dt.total_days()
    rule = (
        (age >= 365)
        & e("owns_core_ip")
        & e("tech_in_priority_fields")
        & (e("st_staff") / e("total_staff") >= 0.1)
        & (e("rd_expense_3y") / e("sales_3y") >= threshold)
        & (e("domestic_rd_expense_3y") / e("rd_expense_3y") >= 0.6)
        & (e("hightech_income") / e("total_income") >= 0.6)
        & (e("innovation_score") > 70)
        & ~e("major_incident_past_year")
    )
    return frame.select(rule.alias("eligible"))["eligible"]


# ---- prepared inputs ------------------------------------------------------------------------

small_recs = records(small)
small_days = with_days(small_recs)
zen_engine = zen.ZenEngine({"loader": {"type": "static", "content": {"w1": ZEN_GRAPH}}})
zen_decision = zen_engine.create_decision(json.dumps(ZEN_GRAPH))
zen_requests = [{"key": "w1", "context": c} for c in small_days]
pl_df = pl.from_pandas(df)
pl_df = pl_df.with_columns(pl.col("enterprise.registration_date").cast(pl.Date))


def clausula_loop() -> List[bool]:
    return [policy.evaluate(r, as_of=AS_OF).outcomes["high_tech_enterprise"].status == "eligible" for r in small_recs]


def clausula_summarize_loop() -> List[bool]:
    return [policy.summarize(r, as_of=AS_OF).outcomes["high_tech_enterprise"].status == "eligible" for r in small_recs]


def clausula_batch_frame(frame: pd.DataFrame) -> List[bool]:
    out = policy.evaluate_batch(frame, as_of=AS_OF)
    return list(out["high_tech_enterprise.status"] == "eligible")


def zen_loop() -> List[bool]:
    return [bool(zen_decision.evaluate(c)["result"]["eligible"]) for c in small_days]


def zen_batch() -> List[bool]:
    return [bool(r["data"]["result"]["eligible"]) for r in zen_engine.evaluate_batch(zen_requests)]


def json_logic_loop() -> List[bool]:
    return [bool(jsonLogic(JSON_LOGIC, c)) for c in small_days]


# ---- agreement, then timing -------------------------------------------------------------------

reference_small = clausula_batch_frame(small)
reference_all = clausula_batch_frame(df)
eligible_share = sum(reference_all) / rows
assert 0.2 < eligible_share < 0.8, eligible_share
checks: Dict[str, List[bool]] = {
    "clausula evaluate (loop)": clausula_loop(),
    "clausula summarize (loop)": clausula_summarize_loop(),
    "zen-engine (loop)": zen_loop(),
    "zen-engine evaluate_batch": zen_batch(),
    "json-logic (loop)": json_logic_loop(),
}
for name, got in checks.items():
    bad = [i for i, (a, b) in enumerate(zip(reference_small, got)) if a != b]
    assert len(got) == loop_rows and not bad, f"{name} disagrees with clausula on records {bad[:10]}"
for name, got in {
    "pandas": list(pandas_rule(df)),
    "polars": list(polars_rule(pl_df)),
}.items():
    bad = [i for i, (a, b) in enumerate(zip(reference_all, got)) if a != bool(b)]
    assert len(got) == rows and not bad, f"{name} disagrees with clausula on rows {bad[:10]}"
print(f"agreement: every engine returns clausula's decision ({loop_rows} records per-record engines, "
      f"{rows} rows frame engines; {eligible_share:.1%} eligible)")


def median_seconds(f: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


results = [
    ("clausula `evaluate_batch` (pandas in/out)", rows, median_seconds(lambda: clausula_batch_frame(df))),
    ("clausula `evaluate` in a loop", loop_rows, median_seconds(clausula_loop)),
    ("clausula `summarize` in a loop", loop_rows, median_seconds(clausula_summarize_loop)),
    ("zen-engine `evaluate` in a loop", loop_rows, median_seconds(zen_loop)),
    ("zen-engine `evaluate_batch`", loop_rows, median_seconds(zen_batch)),
    ("json-logic in a loop", loop_rows, median_seconds(json_logic_loop)),
    ("hand-written vectorised pandas", rows, median_seconds(lambda: pandas_rule(df))),
    ("hand-written polars expression", rows, median_seconds(lambda: polars_rule(pl_df))),
]
base = results[0][2] / results[0][1]
print()
print("| engine | records | median per decision | decisions/s | time ÷ clausula batch |")
print("|---|---:|---:|---:|---:|")
for name, n, t in results:
    per = t / n
    print(f"| {name} | {n:,} | {per * 1e9:,.0f} ns | {n / t:,.0f} | {per / base:.2f}× |")
