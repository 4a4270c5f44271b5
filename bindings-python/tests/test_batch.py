"""evaluate_batch over every frame kind: results, errors per row, nothing dropped."""

from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import clausula

AS_OF = "2023-09-01"


@pytest.fixture(scope="module")
def policy(policies) -> clausula.Policy:
    return clausula.load(str(policies / "shandong/tech-loan-interest-subsidy.cla"))


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "project.in_provincial_library": [True, True, None, True],
            "loan.contract_signed": [True, True, True, True],
            "loan.interest_paid": [True, False, True, True],
            "loan.principal": [300000000.0, 1e6, 5e6, float("nan")],
            "loan.lpr_1y": ["3.65%", "4%", "x", "3.5%"],
            "loan.years": [3, 1, 2, 5],
        },
        index=[10, 11, 12, 13],
    )


S = "shandong_tech_loan_subsidy"


def check(statuses, annual, errors):
    assert statuses == ["eligible", "ineligible", None, "eligible"]
    assert annual[0] == Decimal("3832500") and annual[1] == Decimal("14000") and annual[2] is None and annual[3] is None
    assert errors[0] is None and errors[1] is None and errors[3] is None
    assert errors[2].startswith("[facts/invalid-number] loan.lpr_1y")


def none_if_nan(v):
    """None for how frames write missing: None, NaN, pd.NA."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def test_pandas_in_pandas_out(policy):
    df = frame()
    out = policy.evaluate_batch(df, as_of=AS_OF)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out["id"]) == ["a", "b", "c", "d"]
    check(
        [none_if_nan(v) for v in out[f"{S}.status"]],
        [none_if_nan(v) for v in out[f"{S}.annual_interest_subsidy"]],
        [none_if_nan(v) for v in out["error"]],
    )


def test_pyarrow_table_and_record_batch(policy):
    table = pa.Table.from_pandas(frame(), preserve_index=False)
    out = policy.evaluate_batch(table, as_of=AS_OF)
    assert isinstance(out, pa.Table)
    # One scale for every amount column, whatever the values: results concatenate.
    assert out.schema.field(f"{S}.annual_interest_subsidy").type == pa.decimal128(38, 10)
    check(out[f"{S}.status"].to_pylist(), out[f"{S}.annual_interest_subsidy"].to_pylist(), out["error"].to_pylist())
    rb = table.to_batches()[0]
    out = policy.evaluate_batch(rb, as_of=AS_OF)
    assert isinstance(out, pa.RecordBatch)
    assert out.num_rows == 4


def test_polars(policy):
    out = policy.evaluate_batch(pl.from_pandas(frame()), as_of=AS_OF)
    assert isinstance(out, pl.DataFrame)
    check(out[f"{S}.status"].to_list(), out[f"{S}.annual_interest_subsidy"].to_list(), out["error"].to_list())


def test_struct_columns_are_inputs(policy):
    t = pa.table(
        {
            "project": pa.array([{"in_provincial_library": True}, None]),
            "loan": pa.array(
                [
                    {"contract_signed": True, "interest_paid": True, "principal": 100, "lpr_1y": "5%", "years": 1},
                    {"contract_signed": True, "interest_paid": True, "principal": 100, "lpr_1y": "5%", "years": 1},
                ]
            ),
        }
    )
    out = policy.evaluate_batch(t, as_of=AS_OF)
    assert out[f"{S}.status"].to_pylist() == ["eligible", "undetermined"]


def test_a_misspelt_fact_column_is_an_error_not_ignored(policy):
    df = pd.DataFrame({"loan.princpal": [1.0]})
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate_batch(df, as_of=AS_OF)
    assert e.value.errors[0].code == "facts/unknown-field"
    assert e.value.errors[0].help == "did you mean `loan.principal`?"


def test_timestamps_are_not_dates(policies):
    p = clausula.load(str(policies / "national/high-tech-enterprise.cla"))
    df = pd.DataFrame({"enterprise.registration_date": pd.to_datetime(["2020-01-01"])})
    with pytest.raises(clausula.FactError):
        p.evaluate_batch(df, as_of="2024-01-01")
    df = pd.DataFrame({"enterprise.registration_date": [pd.Timestamp("2020-01-01").date()]})
    out = p.evaluate_batch(df, as_of="2024-01-01")
    assert out["high_tech_enterprise.status"].iloc[0] == "undetermined"


def test_list_inputs_as_json_or_arrow_lists(policies):
    p = clausula.load(str(policies / "national/special-equipment-credit.cla"))
    item = {
        "catalogue": "environmental",
        "purchase_date": "2024-03-10",
        "self_use": True,
        "fiscal_grant_funded": False,
        "invoice_type": "vat_special",
        "input_vat_deductible": True,
        "price_excl_vat": 8000000,
        "vat_amount": 1040000,
    }
    import json

    df = pd.DataFrame({"enterprise.tax_payable": [500000, 500000], "equipment": [json.dumps([item]), None]})
    out = p.evaluate_batch(df, as_of="2024-12-31")
    assert list(out["equipment_credit.status"]) == ["eligible", "undetermined"]
    assert out["equipment_credit.credit"].iloc[0] == Decimal("800000")
    t = pa.table({"enterprise.tax_payable": [500000], "equipment": pa.array([[item]])})
    out = p.evaluate_batch(t, as_of="2024-12-31")
    assert out["equipment_credit.carry_forward"].to_pylist() == [Decimal("300000")]


def test_batch_equals_row_by_row(policies):
    p = clausula.load(str(policies / "national/high-tech-enterprise.cla"))
    import random

    rng = random.Random(7)
    rows = []
    for _ in range(300):
        rows.append(
            {
                "enterprise.registration_date": rng.choice(["2019-01-01", "2023-06-01", None]),
                "enterprise.owns_core_ip": rng.choice([True, False, None]),
                "enterprise.tech_in_priority_fields": True,
                "enterprise.total_staff": rng.randint(50, 200),
                "enterprise.st_staff": rng.randint(0, 40),
                "enterprise.rd_expense_3y": rng.randint(1, 10) * 1000000,
                "enterprise.domestic_rd_expense_3y": rng.randint(1, 10) * 800000,
                "enterprise.sales_3y": 100000000,
                "enterprise.latest_year_sales": rng.choice([40000000, 50000000, 60000000]),
                "enterprise.hightech_income": rng.randint(20, 40) * 1000000,
                "enterprise.total_income": 50000000,
                "enterprise.innovation_score": rng.choice([65, 71, None]),
                "enterprise.major_incident_past_year": False,
            }
        )
    df = pd.DataFrame(rows)
    out = p.evaluate_batch(df, as_of="2024-05-20")
    for i, r in enumerate(rows):
        facts: dict = {"enterprise": {}}
        for k, v in r.items():
            if v is not None:
                facts["enterprise"][k.split(".", 1)[1]] = v
        d = p.evaluate(facts, as_of="2024-05-20")
        assert out["high_tech_enterprise.status"].iloc[i] == d.outcomes["high_tech_enterprise"].status, i


def test_empty_frame(policy):
    out = policy.evaluate_batch(pd.DataFrame({"loan.years": pd.Series([], dtype="int64")}), as_of=AS_OF)
    assert len(out) == 0 and f"{S}.status" in out.columns


def test_outside_the_window_raises(policy):
    with pytest.raises(clausula.EvaluationError):
        policy.evaluate_batch(frame(), as_of="2022-01-01")
