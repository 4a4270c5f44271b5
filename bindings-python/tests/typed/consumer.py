"""What an analyst's script writes, checked with `mypy --strict` by the test command (and
run by `test_typing.py`): the package's types must accept it."""

from datetime import date
from typing import List, Optional

import pandas as pd
import polars as pl
import pyarrow as pa

import clausula

SOURCE = """policy demo "示例"
  effective 2024-01-01

input project "项目" {
  total_investment: money "项目总投资"
}

outcome grant "补助" {
  require project.total_investment >= 2000万 "总投资不低于2000万元" cite "第三条" as floor
  amount support = min(project.total_investment * 10%, 5000万)
}
"""


def main() -> List[str]:
    policy: clausula.Policy = clausula.compile(SOURCE)
    decision = policy.evaluate({"project": {"total_investment": "30000000"}}, as_of=date(2024, 6, 1))
    status: clausula.Status = decision.outcomes["grant"].status
    line: clausula.LineStatus = decision.outcomes["grant"].requirements[0].status
    kind: clausula.LineKind = decision.outcomes["grant"].requirements[0].kind
    frame = pa.table({"id": ["a", "b"], "project.total_investment": ["30000000", "1"]})
    out = policy.evaluate_batch(frame, as_of="2024-06-01", lines=True, amounts="float", eligible_only=True)
    failed: List[Optional[List[str]]] = out.column("grant.failed").to_pylist()
    counts = policy.explain_counts(out)
    blocks: List[int] = counts.column("blocks").to_pylist()
    # A pandas frame gives a pandas frame (typed, by the overloads), polars gives polars.
    applications = pd.DataFrame({"id": ["a", "b"], "project.total_investment": ["30000000", "1"]})
    scored: pd.DataFrame = policy.evaluate_batch(applications, as_of=date(2024, 6, 1), eligible_only=True)
    total = scored["grant.support"].sum()
    by_status: pd.Series[int] = scored.groupby("grant.status").size()
    lazy: pl.DataFrame = policy.evaluate_batch(pl.from_pandas(applications), as_of="2024-06-01", lines=True)
    per_line: pl.DataFrame = policy.explain_counts(lazy)
    assert per_line.height == 1 and by_status.sum() == 2 and total == 3000000
    what_if: clausula.Comparison[pd.DataFrame] = clausula.compare(
        policy, None, applications, as_of="2024-06-01", reform_as_of="2025-06-01"
    )
    moved: List[clausula.Transition] = what_if.summary["outcomes"][0]["transitions"]
    assert moved[0]["from"] == "eligible" and what_if.rows["grant.status.reform"].size == 2
    schema: clausula.Schema = policy.inputs
    paths: List[str] = [f["path"] for i in schema["inputs"] for f in i["fields"]]
    line_ids: List[str] = [line["id"] for o in schema["outcomes"] for line in o["lines"]]
    assert paths == ["project.total_investment"] and line_ids == ["floor"]
    row = policy.evaluate_row({"id": "a", "project.total_investment": "1"}, as_of="2024-06-01")
    return [status, line, kind, str(failed), str(blocks), row.outcomes["grant"].status]


if __name__ == "__main__":
    print(main())
