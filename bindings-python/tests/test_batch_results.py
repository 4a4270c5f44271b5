"""Batch results an analyst works with: line columns, amounts that compute, errors as data,
columns that match nothing, dates, on every frame kind."""

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import clausula

AS_OF = "2023-09-01"
S = "shandong_tech_loan_subsidy"


@pytest.fixture(scope="module")
def policy(policies) -> clausula.Policy:
    return clausula.load(str(policies / "shandong/tech-loan-interest-subsidy.cla"))


def rows() -> dict:
    """a: eligible; b: interest not paid (line3 blocks); c: two bad values; d: unknown
    library membership (undetermined); e: two lines block."""
    return {
        "id": ["a", "b", "c", "d", "e"],
        "project.in_provincial_library": [True, True, True, None, False],
        "loan.contract_signed": [True, True, True, True, True],
        "loan.interest_paid": [True, False, True, True, False],
        "loan.principal": ["300000000", "1000000", "abc", "5000000", "2000000"],
        "loan.lpr_1y": ["3.65%", "4%", "x", "3.5%", "4%"],
        "loan.years": [3, 1, 2, 5, 1],
    }


KINDS = {
    "pandas": lambda d: pd.DataFrame(d),
    "pyarrow": lambda d: pa.table(d),
    "polars": lambda d: pl.DataFrame(d),
}


def column(out, name):
    """A result column as a Python list, None for missing, whatever the frame kind."""
    if isinstance(out, pd.DataFrame):
        return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for v in out[name].tolist()]
    if isinstance(out, pl.DataFrame):
        return out[name].to_list()
    return out.column(name).to_pylist()


@pytest.mark.parametrize("kind", KINDS)
def test_line_columns_and_failed_lines(policy, kind):
    out = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF, lines=True)
    assert type(out) is type(KINDS[kind](rows()))
    assert column(out, f"{S}.status") == ["eligible", "ineligible", None, "undetermined", "ineligible"]
    assert column(out, f"{S}.line1") == ["true", "true", None, "unknown", "false"]
    assert column(out, f"{S}.line3") == ["true", "false", None, "true", "false"]
    failed = [None if f is None else list(f) for f in column(out, f"{S}.failed")]
    assert failed == [[], ["line3"], None, [], ["line1", "line3"]]
    # Without lines=True there is no line column.
    plain = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF)
    names = list(plain.columns) if not isinstance(plain, pa.Table) else plain.column_names
    assert f"{S}.line1" not in names and f"{S}.failed" not in names


@pytest.mark.parametrize("kind", KINDS)
def test_explain_counts_gives_failures_per_line_with_message_and_citation(policy, kind):
    out = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF, lines=True)
    counts = policy.explain_counts(out)
    assert type(counts) is type(out)
    table = pa.table(counts) if not isinstance(counts, pl.DataFrame) else counts.to_arrow()
    if isinstance(counts, pd.DataFrame):
        table = pa.Table.from_pandas(counts, preserve_index=False)
    got = {r["line"]: r for r in table.to_pylist()}
    assert got["line3"]["blocks"] == 2
    assert got["line3"]["message"] == "须已按期支付贷款利息"
    assert got["line3"]["cite"] == "贴息政策 支持条件"
    assert got["line1"]["blocks"] == 1 and got["line1"]["unknown"] == 1
    assert got["line2"]["blocks"] == 0 and got["line2"]["true"] == 4
    with pytest.raises(ValueError, match="lines=True"):
        policy.explain_counts(policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF))


@pytest.mark.parametrize("kind", KINDS)
def test_errors_are_data_with_every_error_of_a_row(policy, kind):
    out = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF)
    assert column(out, "error.code") == [None, None, "facts/invalid-number", None, None]
    assert column(out, "error.path") == [None, None, "loan.principal", None, None]
    assert column(out, "error.message")[2] == "`abc` is not an exact decimal number in range"
    errors = column(out, "errors")
    assert [len(e) for e in errors] == [0, 0, 2, 0, 0]
    assert [(e["code"], e["path"]) for e in errors[2]] == [
        ("facts/invalid-number", "loan.principal"),
        ("facts/invalid-number", "loan.lpr_1y"),
    ]


def test_pandas_amounts_are_exact_arrow_decimals_that_compute(policy):
    df = pd.DataFrame(rows())
    out = policy.evaluate_batch(df, as_of=AS_OF)
    amount = out[f"{S}.annual_interest_subsidy"]
    assert isinstance(amount.dtype, pd.ArrowDtype) and pa.types.is_decimal(amount.dtype.pyarrow_dtype)
    assert amount[0] == Decimal("3832500")
    # Provisional amounts of rows that are not eligible count in a naive total...
    assert amount.sum() == Decimal("3832500") + Decimal("14000") + Decimal("61250") + Decimal("28000")
    # ...and `eligible_only` leaves only what is paid.
    paid = policy.evaluate_batch(df, as_of=AS_OF, eligible_only=True)[f"{S}.annual_interest_subsidy"]
    assert paid.sum() == Decimal("3832500")
    assert paid.isna().tolist() == [False, True, True, True, True]
    # The input columns are left as they were.
    assert out["loan.principal"].dtype == object and list(out["id"]) == list("abcde")


@pytest.mark.parametrize("kind", KINDS)
def test_float_amounts_for_plotting(policy, kind):
    out = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF, amounts="float")
    values = column(out, f"{S}.annual_interest_subsidy")
    assert values[0] == 3832500.0 and isinstance(values[0], float)
    if isinstance(out, pd.DataFrame):
        assert out[f"{S}.annual_interest_subsidy"].dtype == np.float64
        assert out[f"{S}.annual_interest_subsidy"].quantile(0.5) > 0
    with pytest.raises(ValueError, match="decimal"):
        policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF, amounts="int")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_columns_that_match_nothing_raise(policy, kind):
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate_batch(KINDS[kind]({"id": ["a"], "name": ["x"]}), as_of=AS_OF)
    assert e.value.errors[0].code == "facts/no-fact-columns"
    data = rows()
    data["Loan.Principal"] = data.pop("loan.principal")
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate_batch(KINDS[kind](data), as_of=AS_OF)
    assert e.value.errors[0].code == "facts/misnamed-column"
    assert "loan.principal" in (e.value.errors[0].help or "")


@pytest.mark.parametrize("kind", KINDS)
def test_label_columns_need_by_label(policy, kind):
    data = rows()
    data["贷款本金"] = data.pop("loan.principal")
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate_batch(KINDS[kind](data), as_of=AS_OF)
    assert e.value.errors[0].code == "facts/misnamed-column"
    assert "by_label" in (e.value.errors[0].help or "")
    out = policy.evaluate_batch(KINDS[kind](data), as_of=AS_OF, by_label=True)
    assert column(out, f"{S}.status")[0] == "eligible"
    names = list(out.columns) if not isinstance(out, pa.Table) else out.column_names
    assert "贷款本金" in names  # the caller's column keeps its name


@pytest.mark.parametrize("kind", KINDS)
def test_a_result_fed_back_in_raises(policy, kind):
    out = policy.evaluate_batch(KINDS[kind](rows()), as_of=AS_OF)
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate_batch(out, as_of=AS_OF)
    assert {x.code for x in e.value.errors} == {"facts/column-clash"}


@pytest.mark.parametrize(
    "as_of",
    [date(2023, 9, 1), datetime(2023, 9, 1), pd.Timestamp("2023-09-01"), np.datetime64("2023-09-01"), "2023-09-01"],
)
def test_as_of_takes_every_date_kind(policy, as_of):
    out = policy.evaluate_batch(pd.DataFrame(rows()), as_of=as_of)
    assert out[f"{S}.status"][0] == "eligible"


def test_as_of_with_a_time_of_day_is_refused(policy):
    with pytest.raises(ValueError, match="time of day"):
        policy.evaluate_batch(pd.DataFrame(rows()), as_of=pd.Timestamp("2023-09-01 10:30"))
    with pytest.raises(ValueError, match="time of day"):
        policy.evaluate(
            {"project": {"in_provincial_library": True}}, as_of=np.datetime64("2023-09-01T08:00")
        )


@pytest.mark.parametrize("kind", KINDS)
def test_as_of_per_row_from_a_column(policy, kind):
    data = rows()
    data["filed"] = [date(2023, 9, 1), date(2023, 3, 1), date(2023, 9, 1), date(2024, 1, 2), date(2023, 3, 1)]
    out = policy.evaluate_batch(KINDS[kind](data), as_of="filed", lines=True)
    # Row order is kept, and each row is evaluated on its own date (here all in force).
    assert column(out, "id") == list("abcde")
    assert column(out, f"{S}.status") == ["eligible", "ineligible", None, "undetermined", "ineligible"]
    singles = [policy.summarize(_facts(data, i), as_of=data["filed"][i]) for i in (0, 1, 3, 4)]
    assert [s.outcomes[S].status for s in singles] == ["eligible", "ineligible", "undetermined", "ineligible"]
    data["filed"][1] = date(2022, 6, 1)  # before the policy's window
    with pytest.raises(clausula.EvaluationError, match="2022-06-01"):
        policy.evaluate_batch(KINDS[kind](data), as_of="filed")
    data["filed"][1] = None
    with pytest.raises(ValueError, match="no date"):
        policy.evaluate_batch(KINDS[kind](data), as_of="filed")


def _facts(data: dict, i: int) -> dict:
    out: dict = {}
    for k, v in data.items():
        if "." in k and v[i] is not None:
            e, f = k.split(".")
            out.setdefault(e, {})[f] = v[i]
    return out
