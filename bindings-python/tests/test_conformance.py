"""The shared conformance corpus: the same JSON as the Rust runner, byte for byte."""

import json
from pathlib import Path

import pytest

import clausula

CORPUS = Path(__file__).resolve().parents[2] / "conformance"
TOPICS = sorted(p for p in (CORPUS / "eval").iterdir() if p.is_dir())


def cases():
    for topic in TOPICS:
        for case in json.loads((topic / "cases.json").read_text()):
            yield pytest.param(topic, case, id=f"{topic.name}/{case['name']}")


_policies: dict = {}


def policy_of(topic: Path) -> clausula.Policy:
    if topic not in _policies:
        main = topic / "policy.cla"
        _policies[topic] = clausula.compile(main.read_text(), path=str(main))
    return _policies[topic]


@pytest.mark.parametrize("topic, case", list(cases()))
def test_evaluation_case(topic, case):
    p = policy_of(topic)
    if "facts_json" in case:
        d = p.decide_json(case["facts_json"], as_of=case["as_of"])
    else:
        d = p.decide(case["facts"], as_of=case["as_of"])
    expected = json.dumps(case["expect"], ensure_ascii=False, separators=(",", ":"))
    assert d.to_json() == expected


def projection(decision: dict) -> dict:
    """The decision without its explanations: what `summarize` returns."""
    return {
        "policy": decision["policy"],
        "as_of": decision["as_of"],
        "outcomes": {
            name: {"status": o["status"], "amounts": o["amounts"]} for name, o in decision["outcomes"].items()
        },
        "errors": decision["errors"],
    }


@pytest.mark.parametrize("topic, case", [c for c in cases() if "facts" in c.values[1]])
def test_summary_is_the_decision_without_explanations(topic, case):
    p = policy_of(topic)
    s = p.summarize(case["facts"], as_of=case["as_of"])
    assert s.to_dict() == projection(case["expect"])
    assert s.as_of.isoformat() == case["expect"]["as_of"]
    for name, o in case["expect"]["outcomes"].items():
        assert s.outcomes[name].status == o["status"]
        assert {k: format(v, "f") for k, v in s.outcomes[name].amounts.items()} == o["amounts"]
    assert [e.code for e in s.errors] == [e["code"] for e in case["expect"]["errors"]]


GRAPHS = sorted((CORPUS / "graphs").glob("*.clag"))


@pytest.mark.parametrize("graph", GRAPHS, ids=[g.stem for g in GRAPHS])
def test_golden_graph_decides_as_recorded(graph):
    """A graph compiled and stored by the Rust runner decides every case of its topic."""
    p = clausula.Policy.from_bytes(graph.read_bytes())
    for case in json.loads((CORPUS / "eval" / graph.stem / "cases.json").read_text()):
        if "facts_json" in case:
            d = p.decide_json(case["facts_json"], as_of=case["as_of"])
        else:
            d = p.decide(case["facts"], as_of=case["as_of"])
        expected = json.dumps(case["expect"], ensure_ascii=False, separators=(",", ":"))
        assert d.to_json() == expected, case["name"]


def test_a_graph_of_another_format_version_is_refused():
    data = bytearray(GRAPHS[0].read_bytes())
    data[4] = (data[4] - 1) % 256
    with pytest.raises(clausula.LoadError) as e:
        clausula.Policy.from_bytes(bytes(data))
    assert e.value.code == "load/unsupported-version"


COMPILE = CORPUS / "compile"
EXPECTED = json.loads((COMPILE / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_compile_case(name):
    text = (COMPILE / name).read_bytes().decode("utf-8", "replace")
    with pytest.raises(clausula.CompileError) as e:
        clausula.compile(text)
    got = [{"code": d.code, "severity": d.severity, "line": d.line, "column": d.column} for d in e.value.diagnostics]
    assert got == EXPECTED[name]


def test_the_corpus_is_large():
    assert sum(len(json.loads((t / "cases.json").read_text())) for t in TOPICS) + len(EXPECTED) >= 150
