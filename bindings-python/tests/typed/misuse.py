"""What the package's types must refuse (the test command runs mypy on this file and
expects exactly these two errors): an amounts mode that does not exist, and a status
compared as a value it can never take."""

import clausula


def misuse(policy: clausula.Policy) -> None:
    policy.evaluate_batch(None, as_of="2024-06-01", amounts="int")  # error: not "decimal"/"float"
    status: clausula.Status = "elligible"  # error: not a status
    print(status)
