"""Hostile policies and facts from Python: reads contained to the policy's folder, the same
unknown and the same error as the other bindings, never a dropped row or a raw pyarrow error."""

from __future__ import annotations

import os
import threading
from decimal import Decimal
from pathlib import Path

import pytest

import clausula

POLICY = """policy p "P"

input e "E" {
  x: money "X"
  ok: bool "OK"
  note: text "Note"
}

outcome o "O" {
  require e.x > 1 "x over 1"
  require e.ok "ok"
  amount third = e.x / 3
  amount double = e.x * 2
}
"""


def _compile_with_import(tmp_path: Path, target: str) -> clausula.LoadError:
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    main = folder / "main.cla"
    source = f'import "{target}"\n' + POLICY
    main.write_text(source)
    result: dict[str, BaseException] = {}

    def run() -> None:
        try:
            clausula.compile(source, path=str(main))
        except BaseException as e:  # noqa: BLE001 - recorded for the assertion below
            result["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), f"compiling an import of {target} hangs"
    error = result.get("error")
    assert isinstance(error, clausula.LoadError), repr(error)
    return error


def test_imports_outside_the_folder_fifos_and_devices_are_load_errors(tmp_path: Path) -> None:
    (tmp_path / "x.cla").write_text('rule leaked = "TOP-SECRET"\n')
    fifo = tmp_path / "policy" / "fifo.cla"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    for target, code in [
        ("/etc/passwd", "load/outside-root"),
        ("../x.cla", "load/outside-root"),
        ("fifo.cla", "load/not-a-file"),
        ("/dev/zero", "load/outside-root"),
    ]:
        error = _compile_with_import(tmp_path, target)
        assert error.code == code, (target, error.code)
        assert [d.code for d in error.diagnostics] == [code]
        text = str(error) + "".join(d.rendered for d in error.diagnostics)
        for leak in ("root:x", "TOP-SECRET"):
            assert leak not in text, (target, text)


def test_a_wider_root_may_be_named(tmp_path: Path) -> None:
    (tmp_path / "shared.cla").write_text("rule one = 1\n")
    folder = tmp_path / "policy"
    folder.mkdir()
    main = folder / "main.cla"
    main.write_text('import "../shared.cla"\n' + POLICY)
    with pytest.raises(clausula.LoadError):
        clausula.load(str(main))
    assert clausula.load(str(main), root=str(tmp_path)).name == "p"


def test_a_changed_byte_in_a_compiled_policy_is_refused() -> None:
    data = bytearray(clausula.compile(POLICY).to_bytes())
    data[len(data) // 2] ^= 1
    with pytest.raises(clausula.LoadError) as caught:
        clausula.Policy.from_bytes(bytes(data))
    assert caught.value.code == "load/corrupt"


def test_nan_and_pandas_missing_values_are_unknown_as_in_batches() -> None:
    pd = pytest.importorskip("pandas")
    policy = clausula.compile(POLICY)
    for missing in (float("nan"), pd.NA, None):
        d = policy.decide({"e": {"x": missing, "ok": True}}, as_of="2024-01-01")
        assert d.outcomes["o"].status == "undetermined"
        assert d.outcomes["o"].missing == ["e.x"]
    frame = pd.DataFrame({"e.x": [float("nan")], "e.ok": [True]})
    out = policy.evaluate_batch(frame, as_of="2024-01-01")
    assert out["o.status"].tolist() == ["undetermined"]


def test_infinity_is_an_error_naming_the_fact() -> None:
    policy = clausula.compile(POLICY)
    with pytest.raises(clausula.FactError) as caught:
        policy.evaluate({"e": {"x": float("inf")}}, as_of="2024-01-01")
    assert caught.value.path == "e.x"


def test_an_empty_string_is_not_given_except_for_text() -> None:
    policy = clausula.compile(POLICY)
    d = policy.decide({"e": {"x": "", "ok": True, "note": ""}}, as_of="2024-01-01")
    assert d.errors == []
    assert d.outcomes["o"].missing == ["e.x"]


def test_mixed_object_columns_are_errors_in_their_rows() -> None:
    pd = pytest.importorskip("pandas")
    policy = clausula.compile(POLICY)
    frame = pd.DataFrame(
        {
            "e.x": pd.Series([5.0, "abc", "7", None], dtype=object),
            "e.ok": pd.Series([True, "yes", True, False], dtype=object),
            "id": [1, 2, 3, 4],
        }
    )
    out = policy.evaluate_batch(frame, as_of="2024-01-01")
    assert len(out) == 4
    assert out["o.status"].tolist()[0] == "eligible"
    assert out["o.status"].isna().tolist()[1]
    assert "e.x" in out["error"].tolist()[1] or "e.ok" in out["error"].tolist()[1]
    assert out["o.status"].tolist()[2] == "eligible"
    assert out["o.status"].tolist()[3] == "ineligible"
    assert out["id"].tolist() == [1, 2, 3, 4]


def test_amount_columns_have_one_scale_and_never_lose_digits() -> None:
    pa = pytest.importorskip("pyarrow")
    policy = clausula.compile(POLICY)
    a = policy.evaluate_batch(pa.table({"e.x": ["3"], "e.ok": [True]}), as_of="2024-01-01")
    b = policy.evaluate_batch(pa.table({"e.x": ["3.0123"], "e.ok": [True]}), as_of="2024-01-01")
    assert a.schema.field("o.double").type == pa.decimal128(38, 10)
    assert a.schema.field("o.double").type == b.schema.field("o.double").type
    joined = pa.concat_tables([a, b])
    assert joined.column("o.double").to_pylist() == [Decimal("6"), Decimal("6.0246")]
    # 3 / 3 = 1; 3.0123 / 3 = 1.0041; 1 / 3 needs more than 10 decimals: null and an error.
    c = policy.evaluate_batch(pa.table({"e.x": ["1"], "e.ok": [True]}), as_of="2024-01-01")
    assert c.column("o.third").to_pylist() == [None]
    # The amount alone is without a value: the row is decided, the error is in its list.
    assert c.column("error").to_pylist() == [None]
    assert c.column("o.status").to_pylist() != [None]
    [err] = c.column("errors").to_pylist()[0]
    assert (err["code"], err["outcome"], err["scope"]) == ("eval/precision", "o", "amount")
    assert c.column("o.double").to_pylist() == [Decimal("2")]
