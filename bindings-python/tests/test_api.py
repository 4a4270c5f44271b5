"""The Python API over one application: compile, evaluate, explain, errors."""

import json
from datetime import date
from decimal import Decimal

import pytest

import clausula

SOURCE = '''
policy grant "示例补助"
  effective 2024-01-01

input project "项目" {
  category: code "项目类别"
  total_investment: money "项目总投资"
  robots: int = 0 "新增工业机器人台数"
  started: date "开工日期"
}

directory 目录 "支持目录" key code {
  min_investment: money
  "JQR" { min_investment = 300万 }
}

outcome grant "补助" {
  require project.category in 目录 "项目类别须列入支持目录" cite "第三条（二）"
  require project.total_investment >= 目录[project.category].min_investment
      "总投资不低于目录门槛" cite "第三条（二）"
  require project.robots >= 5 when project.category == "JQR" "须新增机器人5台以上" cite "第四条"
  amount support = min(project.total_investment * 10%, 50万)
}
'''


@pytest.fixture(scope="module")
def policy() -> clausula.Policy:
    return clausula.compile(SOURCE)


def test_eligible_with_exact_amounts(policy):
    d = policy.evaluate({"project": {"category": "JQR", "total_investment": Decimal("4000000.10"), "robots": 6}}, as_of=date(2024, 6, 1))
    o = d.outcomes["grant"]
    assert o.status == "eligible"
    assert o.amounts == {"support": Decimal("400000.01")}
    assert isinstance(o.amounts["support"], Decimal)
    assert o.title == "补助"
    assert [r.status for r in o.requirements] == ["true", "true", "true"]


def test_floats_keep_their_decimal_meaning(policy):
    d = policy.evaluate({"project": {"category": "JQR", "total_investment": 3000000.1, "robots": 5}}, as_of="2024-06-01")
    assert d.outcomes["grant"].amounts["support"] == Decimal("300000.01")


def test_undetermined_lists_what_to_ask(policy):
    d = policy.evaluate({"project": {"category": "JQR", "robots": 6}}, as_of="2024-06-01")
    o = d.outcomes["grant"]
    assert o.status == "undetermined"
    assert o.missing == ["project.total_investment"]
    assert d.missing == {"grant": ["project.total_investment"]}


def test_requirements_explain_themselves(policy):
    d = policy.evaluate({"project": {"category": "JQR", "total_investment": 2000000, "robots": 6}}, as_of="2024-06-01")
    r = d.outcomes["grant"].requirements[1]
    assert r.status == "false" and r.blocks and r.mark == "✗"
    assert r.cite == "第三条（二）"
    assert r.compare == clausula.Compare(
        left="2000000",
        op=">=",
        right="3000000",
        type="money",
        left_display="2,000,000.00",
        right_display="3,000,000.00",
    )
    assert r.facts == {"project.total_investment": "2000000", "project.category": "JQR"}


def test_not_applicable_guard(policy):
    d = policy.evaluate({"project": {"category": "SZH", "total_investment": 1}}, as_of="2024-06-01")
    assert d.outcomes["grant"].requirements[2].status == "not_applicable"
    assert d.outcomes["grant"].requirements[2].mark == "–"


def test_to_dict_and_to_json_are_the_contract(policy):
    d = policy.evaluate({"project": {"category": "JQR", "total_investment": "4000000", "robots": 6}}, as_of="2024-06-01")
    data = d.to_dict()
    assert set(data) == {"policy", "as_of", "outcomes", "errors"}
    assert data["outcomes"]["grant"]["amounts"] == {"support": "400000"}
    assert json.loads(d.to_json()) == data
    assert data["as_of"] == "2024-06-01"


def test_repr_and_notebook_html(policy):
    d = policy.evaluate({"project": {"category": "JQR", "total_investment": "2000000", "robots": 6}}, as_of="2024-06-01")
    assert repr(d) == "<Decision grant as of 2024-06-01: grant=ineligible (support=200,000.00)>"
    page = d._repr_html_()
    assert "<table>" in page and "✗" in page and "✓" in page
    assert "总投资不低于目录门槛" in page and "第三条（二）" in page
    assert "2,000,000.00 ≥ 3,000,000.00" in page


def test_bad_facts_raise_fact_error_naming_the_path(policy):
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate({"project": {"total_invesment": 1, "robots": 1.5}}, as_of="2024-06-01")
    assert isinstance(e.value, ValueError)
    paths = {i.path: i for i in e.value.errors}
    assert paths["project.total_invesment"].code == "facts/unknown-field"
    assert paths["project.total_invesment"].help == "did you mean `total_investment`?"
    assert paths["project.robots"].code == "facts/not-an-integer"
    assert e.value.path == "project.total_invesment"


@pytest.mark.parametrize(
    "value, message",
    [
        (float("inf"), "not a finite number"),
        (Decimal("NaN"), "not a finite number"),
        (object(), "is not a fact value"),
    ],
)
def test_python_values_that_are_not_facts(policy, value, message):
    with pytest.raises(clausula.FactError) as e:
        policy.evaluate({"project": {"total_investment": value}}, as_of="2024-06-01")
    assert e.value.path == "project.total_investment"
    assert message in str(e.value.errors[0])


def test_dates_and_datetimes(policy):
    d = policy.evaluate({"project": {"started": date(2024, 2, 29)}}, as_of="2024-06-01")
    assert d.errors == []
    from datetime import datetime

    with pytest.raises(clausula.FactError):
        policy.evaluate({"project": {"started": datetime(2024, 2, 29, 12, 0)}}, as_of="2024-06-01")


def test_decide_never_raises_for_bad_facts(policy):
    d = policy.decide({"project": {"total_investment": "lots"}}, as_of="2024-06-01")
    assert d.outcomes == {}
    assert d.errors[0].code == "facts/invalid-number"


def test_outside_the_window(policy):
    with pytest.raises(clausula.EvaluationError) as e:
        policy.evaluate({}, as_of="2023-12-31")
    assert e.value.code == "eval/outside-effective-window"


def test_compile_errors_carry_every_diagnostic():
    with pytest.raises(clausula.CompileError) as e:
        clausula.compile("policy p\n  effective 2024-01-01\n\nrule a = b + 1\nrule c = 1 +\n")
    assert isinstance(e.value, ValueError)
    codes = [(d.code, d.line, d.column) for d in e.value.diagnostics]
    assert codes == [("syntax/unexpected-end", 5, 13)]
    with pytest.raises(clausula.CompileError) as e:
        clausula.compile("policy p\n  effective 2024-01-01\n\nrule a = b + 1\nrule c = d\n")
    d = e.value.diagnostics
    assert [(x.code, x.line, x.column) for x in d] == [("check/unknown-name", 4, 10), ("check/unknown-name", 5, 10)]
    assert "unknown name `b`" in d[0].rendered and "-->" not in d[0].rendered or "┌─" in d[0].rendered


def test_load_follows_imports_and_csvs(root):
    p = clausula.load(str(root / "conformance/eval/imports/policy.cla"))
    d = p.evaluate({"project": {"category": "B", "total_investment": 20000000}}, as_of="2024-01-01")
    assert d.outcomes["o"].status == "eligible"


def test_inputs_schema(policy):
    schema = policy.inputs
    fields = {f["path"]: f for f in schema["inputs"][0]["fields"]}
    assert fields["project.total_investment"]["type"] == "money"
    assert fields["project.total_investment"]["label"] == "项目总投资"
    assert fields["project.robots"]["default"] == "0"
    assert policy.outcomes == ["grant"]


def test_bytes_round_trip(policy):
    again = clausula.Policy.from_bytes(policy.to_bytes())
    facts = {"project": {"category": "JQR", "total_investment": "4000000", "robots": 6}}
    assert again.evaluate(facts, as_of="2024-06-01").to_json() == policy.evaluate(facts, as_of="2024-06-01").to_json()
    with pytest.raises(clausula.LoadError):
        clausula.Policy.from_bytes(b"CLAG\x01\x00garbage")


def test_a_panic_is_an_exception_not_an_abort():
    with pytest.raises(clausula.InternalError) as e:
        clausula._call(clausula._clausula._panic_for_tests, "deliberate")
    assert "deliberate" in str(e.value)
    # The interpreter is still fine afterwards.
    assert clausula.compile(SOURCE).name == "grant"


def test_format():
    assert clausula.format("rule   x=1+2\n") == "rule x = 1 + 2\n"


def test_policy_pack_examples_pass(policies):
    for f in sorted(policies.glob("*/*.cla")):
        # A shared library (no `policy` header) is imported by the policies, not run.
        if not any(line.startswith("policy ") for line in f.read_text().splitlines()):
            continue
        results = clausula.load(str(f)).run_examples()
        assert results and all(r["passed"] for r in results), f


def test_the_working_is_typed_and_displayed_by_the_engine():
    import clausula as c
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    policy = c.load(str(root / "policies/shanghai/key-tech-transformation.cla"))
    facts = __import__("json").loads((root / "examples/applications/shanghai-fund-2026.json").read_text())
    d = policy.evaluate(facts, as_of="2026-03-01")
    fund = d.outcomes["shanghai_key_tech_fund"]
    line = fund.requirements[9]
    assert line.id == "line10"
    assert line.compare is not None and line.compare.left_display == "56.22%"
    amount = fund.amount_lines[0]
    assert amount.name == "support_amount"
    assert amount.display == "18,500,000.00"
    assert amount.value == Decimal("18500000")
    assert amount.formula == "min(project.total_investment * 10%, 单个项目支持上限)"
    cap = fund.values["单个项目支持上限"]
    assert isinstance(cap, c.Value)
    assert (cap.kind, cap.display, cap.from_) == ("param", "100,000,000.00", "2026-01-01")
    assert cap.cite == "市重点技术改造专项资金管理办法（2026年修订）"
    assert set(amount.uses) == {"project.total_investment", "单个项目支持上限"}
    html = d._repr_html_()
    assert "计算过程" in html and "18,500,000.00" in html and "（2026年修订）" in html
    assert "support_amount=18,500,000.00" in repr(d)


def test_decide_with_field_errors_keeps_every_outcome(policies):
    p = clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))
    facts = {"enterprise": {"registered_in_shanghai": False, "credit_good": "yes"}, "project": {"total_investment": "3亿元"}}
    assert p.decide(facts, as_of="2026-03-01").outcomes == {}
    d = p.decide(facts, as_of="2026-03-01", field_errors=True)
    assert [(e.code, e.path) for e in d.errors] == [
        ("facts/wrong-type", "enterprise.credit_good"),
        ("facts/invalid-number", "project.total_investment"),
    ]
    assert d.outcomes["shanghai_key_tech_fund"].status == "ineligible"
    same = p.decide_json('{"project": {"total_investment": "lots"}}', as_of="2026-03-01", field_errors=True)
    assert same.errors[0].path == "project.total_investment" and same.outcomes


def test_json_schema_has_labels_types_and_named_codes(policies, root):
    import subprocess

    p = clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))
    s = p.json_schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    total = s["properties"]["project"]["properties"]["total_investment"]
    assert total["title"] == "项目总投资" and total["x-clausula-type"] == "money"
    assert {"value": "ZZLC", "label": "制造流程再造"} in s["properties"]["project"]["properties"]["category"]["x-clausula-choices"]
    assert s["properties"]["project"]["additionalProperties"] is False


def test_parse_input_as_people_type_it(policies):
    assert clausula.parse_input("3亿", "money") == "300000000"
    assert clausula.parse_input("1,000,000", "money") == "1000000"
    assert clausula.parse_input("3.65%", "percent") == "3.65%"
    assert clausula.parse_input("否", "bool") is False
    assert clausula.parse_input("", "date") is None
    with pytest.raises(clausula.FactError) as e:
        clausula.parse_input("3.65", "percent")
    assert e.value.errors[0].code == "facts/invalid-number"
    p = clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))
    d = p.evaluate({"project": {"total_investment": clausula.parse_input("1.85亿", "money")}}, as_of="2026-03-01")
    assert d.errors == []
