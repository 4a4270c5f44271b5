"""What the package's types must refuse (the test command runs mypy on this file and
expects exactly these three errors): an amounts mode that does not exist, a status
compared as a value it can never take, and a pandas result taken for a polars frame."""

import pandas as pd
import polars as pl

import clausula


def misuse(policy: clausula.Policy) -> None:
    policy.evaluate_batch(None, as_of="2024-06-01", amounts="int")  # error: not "decimal"/"float"
    status: clausula.Status = "elligible"  # error: not a status
    print(status)
    out: pl.DataFrame = policy.evaluate_batch(pd.DataFrame(), as_of="2024-06-01")  # error: pandas in, pandas out
    print(out)
