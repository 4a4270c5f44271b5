"""Deterministic synthetic applicants for the high-tech-enterprise policy (2016 rules):
about half are eligible. Shared by the Python benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def applicants(n: int, seed: int = 2016) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(200, 4000, n)
    reg = (np.datetime64("2024-05-20") - days.astype("timedelta64[D]")).astype("datetime64[D]")
    total = rng.integers(20, 2000, n)
    sales_latest = rng.choice([30e6, 50e6, 80e6, 150e6, 250e6], n)
    sales_3y = sales_latest * rng.uniform(2.2, 3.0, n)
    rd = sales_3y * rng.uniform(0.032, 0.08, n)
    return pd.DataFrame(
        {
            "enterprise.registration_date": pd.Series(reg).dt.date,
            "enterprise.owns_core_ip": rng.random(n) < 0.97,
            "enterprise.tech_in_priority_fields": rng.random(n) < 0.97,
            "enterprise.total_staff": total,
            "enterprise.st_staff": (total * rng.uniform(0.08, 0.25, n)).astype(np.int64),
            "enterprise.rd_expense_3y": rd.round(2),
            "enterprise.domestic_rd_expense_3y": (rd * rng.uniform(0.58, 1.0, n)).round(2),
            "enterprise.sales_3y": sales_3y.round(2),
            "enterprise.latest_year_sales": sales_latest,
            "enterprise.hightech_income": (sales_latest * rng.uniform(0.58, 0.95, n)).round(2),
            "enterprise.total_income": sales_latest,
            "enterprise.innovation_score": rng.integers(66, 96, n).astype(np.float64),
            "enterprise.major_incident_past_year": rng.random(n) < 0.02,
        }
    )


def facts(row: pd.Series) -> dict:
    out = {}
    for k, v in row.items():
        if k.startswith("enterprise."):
            out[k.split(".", 1)[1]] = v.item() if hasattr(v, "item") else v
    return {"enterprise": out}
