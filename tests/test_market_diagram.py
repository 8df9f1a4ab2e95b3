"""docs/market_states.py draws the market's state diagram; its states are the contract's."""
from __future__ import annotations

import importlib.util
import re

from tests.support import ROOT


def _diagram():
    spec = importlib.util.spec_from_file_location("market_states", ROOT / "docs" / "market_states.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_diagram_has_the_contracts_states_and_draws(tmp_path) -> None:
    diagram = _diagram()
    enum = re.search(r"enum State \{([^}]*)\}", (ROOT / "contracts" / "market" / "BountyMarket.sol").read_text())
    assert set(diagram.STATES) == {name.strip() for name in enum.group(1).split(",")}
    assert all(a in diagram.STATES and b in diagram.STATES for a, b, _, _ in diagram.TRANSITIONS)
    out = tmp_path / "states.png"
    diagram.draw(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
