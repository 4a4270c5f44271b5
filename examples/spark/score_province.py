"""Score every enterprise of a province with Spark: 1,000,000 synthetic enterprises against
the high-tech-enterprise recognition and the R&D super deduction.

    python examples/spark/score_province.py [--rows N] [--input DIR.parquet] [--out DIR]

Generates the enterprises as Parquet (or reads an existing Parquet dataset with the same
columns), scores both policies with `clausula.spark.score`, writes the scored rows as
Parquet, and prints eligible counts per city and industry section.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import clausula
from clausula import spark as cs

ROOT = Path(__file__).resolve().parents[2]
CITIES = ["济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照",
          "临沂", "德州", "聊城", "滨州", "菏泽"]
INDUSTRIES = ["C3411", "C3562", "C2710", "C3974", "I6510", "I6513", "M7320", "F5191", "C1761", "D4411"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Writes `rows` synthetic enterprises as a Parquet dataset, 100,000 per file."""
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    done = 0
    part = 0
    while done < rows:
        n = min(100_000, rows - done)
        sales_latest = rng.choice([30e6, 50e6, 80e6, 150e6, 250e6], n)
        sales_3y = sales_latest * rng.uniform(2.2, 3.0, n)
        rd3 = sales_3y * rng.uniform(0.032, 0.08, n)
        total = rng.integers(20, 2000, n)
        reg = np.datetime64("2024-12-31") - rng.integers(200, 6000, n).astype("timedelta64[D]")
        gross = sales_latest * rng.uniform(1.0, 1.3, n)
        table = pa.table({
            "enterprise_id": np.arange(done, done + n, dtype=np.int64),
            "city": rng.choice(CITIES, n),
            # Facts of the high-tech-enterprise policy (prefixed with its input name).
            "hnte.registration_date": reg.astype("datetime64[D]"),
            "hnte.owns_core_ip": rng.random(n) < 0.97,
            "hnte.tech_in_priority_fields": rng.random(n) < 0.97,
            "hnte.total_staff": total,
            "hnte.st_staff": (total * rng.uniform(0.08, 0.25, n)).astype(np.int64),
            "hnte.rd_expense_3y": rd3.round(2),
            "hnte.domestic_rd_expense_3y": (rd3 * rng.uniform(0.58, 1.0, n)).round(2),
            "hnte.sales_3y": sales_3y.round(2),
            "hnte.latest_year_sales": sales_latest,
            "hnte.hightech_income": (sales_latest * rng.uniform(0.58, 0.95, n)).round(2),
            "hnte.total_income": sales_latest,
            "hnte.innovation_score": rng.integers(66, 96, n).astype(np.float64),
            "hnte.major_incident_past_year": rng.random(n) < 0.02,
            # Facts of the R&D super deduction.
            "industry": rng.choice(INDUSTRIES, n),
            "tech_sme": rng.random(n) < 0.3,
            "tax_method": rng.choice(["audit", "deemed"], n, p=[0.95, 0.05]),
            "gross_income": gross.round(2),
            "negative_list_revenue": (gross * rng.choice([0.0, 0.1, 0.6], n, p=[0.8, 0.15, 0.05])).round(2),
            "rd_expensed": (rd3 / 3).round(2),
            "rd_expensed_q4": (rd3 / 12).round(2),
        })
        pq.write_table(table, path / f"part-{part:04d}.parquet")
        done += n
        part += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--input", type=Path, default=None, help="an existing Parquet dataset")
    ap.add_argument("--out", type=Path, default=ROOT / "target/spark/scored")
    ap.add_argument("--as-of", default="2024-12-31")
    args = ap.parse_args()

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, functions as F

    spark = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("clausula-score-province")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    source = args.input
    if source is None:
        source = ROOT / "target/spark/enterprises.parquet"
        t = time.perf_counter()
        generate(source, args.rows)
        print(f"generated {args.rows:,} enterprises in {time.perf_counter() - t:.1f} s -> {source}")

    hnte = clausula.load(str(ROOT / "policies/national/high-tech-enterprise.cla"))
    rd = clausula.load(str(ROOT / "policies/national/rd-super-deduction.cla"))

    df = spark.read.parquet(str(source))
    rows = df.count()
    # Each policy reads its own inputs: give each the columns it knows, under its fact paths.
    hnte_in = df.select(
        "enterprise_id", "city", "industry",
        *[F.col(f"`{c}`").alias(c.replace("hnte.", "enterprise.")) for c in df.columns if c.startswith("hnte.")],
    )
    rd_in = df.select(
        "enterprise_id",
        F.col("industry").alias("enterprise.industry"),
        F.col("tech_sme").alias("enterprise.tech_sme"),
        F.col("tax_method").alias("enterprise.tax_method"),
        F.col("gross_income").alias("enterprise.gross_income"),
        F.col("negative_list_revenue").alias("enterprise.negative_list_revenue"),
        F.col("rd_expensed").alias("rd.expensed"),
        F.col("rd_expensed_q4").alias("rd.expensed_q4"),
    )
    start = time.perf_counter()
    scored_hnte = cs.score(hnte_in, hnte, args.as_of).select(
        "enterprise_id", "city", "industry",
        F.col("`high_tech_enterprise.status`").alias("hnte_status"),
        F.col("error").alias("hnte_error"),
    )
    scored_rd = cs.score(rd_in, rd, args.as_of).select(
        "enterprise_id",
        F.col("`rd_super_deduction.status`").alias("rd_status"),
        F.col("`rd_super_deduction.extra_deduction`").alias("rd_extra_deduction"),
        F.col("error").alias("rd_error"),
    )
    scored = scored_hnte.join(scored_rd, "enterprise_id")
    scored.write.mode("overwrite").parquet(str(args.out))
    elapsed = time.perf_counter() - start
    print(f"scored {rows:,} enterprises against 2 policies in {elapsed:.1f} s "
          f"({rows / elapsed:,.0f} enterprises/s, {2 * rows / elapsed:,.0f} decisions/s) -> {args.out}")

    result = spark.read.parquet(str(args.out))
    summary = (
        result.withColumn("section", F.substring("industry", 1, 1))
        .groupBy("city", "section")
        .agg(
            F.count("*").alias("enterprises"),
            F.sum((F.col("hnte_status") == "eligible").cast("int")).alias("high_tech"),
            F.sum((F.col("rd_status") == "eligible").cast("int")).alias("rd_deduction"),
            F.sum(F.col("rd_extra_deduction")).alias("rd_extra_deduction_total"),
        )
        .orderBy("city", "section")
    )
    summary.show(200, truncate=False)
    errors = result.filter(F.col("hnte_error").isNotNull() | F.col("rd_error").isNotNull()).count()
    print(f"rows with errors: {errors}")
    spark.stop()


if __name__ == "__main__":
    main()
