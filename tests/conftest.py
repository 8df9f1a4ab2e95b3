from __future__ import annotations

import pytest

from node.chain import Chain
from node.genesis import load_genesis
from tests.support import ROOT, compile_contract


@pytest.fixture(scope="session")
def dev_genesis():
    return load_genesis(ROOT / "genesis" / "dev.json")


@pytest.fixture
def chain(dev_genesis):
    chain = Chain.open(dev_genesis, None)
    yield chain
    chain.close()


@pytest.fixture
def alice(chain):
    return chain.accounts[0]


@pytest.fixture
def bob(chain):
    return chain.accounts[1]


@pytest.fixture(scope="session")
def probe_code():
    return compile_contract("Probe.sol", "Probe")[1]


@pytest.fixture
def probe(chain, alice, probe_code):
    """Address of a freshly deployed Probe contract."""
    tx_hash = chain.send_transaction(alice.address, data=probe_code)
    receipt = chain.get_receipt(tx_hash)
    assert receipt.status == 1
    return receipt.contract_address
