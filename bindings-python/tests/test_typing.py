"""The typed consumer script runs and gives what its annotations promise."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "typed"))

import consumer  # noqa: E402


def test_the_typed_consumer_script_runs():
    assert consumer.main() == ["eligible", "true", "require", "[[], ['floor']]", "[1]", "ineligible"]
