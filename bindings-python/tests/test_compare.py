"""clausula.compare: a population under a baseline and a reform, per frame kind; what it says
per row equals two independent batches of the same rows."""

import random
from datetime import date
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import clausula

FUND = "shanghai_key_tech_fund"


@pytest.fixture(scope="module")
def policy(policies) -> clausula.Policy:
    return clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))


def population(n: int = 2000) -> pd.DataFrame:
    rng = random.Random(20261205)
    rows = []
    for i in range(n):
        total = rng.randint(5, 400) * 1_000_000
        rows.append(
            {
                "id": f"P{i:05d}",
                "enterprise.registered_in_shanghai": rng.random() < 0.95,
                "enterprise.independent_legal_person": True,
                "enterprise.credit_good": rng.random() < 0.9,
                "project.category": rng.choice(["ZBSJ", "ZZLC", "CPJG", "XXXX"]),
                "project.in_three_year_pool": True,
                "project.total_investment": total,
                "project.fixed_asset_investment": None if rng.random() < 0.05 else total * rng.randint(30, 95) // 100,
                "project.approvals_complete": True,
                "project.funds_in_place": True,
                "project.construction_started": True,
                "project.prior_municipal_support": rng.random() < 0.1,
            }
        )
    return pd.DataFrame(rows)


def paid(status, amount):
    if status == "eligible":
        return amount
    if status == "ineligible":
        return Decimal(0)
    return None


def test_two_dates_equal_two_independent_batches(policy):
    frame = population()
    before, after = date(2025, 12, 31), date(2026, 3, 1)
    cmp = clausula.compare(policy, None, frame, as_of=before, reform_as_of=after)
    b = policy.evaluate_batch(frame, as_of=before)
    r = policy.evaluate_batch(frame, as_of=after)
    out = cmp.rows
    assert isinstance(out, pd.DataFrame) and len(out) == len(frame)
    assert list(out["id"]) == list(frame["id"])
    assert list(out[f"{FUND}.status.base"]) == list(b[f"{FUND}.status"])
    assert list(out[f"{FUND}.status.reform"]) == list(r[f"{FUND}.status"])
    base_total = reform_total = Decimal(0)
    changed = 0
    for i in range(len(frame)):
        want_b = paid(b[f"{FUND}.status"][i], b[f"{FUND}.support_amount"][i])
        want_r = paid(r[f"{FUND}.status"][i], r[f"{FUND}.support_amount"][i])
        got_b = out[f"{FUND}.support_amount.base"][i]
        got_r = out[f"{FUND}.support_amount.reform"][i]
        assert (None if pd.isna(got_b) else got_b) == want_b, i
        assert (None if pd.isna(got_r) else got_r) == want_r, i
        if want_b is not None and want_r is not None:
            assert out[f"{FUND}.support_amount.delta"][i] == want_r - want_b
        base_total += want_b or 0
        reform_total += want_r or 0
        lines = list(out[f"{FUND}.changed_lines"][i])
        if b[f"{FUND}.status"][i] != r[f"{FUND}.status"][i]:
            changed += 1
            assert lines, i
        else:
            assert lines == [], i
    o = cmp.summary["outcomes"][0]
    assert o["name"] == FUND and o["changed"] == changed > 100
    assert sum(t["rows"] for t in o["transitions"]) == cmp.summary["rows"] == len(frame)
    a = o["amounts"][0]
    assert Decimal(a["base"]) == base_total and Decimal(a["reform"]) == reform_total
    assert Decimal(a["delta"]) == reform_total - base_total
    top = o["lines"][0]
    assert (top["id"], top["from"], top["to"]) == ("line10", "not_applicable", "false")
    assert top["cite"] == "专项资金管理办法（2026年修订）"
    # Shown as text (core's), HTML and a chart.
    assert "rows changed status" in str(cmp) and a["delta_display"] in str(cmp)
    page = cmp._repr_html_()
    assert "固定资产投资占项目总投资的比例须超过60%" in page and a["base_display"] in page
    fig = cmp.plot()
    assert len(fig.axes) == 2


@pytest.mark.parametrize("kind", ["pyarrow", "polars"])
def test_every_frame_kind_gives_the_same_summary(policy, kind):
    frame = population(300)
    want = clausula.compare(policy, None, frame, as_of="2025-12-31", reform_as_of="2026-03-01")
    data = pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "polars":
        data = pl.from_arrow(data)
    got = clausula.compare(policy, None, data, as_of="2025-12-31", reform_as_of="2026-03-01")
    assert got.summary == want.summary
    if kind == "polars":
        assert isinstance(got.rows, pl.DataFrame)
        reform = got.rows[f"{FUND}.status.reform"].to_list()
    else:
        assert isinstance(got.rows, pa.Table)
        reform = got.rows.column(f"{FUND}.status.reform").to_pylist()
    assert reform == list(want.rows[f"{FUND}.status.reform"])


def test_two_policies_new_facts_and_refusals():
    base = clausula.compile(
        """policy p effective 2024-01-01
input a { x: money }
outcome o { require a.x >= 100 "x" as floor
  amount s = a.x * 10% }
"""
    )
    reform = clausula.compile(
        """policy p effective 2024-01-01
input a { x: money, y: bool }
outcome o { require a.x >= 100 "x" as floor
  require a.y "y now required" cite "art. 2" as needs_y
  amount s = a.x * 20% }
"""
    )
    # `a.y` is a fact of the reform only: read for it, not refused by the baseline.
    frame = pa.table({"a.x": ["200", "200"], "a.y": [False, True]})
    cmp = clausula.compare(base, reform, frame, as_of="2024-06-01")
    assert cmp.rows.column("o.changed_lines").to_pylist() == [["needs_y"], []]
    assert cmp.rows.column("o.s.delta").to_pylist() == [Decimal(-20), Decimal(20)]
    assert cmp.summary["outcomes"][0]["lines"][0]["from"] == "absent"
    # A column neither side knows, named like a fact: refused with the path it stands for.
    with pytest.raises(clausula.FactError) as e:
        clausula.compare(base, reform, pa.table({"A.X": ["1"]}), as_of="2024-06-01")
    assert "a.x" in str(e.value)
    # Nothing to compare.
    with pytest.raises(ValueError, match="nothing to compare"):
        clausula.compare(base, None, frame, as_of="2024-06-01")
    # A date outside a side's window.
    with pytest.raises(clausula.EvaluationError):
        clausula.compare(base, reform, frame, as_of="2024-06-01", reform_as_of="2000-01-01")


def test_with_params_and_compare_a_reform(policy):
    frame = population(500)
    reform = policy.with_params({"单个项目支持上限": "3000万", "支持目录[ZZLC].min_investment": Decimal("100000000")})
    cmp = clausula.compare(policy, reform, frame, as_of=date(2026, 3, 1))
    o = cmp.summary["outcomes"][0]
    # A lower cap pays less; a higher floor for ZZLC makes some eligible rows ineligible.
    assert Decimal(o["amounts"][0]["delta"]) < 0
    moved = {(t["from"], t["to"]): t["rows"] for t in o["transitions"]}
    assert moved.get(("eligible", "ineligible"), 0) > 0
    assert o["lines"][0]["id"] == "line6"
    # The override is the param's source in an explained decision.
    facts = frame.iloc[0].to_dict()
    d = reform.evaluate_row(facts, as_of="2026-03-01")
    assert d.outcomes[FUND].values["单个项目支持上限"].cite == "what-if: 单个项目支持上限=3000万"


def test_bad_overrides_raise_with_every_problem(policy):
    # A float is refused (not exact): write the value as text or a Decimal.
    with pytest.raises(TypeError, match="float"):
        policy.with_params({"单个项目支持上限": 1.5e8})
    with pytest.raises(clausula.OverrideError) as e:
        policy.with_params({"单个项目支持上线": "1亿", "单个项目支持上限": "60%"})
    codes = [x.code for x in e.value.errors]
    assert codes == ["override/unknown-name", "override/wrong-type"]
    assert e.value.errors[0].help == "did you mean `单个项目支持上限`?"
