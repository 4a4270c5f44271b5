"""clausula.spark on a real local Spark session: the same results as evaluate_batch."""

import os
import shutil
from decimal import Decimal

import pandas as pd
import pytest

import clausula

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java", allow_module_level=True)

from clausula import spark as cs  # noqa: E402

S = "shandong_tech_loan_subsidy"


@pytest.fixture(scope="module")
def session():
    import sys

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers must run the interpreter that has clausula installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("clausula-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def policy(policies):
    return clausula.load(str(policies / "shandong/tech-loan-interest-subsidy.cla"))


def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "project.in_provincial_library": [True, True, True, None, True],
            "loan.contract_signed": [True, True, True, True, True],
            "loan.interest_paid": [True, False, True, True, True],
            "loan.principal": ["300000000", "1000000", "5000000", "100", "12.345"],
            "loan.lpr_1y": ["3.65%", "4%", "not a rate", "5%", "3.333333%"],
            "loan.years": [3, 1, 2, 1, 1],
        }
    )


def test_spark_scores_like_evaluate_batch(session, policy):
    pdf = rows()
    sdf = session.createDataFrame(pdf).repartition(2)
    scored = cs.score(sdf, policy, as_of="2023-09-01").toPandas().sort_values("id").reset_index(drop=True)
    local = policy.evaluate_batch(pdf, as_of="2023-09-01")
    assert list(scored.columns) == list(local.columns)
    assert len(scored) == 5, "no row is dropped"
    for col in [f"{S}.status", "error", "error.code", "error.path", "error.message"]:
        a = [None if pd.isna(v) else v for v in scored[col]]
        b = [None if pd.isna(v) else v for v in local[col]]
        assert a == b, col
    # Both hold the same fixed decimal(38,10) amounts; neither rounds silently.
    a = [None if v is None else Decimal(v) for v in scored[f"{S}.annual_interest_subsidy"]]
    b = [None if pd.isna(v) else Decimal(v) for v in local[f"{S}.annual_interest_subsidy"]]
    assert a == b
    assert a[0] == Decimal("3832500")
    # 12.345 × 3.333333% × 35% = 0.1440249855975 has 13 decimals: the row says so, in both.
    assert a[4] is None
    # ...and the row stays decided (R11): no row error, the amount's error is in its list.
    assert scored["error"][4] is None or pd.isna(scored["error"][4])
    assert scored["errors"][4][0]["message"].startswith("`shandong_tech_loan_subsidy.annual_interest_subsidy` = 0.1440249855975")
    assert scored["errors"][4][0]["scope"] == "amount"
    assert scored[f"{S}.status"].tolist()[:2] == ["eligible", "ineligible"]
    assert scored["error"][2].startswith("[facts/invalid-number] loan.lpr_1y")
    assert scored[f"{S}.status"][3] == "undetermined"
    assert [len(e) for e in scored["errors"]] == [len(e) for e in local["errors"]] == [0, 0, 1, 0, 2]
    assert scored["errors"][2][0]["code"] == "facts/invalid-number"
    # Row 4's two amounts both need more than ten decimals: one error each.
    assert [e["code"] for e in scored["errors"][4]] == ["eval/precision", "eval/precision"]


def test_nested_struct_columns(session, policy):
    from pyspark.sql import Row

    sdf = session.createDataFrame(
        [
            Row(project=Row(in_provincial_library=True), loan=Row(contract_signed=True, interest_paid=True, principal=100.0, lpr_1y="5%", years=1)),
            Row(project=None, loan=Row(contract_signed=True, interest_paid=True, principal=100.0, lpr_1y="5%", years=1)),
        ]
    )
    out = cs.score(sdf, policy, as_of="2023-09-01").collect()
    assert [r[f"{S}.status"] for r in out] == ["eligible", "undetermined"]
    assert out[0][f"{S}.annual_interest_subsidy"] == Decimal("1.75")


def test_chosen_outcomes_and_unknown_names(session, policy):
    sdf = session.createDataFrame(rows())
    out = cs.score(sdf, policy, as_of="2023-09-01", outcomes=[S])
    assert f"{S}.status" in out.columns
    with pytest.raises(ValueError):
        cs.score(sdf, policy, as_of="2023-09-01", outcomes=["nope"])


def test_compare_equals_the_local_comparison(session, policies):
    shanghai = clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))
    frame = pd.DataFrame(
        {
            "id": ["readme", "steady", "bad"],
            "enterprise.registered_in_shanghai": [True, True, True],
            "enterprise.independent_legal_person": [True, True, True],
            "enterprise.credit_good": [True, True, True],
            "project.category": ["ZZLC", "ZZLC", "ZZLC"],
            "project.in_three_year_pool": [True, True, True],
            "project.total_investment": ["185000000", "2000000000", "lots"],
            "project.fixed_asset_investment": ["104000000", "1800000000", "1"],
            "project.approvals_complete": [True, True, True],
            "project.funds_in_place": [True, True, True],
            "project.construction_started": [True, True, True],
            "project.prior_municipal_support": [False, False, False],
        }
    )
    local = clausula.compare(shanghai, None, frame, as_of="2025-12-31", reform_as_of="2026-03-01")
    df = session.createDataFrame(frame).repartition(2)
    out = cs.compare(df, shanghai, None, "2025-12-31", "2026-03-01").toPandas().sort_values("id")
    want = local.rows.sort_values("id")
    F = "shanghai_key_tech_fund"
    assert list(out[f"{F}.status.base"]) == list(want[f"{F}.status.base"])
    assert list(out[f"{F}.status.reform"]) == list(want[f"{F}.status.reform"])
    deltas = dict(zip(out["id"], out[f"{F}.support_amount.delta"]))
    # 1850万 lost; 5000万 → 1亿 for the large project.
    assert deltas["readme"] == Decimal("-18500000")
    assert deltas["steady"] == Decimal("50000000")
    assert list(dict(zip(out["id"], out[f"{F}.changed_lines"]))["readme"]) == ["line10"]
    assert "project.total_investment" in dict(zip(out["id"], out["error.base"]))["bad"]
    # A column neither side knows, named like a fact: refused on the driver.
    with pytest.raises(clausula.FactError):
        cs.compare(session.createDataFrame(pd.DataFrame({"Project.Total_Investment": ["1"]})), shanghai, None, "2025-12-31", "2026-03-01")
