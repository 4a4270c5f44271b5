"""Recourse in Python: what would make the README's Shanghai application pass its line."""

import json

import clausula


def test_the_failed_line_says_what_would_flip_it(root, policies):
    policy = clausula.load(str(policies / "shanghai/key-tech-transformation.cla"))
    facts = json.loads((root / "examples/applications/shanghai-fund-2026.json").read_text())
    d = policy.evaluate(facts, as_of="2026-03-01")
    line = next(r for r in d.outcomes["shanghai_key_tech_fund"].requirements if r.blocks)
    first = line.recourse[0]
    assert (first.fact, first.op, first.value, first.display, first.current) == (
        "project.fixed_asset_investment",
        ">",
        "111000000",
        "111,000,000.00",
        "104,000,000.00",
    )
    divisor = line.recourse[1]
    assert (divisor.fact, divisor.op, divisor.value, divisor.and_op, divisor.and_value) == (
        "project.total_investment",
        "<=",
        "173333333.33",
        ">",
        "0",
    )
    assert str(first) == "project.fixed_asset_investment > 111,000,000.00 (now 104,000,000.00)"
    # The same items as the JSON contract, and shown in the notebook view.
    assert d.to_dict()["outcomes"]["shanghai_key_tech_fund"]["requirements"][9]["recourse"][0]["value"] == "111000000"
    assert "需要：其中固定资产投资 &gt; 111,000,000.00（现为 104,000,000.00）" in d._repr_html_()
    # Applied, it flips the line.
    facts["project"]["fixed_asset_investment"] = "111000001"
    after = policy.evaluate(facts, as_of="2026-03-01").outcomes["shanghai_key_tech_fund"]
    assert not any(r.blocks for r in after.requirements)
    assert all(not r.recourse for r in after.requirements)
