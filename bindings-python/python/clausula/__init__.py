"""Clausula: eligibility rules with exact money, effective dates, unknown-aware evaluation
and explanations that cite the policy.

>>> import clausula
>>> policy = clausula.compile('''
... policy demo "示例"
...   effective 2024-01-01
...
... input project "项目" {
...   total_investment: money "项目总投资"
... }
...
... outcome grant "补助" {
...   require project.total_investment >= 2000万 "总投资不低于2000万元" cite "第三条"
...   amount support = min(project.total_investment * 10%, 5000万)
... }
... ''')
>>> d = policy.evaluate({"project": {"total_investment": "30000000"}}, as_of="2024-06-01")
>>> d.outcomes["grant"].status
'eligible'
>>> d.outcomes["grant"].amounts["support"]
Decimal('3000000')
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
import re
from datetime import date, datetime
from decimal import Decimal
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Generic,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    TypedDict,
    Union,
    overload,
)

from . import _clausula
from ._clausula import NativeError, NativePolicy

if TYPE_CHECKING:
    # For the overloads only (a frame in gives the same kind of frame out); neither is
    # needed at run time. pyarrow ships no types, so its frames go through the `Any` overload.
    import pandas as pd
    import polars as pl

__all__ = [
    "ClausulaError",
    "Bounds",
    "Compare",
    "CompileError",
    "Decision",
    "Diagnostic",
    "EvaluationError",
    "FactError",
    "FactIssue",
    "InternalError",
    "OverrideError",
    "LineKind",
    "LineStatus",
    "Status",
    "AmountLine",
    "LineError",
    "LoadError",
    "Outcome",
    "OutcomeBrief",
    "Policy",
    "Recourse",
    "Requirement",
    "Summary",
    "Schema",
    "InputInfo",
    "FieldInfo",
    "ChoiceInfo",
    "OutcomeInfo",
    "LineInfo",
    "Value",
    "compile",
    "compare",
    "Comparison",
    "CompareSummary",
    "OutcomeComparison",
    "Transition",
    "AmountComparison",
    "LineChange",
    "format",
    "load",
    "parse_input",
]

__version__: str = _clausula.__version__

# --------------------------------------------------------------------------- errors
# The exception hierarchy, declared here and mapped from native errors in `_call`.


class ClausulaError(Exception):
    """Base class of every error Clausula raises."""


@dataclass(frozen=True)
class Diagnostic:
    """A problem in a policy: stable code, message, where it is, and the rendered frame."""

    code: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    help: Optional[str]
    rendered: str

    def __str__(self) -> str:
        return self.rendered


class CompileError(ClausulaError, ValueError):
    """The policy does not compile. `diagnostics` lists every problem found."""

    def __init__(self, message: str, diagnostics: List[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class FactIssue:
    """One problem reported with a decision: code, the fact path, what was expected. An
    evaluation error (``eval/division-by-zero``) names the ``outcome`` it reached, the
    ``lines`` (indices into its requirements) and ``amounts`` it left undecided, and its
    ``scope``: ``decision`` (no outcome decided: bad facts), ``line``, ``amount``, or
    ``field`` (a bad fact set aside when deciding with field errors)."""

    code: str
    message: str
    path: Optional[str] = None
    expected: Optional[str] = None
    help: Optional[str] = None
    outcome: Optional[str] = None
    scope: str = "decision"
    lines: List[int] = field(default_factory=list)
    amounts: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        hint = f" ({self.help})" if self.help else ""
        return f"[{self.code}] {where}{self.message}{hint}"


class FactError(ClausulaError, ValueError):
    """The facts do not fit the policy's inputs. `errors` names each bad fact's path."""

    def __init__(self, message: str, errors: List[FactIssue]) -> None:
        super().__init__(message)
        self.errors = errors

    @property
    def path(self) -> Optional[str]:
        """The path of the first bad fact."""
        return self.errors[0].path if self.errors else None


class EvaluationError(ClausulaError, ValueError):
    """The policy cannot be evaluated on that date (outside its effective window)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class LoadError(ClausulaError, ValueError):
    """A file or bytes refused before compiling or loading: a policy's `import` or CSV that
    is outside its folder (`load/outside-root`), not a regular file (`load/not-a-file`), too
    large (`load/too-large`) or missing; or bytes that are not a compiled policy
    (`graph/invalid`, `load/corrupt`, `load/unsupported-version`). `code` is the first
    problem's code; `diagnostics` lists every refused file with where it is named. The
    message never quotes a refused file's content."""

    def __init__(self, message: str, code: str, diagnostics: Optional[List[Diagnostic]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.diagnostics: List[Diagnostic] = diagnostics or []


class OverrideError(ClausulaError, ValueError):
    """`Policy.with_params` refused an override (an unknown name, a value of the wrong
    type): `errors` lists every problem, each with its code and a did-you-mean."""

    def __init__(self, message: str, errors: List[FactIssue]) -> None:
        super().__init__(message)
        self.errors = errors


class InternalError(ClausulaError, RuntimeError):
    """A bug inside Clausula (a Rust panic, caught): please report it."""


def _issues(payload: str) -> List[FactIssue]:
    return _issue_list(json.loads(payload) or [])


def _issue_list(items: List[Dict[str, Any]]) -> List[FactIssue]:
    return [
        FactIssue(
            code=e.get("code", ""),
            message=e.get("message", ""),
            path=e.get("path"),
            expected=e.get("expected"),
            help=e.get("help"),
            outcome=e.get("outcome"),
            scope=e.get("scope", "decision"),
            lines=list(e.get("lines", [])),
            amounts=list(e.get("amounts", [])),
        )
        for e in items
    ]


def _is_load_code(code: str) -> bool:
    """A file refused or not found before it could be compiled."""
    return code.startswith("load/") or code == "check/unreadable-file"


def _map_error(err: NativeError) -> ClausulaError:
    kind, message, payload = err.args
    if kind == "compile":
        diags = [
            Diagnostic(
                code=d["code"],
                severity=d["severity"],
                message=d["message"],
                file=d["file"],
                line=d["line"],
                column=d["column"],
                end_line=d["end_line"],
                end_column=d["end_column"],
                help=d.get("help"),
                rendered=d["rendered"],
            )
            for d in json.loads(payload)
        ]
        errors = [d for d in diags if d.severity == "error"]
        if errors and all(_is_load_code(d.code) for d in errors):
            return LoadError(message, errors[0].code, diags)
        return CompileError(message, diags)
    if kind == "facts":
        return FactError(message, _issues(payload))
    if kind == "override":
        return OverrideError(message, _issues(payload))
    if kind == "evaluation":
        issues = _issues(payload)
        return EvaluationError(message, issues[0].code if issues else "")
    if kind in ("load", "io"):
        detail = json.loads(payload) if payload else None
        code = detail.get("code", "graph/invalid") if isinstance(detail, dict) else "graph/invalid"
        return LoadError(message, code)
    if kind == "value":
        return EvaluationError(message, "value")
    return InternalError(message)


def _call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NativeError as e:
        raise _map_error(e) from None


AsOf = Union[date, datetime, str, Any]
"""An evaluation date: a `date`, a `datetime`/`pandas.Timestamp`/`numpy.datetime64` at
midnight (its date part), or `'YYYY-MM-DD'`."""


def _as_of(as_of: AsOf) -> str:
    if isinstance(as_of, str):
        return as_of
    if isinstance(as_of, datetime):  # pandas.Timestamp too
        if (as_of.hour, as_of.minute, as_of.second, as_of.microsecond) != (0, 0, 0, 0):
            raise ValueError(
                f"as_of {as_of.isoformat()} has a time of day; pass its date ({as_of.date().isoformat()})"
            )
        return as_of.date().isoformat()
    if isinstance(as_of, date):
        return as_of.isoformat()
    if type(as_of).__name__ == "datetime64":
        day = as_of.astype("datetime64[D]")
        if day != as_of:
            raise ValueError(f"as_of {as_of} has a time of day; pass its date ({day})")
        return str(day)
    raise TypeError(
        "as_of must be a date, datetime, pandas.Timestamp, numpy.datetime64 or 'YYYY-MM-DD', "
        f"not {type(as_of).__name__}"
    )


# --------------------------------------------------------------------------- decisions

Status = Literal["eligible", "ineligible", "undetermined"]
"""An outcome's status."""
LineStatus = Literal["true", "false", "unknown", "not_applicable"]
"""A `require`/`unless` line's status (also the values of batch line columns)."""
LineKind = Literal["require", "unless"]
"""Whether a line must hold (`require`) or must not (`unless`)."""


class ChoiceInfo(TypedDict):
    """An enum value or directory code a field offers, with its label."""

    value: str
    label: Optional[str]


class _FieldInfoRequired(TypedDict):
    path: str
    name: str
    label: Optional[str]
    type: str
    outcomes: List[str]


class FieldInfo(_FieldInfoRequired, total=False):
    """One fact of an input (`Policy.inputs`): its path, type, label, the outcomes it can
    affect, and when it has them its choices, directory, suggestions, default and declared
    range (`min`/`max`: a decimal string, a percent as its fraction, or a date)."""

    choices: List[ChoiceInfo]
    directory: str
    suggestions: List[ChoiceInfo]
    default: Union[str, bool]
    min: str
    max: str


class InputInfo(TypedDict):
    """One input (entity) of the policy."""

    name: str
    label: Optional[str]
    list: bool
    fields: List[FieldInfo]


class LineInfo(TypedDict):
    """One `require`/`unless` line of an outcome (the batch line columns are named by `id`)."""

    id: str
    kind: LineKind
    message: str
    cite: Optional[str]


class OutcomeInfo(TypedDict):
    """One outcome: its amounts (with labels) and lines."""

    name: str
    title: Optional[str]
    amounts: List[str]
    amount_labels: List[Optional[str]]
    lines: List[LineInfo]


class Schema(TypedDict):
    """What `Policy.inputs` returns."""

    policy: str
    title: Optional[str]
    inputs: List[InputInfo]
    outcomes: List[OutcomeInfo]


class Bounds(TypedDict, total=False):
    """The interval an unknown value lies in, from declared ranges (`in 0..15`); an unbounded
    end is absent."""

    min: str
    max: str
    display: str


@dataclass(frozen=True)
class Compare:
    """Both sides of a comparison; `type` says how to read them (`percent`, `money`…). An
    unknown side bounded by declared ranges has `left_bounds`/`right_bounds`, and its
    display shows the interval (`66..81`)."""

    left: Optional[str]
    op: str
    right: Optional[str]
    type: str
    left_display: Optional[str] = None
    right_display: Optional[str] = None
    left_bounds: Optional[Bounds] = None
    right_bounds: Optional[Bounds] = None


@dataclass(frozen=True)
class Value:
    """One named value an outcome used — a fact, a rule, a call of a function, a table
    result, a directory lookup or a param — with its human ``display``, citation and what
    it was computed from (``uses``: keys of the outcome's ``values``). A call (``kind``
    ``function``, or ``table`` for a table function) names its ``function`` and each
    parameter's value in ``args``. An outcome read by ``eligible(o)`` (``kind`` ``outcome``)
    has its status as ``value`` and, in ``requirements``, its undecided or blocking lines
    (as the contract's dicts)."""

    key: str
    kind: str
    type: str
    uses: List[str]
    label: Optional[str] = None
    value: Optional[str] = None
    display: Optional[str] = None
    cite: Optional[str] = None
    formula: Optional[str] = None
    row: Optional[int] = None
    rows: Optional[List[int]] = None
    version: Optional[str] = None
    from_: Optional[str] = None
    key_value: Optional[str] = None
    bounds: Optional[Bounds] = None
    function: Optional[str] = None
    args: Optional[Dict[str, Optional[str]]] = None
    requirements: Optional[List[Dict[str, Any]]] = None


@dataclass(frozen=True)
class LineError:
    """Why an amount has no value, or a line no truth value: the evaluation error's code and
    message."""

    code: str
    message: str


@dataclass(frozen=True)
class AmountLine:
    """How one amount was computed: its value and display, formula and the values it used."""

    name: str
    formula: str
    uses: List[str]
    label: Optional[str] = None
    value: Optional[Decimal] = None
    display: Optional[str] = None
    error: Optional[LineError] = None


@dataclass(frozen=True)
class Recourse:
    """One way to flip a blocking line alone: every value ``v`` of ``fact`` with
    ``v op value`` (and, for a fact in a divisor, ``v and_op and_value``) flips it, everything
    else as given; checked by the engine before it is reported."""

    fact: str
    op: str
    value: str
    display: Optional[str] = None
    current: Optional[str] = None
    and_op: Optional[str] = None
    and_value: Optional[str] = None

    def __str__(self) -> str:
        side = f" and {self.and_op} {self.and_value}" if self.and_op else ""
        now = f" (now {self.current})" if self.current else ""
        return f"{self.fact} {self.op} {self.display or self.value}{side}{now}"


@dataclass(frozen=True)
class Requirement:
    """One `require` or `unless` line and how it came out. ``id`` is stable (declared with
    ``as`` in the policy, else ``line<N>``); ``uses`` are the keys of the outcome's
    ``values`` it read."""

    kind: LineKind
    status: LineStatus
    message: str
    cite: Optional[str]
    facts: Dict[str, Any]
    compare: Optional[Compare]
    blocks: bool
    id: str = ""
    uses: List[str] = field(default_factory=list)
    recourse: List["Recourse"] = field(default_factory=list)
    error: Optional[LineError] = None

    @property
    def mark(self) -> str:
        """✓, ✗, ? or – (not applicable), as a display would show it."""
        if self.status == "not_applicable":
            return "–"
        if self.status == "unknown":
            return "?"
        return "✗" if self.blocks else "✓"


@dataclass(frozen=True)
class Outcome:
    """The decision on one outcome."""

    name: str
    status: Status
    title: Optional[str]
    amounts: Dict[str, Decimal]
    requirements: List[Requirement]
    missing: List[str]
    values: Dict[str, Value] = field(default_factory=dict)
    amount_lines: List[AmountLine] = field(default_factory=list)


@dataclass(frozen=True)
class OutcomeBrief:
    """One outcome of a :class:`Summary`: its status and the amounts whose inputs are known."""

    name: str
    status: Status
    amounts: Dict[str, Decimal]


def _brief(
    kind: str,
    policy: str,
    as_of: date,
    outcomes: Mapping[str, Union["Outcome", "OutcomeBrief"]],
    errors: List[FactIssue],
) -> str:
    """`<Kind policy as of date: outcome=status (amounts); …, errors=N>`."""
    parts = []
    for name, o in outcomes.items():
        lines = getattr(o, "amount_lines", None)
        if lines is not None:
            # The engine's display (money to the 分), as every surface shows it.
            amounts = ", ".join(f"{a.name}={a.display}" for a in lines if a.display is not None)
        else:
            amounts = ", ".join(f"{k}={v}" for k, v in o.amounts.items())
        parts.append(f"{name}={o.status}" + (f" ({amounts})" if amounts else ""))
    errs = f", errors={len(errors)}" if errors else ""
    return f"<{kind} {policy} as of {as_of}: {'; '.join(parts)}{errs}>"


class Summary:
    """Statuses, known amounts and errors: a :class:`Decision` without `title`,
    `requirements` and `missing`. `to_json()` is the decision's JSON with those keys left
    out, the same text the npm package's `summarize` returns.
    """

    __slots__ = ("_json", "policy", "as_of", "outcomes", "errors")

    def __init__(self, text: str) -> None:
        self._json = text
        data: Dict[str, Any] = json.loads(text)
        self.policy: str = data["policy"]
        self.as_of: date = date.fromisoformat(data["as_of"])
        self.errors: List[FactIssue] = _issue_list(data["errors"])
        self.outcomes: Dict[str, OutcomeBrief] = {
            name: OutcomeBrief(
                name=name,
                status=o["status"],
                amounts={k: Decimal(v) for k, v in o["amounts"].items()},
            )
            for name, o in data["outcomes"].items()
        }

    def to_dict(self) -> Dict[str, Any]:
        """The summary's JSON as a dict (amounts are decimal strings)."""
        data: Dict[str, Any] = json.loads(self._json)
        return data

    def to_json(self) -> str:
        """The summary's JSON, byte for byte what Rust and JavaScript produce."""
        return self._json

    def __repr__(self) -> str:
        return _brief("Summary", self.policy, self.as_of, self.outcomes, self.errors)


def _value(key: str, v: Dict[str, Any]) -> Value:
    return Value(
        key=key,
        kind=v["kind"],
        type=v["type"],
        uses=list(v.get("uses", [])),
        label=v.get("label"),
        value=v.get("value"),
        display=v.get("display"),
        cite=v.get("cite"),
        formula=v.get("formula"),
        row=v.get("row"),
        rows=v.get("rows"),
        version=v.get("version"),
        from_=v.get("from"),
        key_value=v.get("key"),
        bounds=v.get("bounds"),
        function=v.get("function"),
        args=v.get("args"),
        requirements=v.get("requirements"),
    )


def _amount_line(a: Dict[str, Any]) -> AmountLine:
    err = a.get("error")
    return AmountLine(
        name=a["name"],
        formula=a["formula"],
        uses=list(a.get("uses", [])),
        label=a.get("label"),
        value=Decimal(a["value"]) if a.get("value") is not None else None,
        display=a.get("display"),
        error=LineError(code=err["code"], message=err["message"]) if err else None,
    )


class Decision:
    """The result of evaluating a policy: the JSON contract, with Python objects on top.

    `outcomes` maps each outcome's name to an :class:`Outcome` (amounts are
    `decimal.Decimal`); `to_dict()` and `to_json()` give the contract itself.
    """

    __slots__ = ("_json", "_data", "policy", "as_of", "outcomes", "errors")

    def __init__(self, text: str) -> None:
        self._json = text
        self._data: Dict[str, Any] = json.loads(text)
        self.policy: str = self._data["policy"]
        self.as_of: date = date.fromisoformat(self._data["as_of"])
        self.errors: List[FactIssue] = _issue_list(self._data["errors"])
        self.outcomes: Dict[str, Outcome] = {}
        for name, o in self._data["outcomes"].items():
            reqs = [
                Requirement(
                    kind=r["kind"],
                    status=r["status"],
                    message=r["message"],
                    cite=r.get("cite"),
                    facts=r.get("facts", {}),
                    compare=Compare(**r["compare"]) if r.get("compare") else None,
                    blocks=r["blocks"],
                    id=r.get("id", ""),
                    uses=list(r.get("uses", [])),
                    recourse=[
                        Recourse(
                            fact=x["fact"],
                            op=x["op"],
                            value=x["value"],
                            display=x.get("display"),
                            current=x.get("current"),
                            and_op=(x.get("and") or {}).get("op"),
                            and_value=(x.get("and") or {}).get("value"),
                        )
                        for x in r.get("recourse", [])
                    ],
                    error=LineError(code=r["error"]["code"], message=r["error"]["message"])
                    if r.get("error")
                    else None,
                )
                for r in o["requirements"]
            ]
            self.outcomes[name] = Outcome(
                name=name,
                status=o["status"],
                title=o.get("title"),
                amounts={k: Decimal(v) for k, v in o["amounts"].items()},
                requirements=reqs,
                missing=list(o["missing"]),
                values={k: _value(k, v) for k, v in o.get("values", {}).items()},
                amount_lines=[_amount_line(a) for a in o.get("amount_lines", [])],
            )

    def to_dict(self) -> Dict[str, Any]:
        """The JSON contract as a dict (amounts are decimal strings)."""
        data: Dict[str, Any] = json.loads(self._json)
        return data

    def to_json(self) -> str:
        """The JSON contract, byte for byte what Rust, the CLI and JavaScript produce."""
        return self._json

    @property
    def missing(self) -> Dict[str, List[str]]:
        """Per outcome, the facts still worth asking for."""
        return {n: o.missing for n, o in self.outcomes.items()}

    def __repr__(self) -> str:
        return _brief("Decision", self.policy, self.as_of, self.outcomes, self.errors)

    def _repr_html_(self) -> str:
        return _decision_html(self)


_COLORS = {"eligible": "#188038", "ineligible": "#c5221f", "undetermined": "#b06000"}
_MARK_COLORS = {"✓": "#188038", "✗": "#c5221f", "?": "#b06000", "–": "#80868b"}
_OPS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}


def _value_html(o: "Outcome", key: str, depth: int, seen: "set[str]") -> str:
    """One named value and, folded under it, what it was computed from."""
    esc = html.escape
    v = o.values.get(key)
    if v is None:
        return ""
    name = esc(v.label or key)
    shown = esc(v.display if v.display is not None else "?")
    detail = []
    if v.row is not None:
        detail.append(f"第{v.row}行")
    if v.rows:
        detail.append("第" + "、".join(str(r) for r in v.rows) + "行")
    if v.version:
        detail.append(f"{v.version}起")
    if v.from_:
        detail.append(f"{v.from_}起")
    if v.key_value is not None:
        detail.append(esc(v.key_value))
    extra = f" <span style='color:#80868b'>({', '.join(detail)})</span>" if detail else ""
    cite = f" <span style='color:#80868b'>[{esc(v.cite)}]</span>" if v.cite else ""
    formula = f"<div style='color:#80868b'><code>= {esc(v.formula)}</code></div>" if v.formula else ""
    head = f"{name} = <b>{shown}</b>{extra}{cite}{formula}"
    if v.kind == "fact" or not v.uses or depth >= 4 or key in seen:
        return f"<div>{head}</div>"
    seen.add(key)
    inner = "".join(_value_html(o, u, depth + 1, seen) for u in v.uses)
    return f"<details style='margin-left:{depth}em'><summary>{head}</summary><div style='margin-left:1.2em'>{inner}</div></details>"


def _label(o: "Outcome", path: str) -> str:
    """A fact's label from the outcome's values, else its path."""
    v = o.values.get(path)
    return (v.label if v is not None else None) or path


def _decision_html(d: "Decision") -> str:
    """The decision in a notebook: statuses, each line (✓/✗ coloured) with its comparison
    and, folded, its working; each amount with its formula and working. Every number is
    the engine's own ``display``."""
    esc = html.escape
    rows: List[str] = [
        f"<div><b>{esc(d.policy)}</b> · as of {d.as_of.isoformat()}</div>",
    ]
    for e in d.errors:
        rows.append(f"<div style='color:#c5221f'>error: {esc(str(e))}</div>")
    for name, o in d.outcomes.items():
        title = esc(o.title or name)
        rows.append(
            f"<h4 style='margin:0.6em 0 0.2em'>{title} <code>{esc(name)}</code> "
            f"<span style='color:{_COLORS.get(o.status, '#000')}'>{esc(o.status)}</span></h4>"
        )
        rows.append(
            "<table><thead><tr><th></th><th style='text-align:left'>要求</th>"
            "<th style='text-align:left'>依据</th><th style='text-align:left'>比较</th>"
            "<th style='text-align:left'>计算过程</th></tr></thead><tbody>"
        )
        for r in o.requirements:
            cmp = ""
            if r.compare is not None:
                c = r.compare
                cmp = f"{c.left_display or '?'} {_OPS.get(c.op, c.op)} {c.right_display or '?'}"
            seen: "set[str]" = set()
            working = "".join(_value_html(o, u, 0, seen) for u in r.uses)
            kind = "unless " if r.kind == "unless" else ""
            mark = f"<span style='color:{_MARK_COLORS.get(r.mark, '#000')}'>{r.mark}</span>"
            needs = "".join(
                f"<div style='color:#1a7f37'>{'需要' if i == 0 else '或'}：{esc(_label(o, x.fact))} "
                f"{esc(_OPS.get(x.op, x.op))} {esc(x.display or x.value)}"
                f"{'，且 ' + esc(_OPS.get(x.and_op, x.and_op)) + ' ' + esc(x.and_value or '') if x.and_op else ''}"
                f"{'（现为 ' + esc(x.current) + '）' if x.current else ''}</div>"
                for i, x in enumerate(r.recourse)
            )
            rows.append(
                f"<tr><td>{mark}</td><td style='text-align:left'>{kind}{esc(r.message)}{needs}</td>"
                f"<td style='text-align:left'>{esc(r.cite or '')}</td><td style='text-align:left'>{esc(cmp)}</td>"
                f"<td style='text-align:left'><details><summary>{len(r.uses)}项</summary>{working}</details></td></tr>"
            )
        rows.append("</tbody></table>")
        for a in o.amount_lines:
            seen = set()
            working = "".join(_value_html(o, u, 0, seen) for u in a.uses)
            shown = esc(a.display) if a.display is not None else (
                f"<span style='color:#c5221f'>{esc(a.error.message)}</span>" if a.error else "?"
            )
            rows.append(
                f"<details><summary>{esc(a.label or a.name)} = <b>{shown}</b></summary>"
                f"<div style='margin-left:1.2em'><code>= {esc(a.formula)}</code>{working}</div></details>"
            )
        if o.missing:
            labels = []
            for m in o.missing:
                label = o.values[m].label if m in o.values else None
                labels.append(f"{esc(label)} ({esc(m)})" if label else esc(m))
            rows.append(f"<div>still needed: {', '.join(labels)}</div>")
    return "\n".join(rows)


# --------------------------------------------------------------------------- policies


class Policy:
    """A compiled policy: compile once, evaluate many times (from any thread)."""

    __slots__ = ("_native",)

    def __init__(self, native: NativePolicy) -> None:
        self._native = native

    @classmethod
    def from_bytes(cls, data: bytes) -> "Policy":
        """Loads a compiled graph made by :meth:`to_bytes`, the CLI or JavaScript."""
        return cls(_call(NativePolicy.from_bytes, data))

    def to_bytes(self) -> bytes:
        """The compiled graph: load it in Python, Rust or the browser without the source."""
        return bytes(_call(self._native.to_bytes))

    @property
    def name(self) -> str:
        """The policy's name."""
        return self._native.name

    @property
    def title(self) -> Optional[str]:
        """The policy's title."""
        return self._native.title

    @property
    def effective(self) -> str:
        """The effective window, e.g. ``2013-01-01 to 2015-12-31``."""
        return self._native.effective

    @property
    def inputs(self) -> Schema:
        """The input schema: fact paths, types, labels and enum choices, per input; the
        outcomes with their amounts and lines."""
        schema: Schema = json.loads(_call(self._native.inputs_json))
        return schema

    def json_schema(self) -> Dict[str, Any]:
        """The facts as a JSON Schema (draft 2020-12), for validators (`jsonschema`) and
        schema-driven forms: labels as titles, enum values and a small directory's codes as
        named `const`s, defaults, and the JSON each type accepts."""
        schema: Dict[str, Any] = json.loads(_call(self._native.json_schema_json))
        return schema

    @property
    def fact_paths(self) -> List[str]:
        """Every fact path the policy reads (`project.total_investment`; list inputs by
        name): the columns a frame may give it."""
        out: List[str] = []
        for i in self.inputs["inputs"]:
            if i["list"]:
                out.append(i["name"])
            else:
                out.extend(f["path"] for f in i["fields"])
        return out

    @property
    def outcomes(self) -> List[str]:
        """Outcome names, in policy order."""
        return [o["name"] for o in self.inputs["outcomes"]]

    @property
    def warnings(self) -> List[Dict[str, Any]]:
        """Compile warnings (unreachable table rows, unused CSV columns)."""
        warnings: List[Dict[str, Any]] = json.loads(_call(self._native.warnings_json))
        return warnings

    def evaluate(self, facts: Mapping[str, Any], *, as_of: Union[date, str]) -> Decision:
        """Evaluates one application.

        `facts` maps each input to its fields (lists of records for list inputs). Values may
        be `bool`, `int`, `float`, `decimal.Decimal`, `str`, `datetime.date` or `None`
        (unknown). Raises :class:`FactError` (naming the fact path) for bad facts and
        :class:`EvaluationError` for a date outside the policy's window.
        """
        text = _call(self._native.decide, facts, _as_of(as_of))
        return _checked(Decision(text))

    def decide(self, facts: Mapping[str, Any], *, as_of: Union[date, str], field_errors: bool = False) -> Decision:
        """Like :meth:`evaluate`, but never raises for bad facts or dates: the problems are
        in the decision's `errors` (and `outcomes` is empty), as in the JSON contract.

        With `field_errors=True` (what a form needs while the user types), a field whose
        value is bad is an error on that field (its `path`) and treated as not given, and
        every outcome is still decided from the rest."""
        return Decision(_call(self._native.decide, facts, _as_of(as_of), field_errors))

    def evaluate_row(self, row: Mapping[str, Any], *, as_of: AsOf) -> Decision:
        """Explains one row of a batch frame (a `pandas.Series`, a `dict` of a polars or
        pyarrow row): columns named by fact paths (`project.total_investment`) are its facts,
        missing values (None, NaN, `pd.NA`) are unknown, other columns (an id) are ignored,
        as :meth:`evaluate_batch` reads them. Raises :class:`FactError` for a bad value."""
        inputs = {i["name"] for i in self.inputs["inputs"]}
        facts: Dict[str, Any] = {}
        for key, value in dict(row).items():
            head, _, field_name = str(key).partition(".")
            if head not in inputs or _missing(value):
                continue
            if hasattr(value, "item") and not isinstance(value, (str, bytes)):
                value = value.item()  # a numpy scalar
            if field_name:
                facts.setdefault(head, {})[field_name] = value
            else:
                facts[head] = value
        return self.evaluate(facts, as_of=as_of)

    def summarize(self, facts: Mapping[str, Any], *, as_of: Union[date, str]) -> Summary:
        """Statuses and known amounts only, without explanations: several times faster than
        :meth:`evaluate` in a loop. Like :meth:`decide` it does not raise for bad facts or a
        date outside the window: they are in the summary's `errors` (and `outcomes` is
        empty). For many rows at once, :meth:`evaluate_batch` is faster still.
        """
        return Summary(_call(self._native.summarize, facts, _as_of(as_of)))

    def decide_json(self, text: str, *, as_of: Union[date, str], field_errors: bool = False) -> Decision:
        """Like :meth:`decide`, from JSON text."""
        return Decision(_call(self._native.decide_json, text, _as_of(as_of), field_errors))

    def evaluate_json(self, text: str, *, as_of: Union[date, str]) -> Decision:
        """Evaluates facts given as JSON text (strict: duplicate keys are errors)."""
        return _checked(Decision(_call(self._native.decide_json, text, _as_of(as_of))))

    @overload
    def evaluate_batch(
        self,
        data: pd.DataFrame,
        *,
        as_of: AsOf,
        lines: bool = ...,
        amounts: Literal["decimal", "float"] = ...,
        eligible_only: bool = ...,
        by_label: bool = ...,
    ) -> pd.DataFrame: ...
    @overload
    def evaluate_batch(
        self,
        data: pl.DataFrame,
        *,
        as_of: AsOf,
        lines: bool = ...,
        amounts: Literal["decimal", "float"] = ...,
        eligible_only: bool = ...,
        by_label: bool = ...,
    ) -> pl.DataFrame: ...
    @overload
    def evaluate_batch(
        self,
        data: Any,
        *,
        as_of: AsOf,
        lines: bool = ...,
        amounts: Literal["decimal", "float"] = ...,
        eligible_only: bool = ...,
        by_label: bool = ...,
    ) -> Any: ...

    def evaluate_batch(
        self,
        data: Any,
        *,
        as_of: AsOf,
        lines: bool = False,
        amounts: Literal["decimal", "float"] = "decimal",
        eligible_only: bool = False,
        by_label: bool = False,
    ) -> Any:
        """Evaluates many applications: a `pandas.DataFrame`, `pyarrow.Table` or
        `RecordBatch`, or a `polars.DataFrame` (anything with `__arrow_c_stream__`), and
        returns the same kind of frame.

        Columns named by fact paths (`project.total_investment`, or a struct column
        `project`) are read as facts; null is unknown; other columns (an id) are carried
        along. A column that is a fact written another way (`Project.Total_Investment`, or
        the field's label `项目总投资`) raises a :class:`FactError` with the path it stands
        for; with `by_label=True` label columns are read as their facts. A frame with no fact
        column, or with a column named like a result column, raises too.

        Added columns, per outcome: `<outcome>.status`; `<outcome>.<amount>` (exact:
        `decimal128(38, 10)`, in pandas an `ArrowDtype` column that sums and divides;
        `amounts="float"` gives `float64`, lossy, for plotting); with `lines=True` one column
        per line, `<outcome>.<line id>` (`true`/`false`/`unknown`/`not_applicable`), and
        `<outcome>.failed`, the list of the ids of the lines that block. Amounts of a row that
        is not eligible are provisional (what it would get); `eligible_only=True` makes them
        null. Then the errors: `error` (the one that left the row undecided, rendered: bad
        facts), `error.code`, `error.path`, `error.message`, and `errors`, the list of all
        (`code`, `path`, `message`, `outcome`, `scope`), evaluation errors scoped to a line or
        an amount (R11) included. A bad value makes an error in its row and every other row
        is still evaluated.

        `as_of` is one date for every row, or the name of a column holding each row's date.
        The GIL is released and all cores are used.
        """
        if amounts not in ("decimal", "float"):
            raise ValueError(f"amounts must be 'decimal' or 'float', not {amounts!r}")
        return _batch(
            self,
            data,
            as_of,
            _BatchOptions(lines=lines, floats=amounts == "float", eligible_only=eligible_only, by_label=by_label),
        )

    @overload
    def explain_counts(self, result: pd.DataFrame) -> pd.DataFrame: ...
    @overload
    def explain_counts(self, result: pl.DataFrame) -> pl.DataFrame: ...
    @overload
    def explain_counts(self, result: Any) -> Any: ...

    def explain_counts(self, result: Any) -> Any:
        """Per line of every outcome, how many rows of a batch result (made with
        `lines=True`) it blocks, and how many it holds, fails, leaves unknown or does not
        apply to, with the line's message and citation; the same kind of frame as `result`
        (pandas, polars or pyarrow), one row per line in policy order."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = _to_arrow(result)[0]
        rows: Dict[str, List[Any]] = {
            k: []
            for k in ("outcome", "line", "kind", "message", "cite", "blocks", "true", "false", "unknown", "not_applicable")
        }
        for o in self.inputs["outcomes"]:
            for line in o["lines"]:
                name = f"{o['name']}.{line['id']}"
                if name not in table.column_names:
                    raise ValueError(f"no column `{name}`: evaluate the batch with lines=True")
                counts = {
                    str(v["values"]): int(v["counts"])
                    for v in pc.value_counts(table.column(name).combine_chunks()).to_pylist()
                    if v["values"] is not None
                }
                rows["outcome"].append(o["name"])
                rows["line"].append(line["id"])
                rows["kind"].append(line["kind"])
                rows["message"].append(line["message"])
                rows["cite"].append(line.get("cite"))
                blocking = "false" if line["kind"] == "require" else "true"
                rows["blocks"].append(counts.get(blocking, 0))
                for k in ("true", "false", "unknown", "not_applicable"):
                    rows[k].append(counts.get(k, 0))
        out = pa.table(rows)
        return _from_arrow(result, out, None)

    def with_params(self, overrides: Mapping[str, Any]) -> "Policy":
        """This policy with params or directory cells set to other values, for what-if
        comparisons (:func:`compare`). Keys are `NAME` (a param's name or label: the value at
        every date), `NAME@YYYY-MM-DD` (from that date on) or `DIR[KEY].COLUMN` (a directory
        cell; a new key adds a row). Values are written as in a policy (`"1.5亿"`, `"60%"`)
        or given as `Decimal`, `int`, `bool` or `date`, and are checked against the declared
        types. Raises :class:`OverrideError` with every problem at once."""
        specs = [f"{k}={_override_text(v)}" for k, v in overrides.items()]
        return Policy(_call(self._native.with_params, specs))

    def run_examples(self) -> List[Dict[str, Any]]:
        """Runs the policy file's `example` blocks."""
        results: List[Dict[str, Any]] = json.loads(_call(self._native.run_examples_json))
        return results

    def to_dot(self) -> str:
        """The rule graph as Graphviz DOT."""
        return self._native.to_dot()

    def __repr__(self) -> str:
        return f"<Policy {self.name} ({self.effective})>"


def _checked(d: Decision) -> Decision:
    if not d.outcomes and d.errors:
        first = d.errors[0]
        if first.code == "eval/outside-effective-window":
            raise EvaluationError(first.message, first.code)
        raise FactError("; ".join(str(e) for e in d.errors), d.errors)
    return d


def _missing(v: Any) -> bool:
    """None, NaN, `pd.NA`, `pd.NaT`: how frames write a missing value."""
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return type(v).__name__ in ("NAType", "NaTType")


def _cell_text(v: Any) -> str:
    """A cell of a mixed column as the text the engine reads for its type."""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _pandas_table(policy: Policy, frame: Any) -> Any:
    """A pandas frame as an Arrow table, plus the cells that could not be put in one.

    A column pyarrow cannot type (an object column mixing floats and `"abc"`, a bool column
    holding `"yes"`) is not an error for the whole batch: a numeric, date, text, code or enum
    fact takes its cells as text (the engine reads them by the fact's type and reports a bad
    one in its row), and a bool fact keeps its bools, each other cell being an error in its
    row. Returns `(table, cell_errors)` with `cell_errors` as `(row, path, message)`."""
    import pyarrow as pa

    failures = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False), []
    except failures:
        pass
    types = {
        f["path"]: f["type"]
        for i in policy.inputs["inputs"]
        if not i["list"]
        for f in i["fields"]
    }
    arrays: List[Any] = []
    names: List[str] = []
    errors: List[Any] = []
    for name in frame.columns:
        column = frame[name]
        key = str(name)
        names.append(key)
        try:
            arrays.append(pa.array(column, from_pandas=True))
            continue
        except failures:
            pass
        values = column.tolist()
        if types.get(key) == "bool":
            cells: List[Any] = []
            for row, v in enumerate(values):
                if _missing(v):
                    cells.append(None)
                elif isinstance(v, bool) or type(v).__name__ == "bool_":
                    cells.append(bool(v))
                else:
                    cells.append(None)
                    errors.append((row, key, f"expected true or false, found {v!r}"))
            arrays.append(pa.array(cells, type=pa.bool_()))
        else:
            arrays.append(
                pa.array([None if _missing(v) else _cell_text(v) for v in values], type=pa.string())
            )
    return pa.Table.from_arrays(arrays, names=names), errors


@dataclass(frozen=True)
class _BatchOptions:
    lines: bool
    floats: bool
    eligible_only: bool
    by_label: bool


_DATE = re.compile(r"^[+-]?\d{4,}-\d{2}-\d{2}$")


def _to_arrow(data: Any, policy: Optional[Policy] = None) -> Tuple[Any, List[Any]]:
    """A frame as a pyarrow Table, plus the pandas cells that could not be typed."""
    import pyarrow as pa

    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        if policy is None:
            return pa.Table.from_pandas(data, preserve_index=False), []
        table, cells = _pandas_table(policy, data)
        return table, cells
    if module == "polars":
        return data.to_arrow(), []
    if isinstance(data, pa.Table):
        return data, []
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), []
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data), []
    raise TypeError(
        f"evaluate_batch takes a pandas or polars DataFrame or a pyarrow Table/RecordBatch, not {type(data).__name__}"
    )


def _pandas_types(t: Any) -> Any:
    import pandas as pd
    import pyarrow as pa

    return pd.ArrowDtype(t) if pa.types.is_decimal(t) else None


def _from_arrow(data: Any, out: Any, added: Optional[List[str]]) -> Any:
    """`out` as the same kind of frame as `data`. For pandas, `data`'s own columns are kept
    as they were (with its index) and only the `added` columns are converted."""
    import pyarrow as pa

    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        if added is None:
            return out.to_pandas(types_mapper=_pandas_types)
        res = out.select(added).to_pandas(types_mapper=_pandas_types)
        res.index = data.index
        return pd.concat([data, res], axis=1)
    if module == "polars":
        import polars as pl

        return pl.from_arrow(out)
    if isinstance(data, pa.RecordBatch):
        return out.combine_chunks().to_batches()[0] if out.num_rows else pa.RecordBatch.from_pylist([], schema=out.schema)
    return out


def _by_label(policy: Policy, table: Any) -> Any:
    """Renames label-named columns (`项目总投资`) to the fact paths they stand for."""
    labels = {
        f["label"]: f["path"]
        for i in policy.inputs["inputs"]
        if not i["list"]
        for f in i["fields"]
        if f.get("label")
    }
    return table.rename_columns([labels.get(n, n) for n in table.column_names])


def _evaluate_table(policy: Policy, table: Any, as_of: str, cell_errors: List[Any], lines: bool) -> Any:
    return _call(policy._native.evaluate_table, table, as_of, cell_errors, lines)


def _per_row_dates(policy: Policy, table: Any, column: str, cell_errors: List[Any], lines: bool) -> Any:
    """Evaluates each group of rows sharing a date in `column`, and puts the rows back in
    their order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = table.column(column).combine_chunks()
    try:
        days = raw.cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ValueError(f"as_of column `{column}` does not hold dates (at midnight): {e}") from None
    nulls = pc.indices_nonzero(pc.is_null(days)).to_pylist()
    if nulls:
        raise ValueError(f"as_of column `{column}` has no date in rows {nulls[:10]}")
    parts = []
    order: List[int] = []
    by_row: Dict[int, List[Tuple[str, str]]] = {}
    for r, p, m in cell_errors:
        by_row.setdefault(r, []).append((p, m))
    # Rows grouped by date with one sort (n log n, however many distinct dates).
    index = pc.sort_indices(days)
    sorted_days = days.take(index).to_pylist()
    rows_sorted = index.to_pylist()
    start = 0
    for i in range(1, len(rows_sorted) + 1):
        if i < len(rows_sorted) and sorted_days[i] == sorted_days[start]:
            continue
        rows = rows_sorted[start:i]
        errors = [(j, p, m) for j, r in enumerate(rows) for p, m in by_row.get(r, ())]
        parts.append(_evaluate_table(policy, table.take(pa.array(rows, pa.int64())), sorted_days[start].isoformat(), errors, lines))
        order.extend(rows)
        start = i
    if not parts:
        # No rows: the result columns, empty, at a date in the policy's window.
        inside = re.search(r"\d{4}-\d{2}-\d{2}", policy.effective)
        return _evaluate_table(policy, table, inside.group(0) if inside else "2000-01-01", cell_errors, lines)
    joined = pa.concat_tables(parts)
    back = pc.sort_indices(pa.array(order, pa.int64()))
    return joined.take(back)


def _batch(policy: Policy, data: Any, as_of: Any, opts: _BatchOptions) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    table, cell_errors = _to_arrow(data, policy)
    names = list(table.column_names)
    if opts.by_label:
        table = _by_label(policy, table)
    if isinstance(as_of, str) and not _DATE.match(as_of) and as_of in names:
        out = _per_row_dates(policy, table, as_of, cell_errors, opts.lines)
    else:
        out = _evaluate_table(policy, table, _as_of(as_of), cell_errors, opts.lines)
    out = out.rename_columns(names + out.column_names[len(names) :])
    added = out.column_names[len(names) :]
    outcomes = policy.inputs["outcomes"]
    for o in outcomes:
        status = out.column(f"{o['name']}.status")
        for a in o["amounts"]:
            name = f"{o['name']}.{a}"
            col = out.column(name)
            if opts.eligible_only:
                col = pc.if_else(pc.equal(status, "eligible"), col, pa.nulls(len(col), col.type))
            if opts.floats:
                col = col.cast(pa.float64())
            out = out.set_column(out.column_names.index(name), name, col)
    return _from_arrow(data, out, added)


def _override_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return f"{v:f}"
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, date) and not isinstance(v, datetime):
        return v.isoformat()
    raise TypeError(f"an override's value is text, Decimal, int, bool or date, not {type(v).__name__}")


# --------------------------------------------------------------------------- compare
# What if: a population under a baseline and a reform. The comparison is core's (one pass
# over the rows, exact totals); this is conversion and presentation only.

Transition = TypedDict("Transition", {"from": str, "to": str, "rows": int})
"""How many rows went from one status to another (`error`: the row's facts were bad)."""


class AmountComparison(TypedDict):
    """What an amount costs on each side: the exact sum over the rows each side finds
    eligible (decimal strings), with core's display of them."""

    name: str
    label: Optional[str]
    base: str
    reform: str
    delta: str
    base_display: str
    reform_display: str
    delta_display: str
    base_unknown: int
    reform_unknown: int


LineChange = TypedDict(
    "LineChange",
    {"id": str, "message": str, "cite": Optional[str], "from": str, "to": str, "rows": int},
)
"""A line behind status changes: it blocks, or is unknown, on one side only."""


class OutcomeComparison(TypedDict):
    """One outcome under both sides."""

    name: str
    title: Optional[str]
    changed: int
    transitions: List[Transition]
    amounts: List[AmountComparison]
    lines: List[LineChange]


class CompareSummary(TypedDict):
    """The comparison of a whole population."""

    rows: int
    outcomes: List[OutcomeComparison]
    only_base: List[str]
    only_reform: List[str]
    overflow: List[str]


FrameT = TypeVar("FrameT")


class Comparison(Generic[FrameT]):
    """The result of :func:`compare`: `rows`, the input frame with the comparison's columns
    (the same kind of frame as given), and `summary`, per outcome the transitions, what each
    side pays and the lines behind the changes. Shown as text, as HTML in a notebook, and
    drawn by :meth:`plot`."""

    def __init__(self, rows: FrameT, summary_json: str, text: str) -> None:
        self.rows: FrameT = rows
        self.summary: CompareSummary = json.loads(summary_json)
        self._text = text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._text

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [f"<div class='clausula-compare'><p>{self.summary['rows']:,} rows compared</p>"]
        for o in self.summary["outcomes"]:
            title = f" {e(o['title'])}" if o["title"] else ""
            parts.append(f"<h4>{e(o['name'])}{title}: {o['changed']:,} rows changed status</h4>")
            parts.append("<table><tr><th>baseline</th><th>reform</th><th>rows</th></tr>")
            for t in o["transitions"]:
                style = " style='font-weight:bold'" if t["from"] != t["to"] else ""
                parts.append(
                    f"<tr{style}><td>{e(t['from'])}</td><td>{e(t['to'])}</td>"
                    f"<td style='text-align:right'>{t['rows']:,}</td></tr>"
                )
            parts.append("</table>")
            if o["amounts"]:
                parts.append("<table><tr><th>amount</th><th>baseline pays</th><th>reform pays</th><th>change</th></tr>")
                for a in o["amounts"]:
                    label = f" {e(a['label'])}" if a["label"] else ""
                    parts.append(
                        f"<tr><td>{e(a['name'])}{label}</td><td style='text-align:right'>{e(a['base_display'])}</td>"
                        f"<td style='text-align:right'>{e(a['reform_display'])}</td>"
                        f"<td style='text-align:right'>{e(a['delta_display'])}</td></tr>"
                    )
                parts.append("</table>")
            if o["lines"]:
                parts.append("<table><tr><th>rows</th><th>line</th><th>baseline → reform</th><th>message</th><th>cite</th></tr>")
                for l in o["lines"]:
                    parts.append(
                        f"<tr><td style='text-align:right'>{l['rows']:,}</td><td>{e(l['id'])}</td>"
                        f"<td>{e(l['from'])} → {e(l['to'])}</td><td>{e(l['message'])}</td>"
                        f"<td>{e(l['cite'] or '')}</td></tr>"
                    )
                parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)

    def plot(self) -> Any:
        """A matplotlib figure: the rows that changed status per transition, and what each
        amount's total changes by, in units of 100,000,000 (floats, for the chart only).
        Labels are the policy's names (fonts for Chinese labels are not always installed)."""
        import matplotlib.pyplot as plt

        outcomes = self.summary["outcomes"]
        moves = [
            (f"{o['name']}: {t['from']} → {t['to']}", t["rows"])
            for o in outcomes
            for t in o["transitions"]
            if t["from"] != t["to"]
        ]
        deltas = [
            (f"{o['name']}.{a['name']}", float(Decimal(a["delta"])) / 1e8)
            for o in outcomes
            for a in o["amounts"]
        ]
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(3.0, 0.5 * max(len(moves), len(deltas), 1) + 2)))
        left.barh([m[0] for m in moves], [m[1] for m in moves], color="tab:orange")
        left.set_title("rows that changed status")
        left.invert_yaxis()
        right.barh([d[0] for d in deltas], [d[1] for d in deltas], color=["tab:red" if d[1] < 0 else "tab:green" for d in deltas])
        right.set_title("total paid: reform − baseline")
        right.set_xlabel("x 100,000,000")
        right.invert_yaxis()
        fig.tight_layout()
        return fig


@overload
def compare(
    base: Policy, reform: Optional[Policy], data: pd.DataFrame, *, as_of: AsOf, reform_as_of: Optional[AsOf] = ...
) -> Comparison[pd.DataFrame]: ...
@overload
def compare(
    base: Policy, reform: Optional[Policy], data: pl.DataFrame, *, as_of: AsOf, reform_as_of: Optional[AsOf] = ...
) -> Comparison[pl.DataFrame]: ...
@overload
def compare(
    base: Policy, reform: Optional[Policy], data: Any, *, as_of: AsOf, reform_as_of: Optional[AsOf] = ...
) -> Comparison[Any]: ...


def compare(
    base: Policy, reform: Optional[Policy], data: Any, *, as_of: AsOf, reform_as_of: Optional[AsOf] = None
) -> Comparison[Any]:
    """Evaluates every row of `data` (a pandas or polars DataFrame, a pyarrow Table or
    RecordBatch) under `base` and under `reform` in one pass — two policies, or one policy
    at two dates (`reform=None` and `reform_as_of`) — and compares them.

    Adds per outcome both sides have `<outcome>.status.base` and `.status.reform`, per
    amount `<outcome>.<amount>.base`, `.reform` and `.delta` (what each side pays: zero
    when it finds the row ineligible, null when undetermined; exact `decimal128(38, 10)`),
    `<outcome>.changed_lines` (for a row whose status changed, the ids of the lines that
    block or are unknown on one side only), then `error.base` and `error.reform`. A column
    is read as a fact if either side has that fact. The GIL is released."""
    if reform is None:
        if reform_as_of is None:
            raise ValueError("nothing to compare: give a reform policy, or reform_as_of to compare two dates")
        reform = base
    table, cell_errors = _to_arrow(data, base)
    names = list(table.column_names)
    day = _as_of(as_of)
    reform_day = day if reform_as_of is None else _as_of(reform_as_of)
    out, summary, text = _call(base._native.compare_table, reform._native, table, day, reform_day, cell_errors)
    out = out.rename_columns(names + out.column_names[len(names) :])
    return Comparison(_from_arrow(data, out, out.column_names[len(names) :]), summary, text)


def compile(source: str, *, path: Optional[str] = None, root: Optional[str] = None) -> Policy:
    """Compiles policy source. With `path`, `import`s and directory CSVs are read relative
    to it, and only from inside `root` (by default the folder of `path`): absolute paths,
    `..` above the root, symlinks out of it, FIFOs and devices are refused with a
    :class:`LoadError`. Raises :class:`CompileError` with every diagnostic found."""
    return Policy(_call(NativePolicy.compile, source, path, None if root is None else str(root)))


def load(path: str, *, root: Optional[str] = None) -> Policy:
    """Reads and compiles a policy file (following its `import`s and directory CSVs, inside
    `root`, by default the policy's own folder). Raises :class:`LoadError` for a refused or
    missing file and :class:`CompileError` for a policy that does not compile."""
    return Policy(_call(NativePolicy.load, str(path), None if root is None else str(root)))


def parse_input(text: str, type: str) -> Union[str, int, bool, None]:
    """What a user typed in a form field of `type` (`money`, `number`, `int`, `percent`,
    `bool`, `date`, `text`, `code`, `enum`), as the facts value the engine reads: `"3亿"`,
    `"2000万元"`, `"1,000,000"` and full-width digits become decimal strings, `"3.65%"` stays
    a percent, `"是"`/`"否"` become bools, `"2026年3月1日"` a date, empty input `None`. The
    engine stays strict; this is opt-in. Raises :class:`FactError` with the engine's code."""
    value: Union[str, int, bool, None] = json.loads(_call(_clausula.parse_input_json, text, type))
    return value


def format(source: str) -> str:
    """Formats policy source canonically (idempotent; keeps comments)."""
    return str(_call(_clausula.format_source, source))
