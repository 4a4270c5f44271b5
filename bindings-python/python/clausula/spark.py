"""Scoring Spark DataFrames with a Clausula policy.

>>> from clausula import spark as cs                                  # doctest: +SKIP
>>> scored = cs.score(df, policy, as_of="2024-12-31")                 # doctest: +SKIP

The compiled policy is shipped to the executors once (a broadcast of its bytes); each
partition is evaluated with `mapInArrow` through the same Arrow batch path as
`Policy.evaluate_batch` (Arrow in, Arrow out, no Python per row). pyspark is imported
lazily: importing `clausula` never needs it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from . import Policy, _as_of, _call

__all__ = ["score", "compare", "AMOUNT_SCALE"]

#: Amounts come back as `decimal(38, AMOUNT_SCALE)`: 28 integer digits, 10 decimals.
AMOUNT_SCALE = 10

# One policy per executor process, keyed by its bytes.
_cache: Dict[bytes, Policy] = {}


# The fields of each item of the `errors` column, as core's Arrow results have them.
_ERROR_FIELDS = ("code", "path", "message", "outcome", "scope")


def _policy(data: bytes) -> Policy:
    p = _cache.get(data)
    if p is None:
        p = Policy.from_bytes(data)
        _cache.clear()
        _cache[data] = p
    return p


def _result_schema(policy: Policy, outcomes: Optional[Sequence[str]]) -> List[Any]:
    from pyspark.sql import types as T

    chosen = [o for o in policy.inputs["outcomes"] if outcomes is None or o["name"] in outcomes]
    missing = set(outcomes or []) - {o["name"] for o in chosen}
    if missing:
        raise ValueError(f"no such outcome(s): {', '.join(sorted(missing))}; the policy has {policy.outcomes}")
    fields = []
    for o in chosen:
        fields.append(T.StructField(f"{o['name']}.status", T.StringType(), True))
        for a in o["amounts"]:
            fields.append(T.StructField(f"{o['name']}.{a}", T.DecimalType(38, AMOUNT_SCALE), True))
    for name in ("error", "error.code", "error.path", "error.message"):
        fields.append(T.StructField(name, T.StringType(), True))
    item = T.StructType([T.StructField(n, T.StringType(), True) for n in _ERROR_FIELDS])
    fields.append(T.StructField("errors", T.ArrayType(item, True), True))
    return fields


def score(
    df: Any,
    policy: Policy,
    as_of: Union[date, str],
    outcomes: Optional[Sequence[str]] = None,
) -> Any:
    """Scores every row of a Spark DataFrame.

    Columns named by fact paths (`project.total_investment`) or struct columns named after
    an input (`project` with fields) are read as facts; null is unknown; other columns are
    carried along. Returns the input columns plus, per outcome (all, or those named in
    `outcomes`), `<outcome>.status` and `<outcome>.<amount>` (`decimal(38, 10)`), and
    `error`, `error.code`, `error.path`, `error.message` (the error that left it undecided)
    and `errors` (all of them, evaluation errors scoped to a line or an amount included): a
    row with a bad value keeps its place with the error set.
    """
    from pyspark.sql import types as T

    day = _as_of(as_of)
    data = policy.to_bytes()
    result_fields = _result_schema(policy, outcomes)
    keep = [f.name for f in result_fields]
    input_names = [f.name for f in df.schema.fields]
    # pyspark resolves the mapped columns by name, and reads `a.b` as a nested field: map
    # over positional names and restore the real ones (facts are dotted paths) around it.
    safe_in = [f"_c{i}" for i in range(len(input_names))]
    safe_out = [f"_r{i}" for i in range(len(keep))]
    positional = df.toDF(*safe_in)
    schema = T.StructType(
        [T.StructField(n, f.dataType, f.nullable) for n, f in zip(safe_in, df.schema.fields)]
        + [T.StructField(n, f.dataType, True) for n, f in zip(safe_out, result_fields)]
    )
    session = df.sparkSession
    try:
        shipped: Any = session.sparkContext.broadcast(data)

        def get_bytes() -> bytes:
            value: bytes = shipped.value
            return value

    except Exception:  # Spark Connect: no SparkContext; the bytes travel with the function.

        def get_bytes() -> bytes:
            return data

    def evaluate(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        p = _policy(get_bytes())
        target = pa.schema([pa.field(n, _arrow_type(t), True) for n, t in _spark_result_types(result_fields)])
        for batch in batches:
            named = pa.Table.from_batches([batch]).rename_columns(input_names)
            table = _call(p._native.evaluate_table, named, day)
            columns = [batch.column(i) for i in range(batch.num_columns)]
            for field in target:
                col = table.column(field.name).combine_chunks()
                if col.type != field.type:
                    # Amounts already come as decimal(38, AMOUNT_SCALE) (a value that does not
                    # fit is null with an error in its row, never rounded); statuses and
                    # errors are strings.
                    col = col.cast(field.type)
                columns.append(col)
            yield pa.RecordBatch.from_arrays(columns, names=safe_in + safe_out)

    return positional.mapInArrow(evaluate, schema).toDF(*(input_names + keep))


def compare(
    df: Any,
    base: Policy,
    reform: Optional[Policy],
    as_of: Union[date, str],
    reform_as_of: Optional[Union[date, str]] = None,
) -> Any:
    """Compares every row of a Spark DataFrame under `base` and `reform` (or one policy at
    two dates: `reform=None` and `reform_as_of`), as :func:`clausula.compare` does, one
    partition at a time with `mapInArrow`.

    Returns the input columns plus the comparison's: per outcome both sides have
    `<outcome>.status.base`, `.status.reform`, per amount `<outcome>.<amount>.base`,
    `.reform`, `.delta` (`decimal(38, 10)`: what each side pays), `<outcome>.changed_lines`
    (an array of line ids), then `error.base`, `error.reform`. The columns are checked on
    the driver before any job runs. Sum up with Spark, e.g.
    ``rows.groupBy("o.status.base", "o.status.reform").count()`` (backquote dotted names).
    """
    import pyarrow as pa
    from pyspark.sql import types as T
    from pyspark.sql.pandas.types import to_arrow_schema

    if reform is None:
        if reform_as_of is None:
            raise ValueError("nothing to compare: give a reform policy, or reform_as_of to compare two dates")
        reform = base
    day = _as_of(as_of)
    reform_day = day if reform_as_of is None else _as_of(reform_as_of)
    input_names = [f.name for f in df.schema.fields]
    # The comparison's columns, found (and the input's columns checked) on the driver by
    # comparing no rows.
    empty = to_arrow_schema(df.schema).empty_table()
    probe, _, _ = _call(base._native.compare_table, reform._native, empty, day, reform_day)
    added = [probe.schema.field(i) for i in range(len(input_names), len(probe.schema))]
    names = [f.name for f in added]

    def spark_type(t: Any) -> Any:
        if pa.types.is_decimal(t):
            return T.DecimalType(38, AMOUNT_SCALE)
        if pa.types.is_list(t):
            return T.ArrayType(T.StringType(), True)
        return T.StringType()

    safe_in = [f"_c{i}" for i in range(len(input_names))]
    safe_out = [f"_r{i}" for i in range(len(names))]
    positional = df.toDF(*safe_in)
    schema = T.StructType(
        [T.StructField(n, f.dataType, f.nullable) for n, f in zip(safe_in, df.schema.fields)]
        + [T.StructField(n, spark_type(f.type), True) for n, f in zip(safe_out, added)]
    )
    data = (base.to_bytes(), reform.to_bytes())
    same = reform is base

    def evaluate(batches: Iterator[Any]) -> Iterator[Any]:
        b = _policy(data[0])
        r = b if same else Policy.from_bytes(data[1])
        for batch in batches:
            named = pa.Table.from_batches([batch]).rename_columns(input_names)
            table, _, _ = _call(b._native.compare_table, r._native, named, day, reform_day)
            columns = [batch.column(i) for i in range(batch.num_columns)]
            columns += [table.column(n).combine_chunks() for n in names]
            yield pa.RecordBatch.from_arrays(columns, names=safe_in + safe_out)

    return positional.mapInArrow(evaluate, schema).toDF(*(input_names + names))


def _spark_result_types(fields: List[Any]) -> List[Any]:
    return [(f.name, f.dataType.simpleString()) for f in fields]


def _arrow_type(spark_type: str) -> Any:
    import pyarrow as pa

    if spark_type == "string":
        return pa.string()
    if spark_type.startswith("decimal"):
        return pa.decimal128(38, AMOUNT_SCALE)
    if spark_type.startswith("array<struct"):
        return pa.list_(pa.struct([pa.field(n, pa.string(), True) for n in _ERROR_FIELDS]))
    raise ValueError(spark_type)
