"""eth_createAccessList: what a call touches, and the gas it uses with the list."""
from __future__ import annotations

from dataclasses import replace

from eth_hash.auto import keccak

from node.access_list import create_access_list
from node.blocks import LATEST
from node.execution import CallRequest
from tests.support import calldata

OTHER = bytes.fromhex("00000000000000000000000000000000deadbeef")
TOUCHER = bytes.fromhex("000000000000000000000000000000000000c0de")
CALLEE = bytes.fromhex("000000000000000000000000000000000000ca11")


def mapping_slot(key: int) -> int:
    """Storage slot of Probe.values[key] (the mapping is declared at slot 0)."""
    return int.from_bytes(keccak(key.to_bytes(32, "big") + (0).to_bytes(32, "big")), "big")


def toucher_code() -> bytes:
    """BALANCE(CALLER), BALANCE(OTHER), STATICCALL(sha256 precompile), SLOAD(7)."""
    return (
        bytes.fromhex("333150")  # CALLER BALANCE POP
        + b"\x73" + OTHER + bytes.fromhex("3150")  # PUSH20 OTHER BALANCE POP
        + bytes.fromhex("60006000600060006002" "5afa50")  # STATICCALL(gas, 0x02, 0, 0, 0, 0) POP
        + bytes.fromhex("60075450")  # PUSH1 7 SLOAD POP
        + b"\x00"
    )


def test_store_lists_the_probe_with_the_slot_written(chain, alice, probe):
    request = CallRequest(sender=alice.address, to=probe, data=calldata("store(uint256,uint256)", 3, 9))
    result = create_access_list(chain, request, LATEST)
    assert result.error is None
    assert result.access_list == [(probe, [mapping_slot(3)])]
    assert result.gas_used == chain.call(replace(request, access_list=result.access_list), LATEST).gas_used
    # As in geth the slot comes with its (already warm) address: 2400 + 1900 up
    # front, less the 2100 of the cold SSTORE it saves.
    assert result.gas_used == chain.call(request, LATEST).gas_used + 2200


def test_gas_used_matches_a_call_with_the_list(chain, alice, probe):
    request = CallRequest(sender=alice.address, to=probe, data=calldata("fill(uint256)", 3))
    result = create_access_list(chain, request, LATEST)
    assert [slots for _, slots in result.access_list] == [[mapping_slot(1000 + i) for i in range(3)]]
    with_list = chain.call(replace(request, access_list=result.access_list), LATEST)
    assert with_list.success and result.gas_used == with_list.gas_used


def test_plain_transfer_needs_no_list(chain, alice, bob):
    result = create_access_list(chain, CallRequest(sender=alice.address, to=bob.address, value=1), LATEST)
    assert (result.access_list, result.gas_used, result.error) == ([], 21_000, None)


def test_sender_recipient_and_precompiles_are_left_out(chain, alice):
    chain.set_code(TOUCHER, toucher_code())
    result = create_access_list(chain, CallRequest(sender=alice.address, to=TOUCHER), LATEST)
    assert result.error is None
    assert result.access_list == [(OTHER, []), (TOUCHER, [7])]
    listed = {address for address, _ in result.access_list}
    assert alice.address not in listed and (2).to_bytes(20, "big") not in listed


def test_accesses_of_a_reverted_subcall_are_listed(chain, alice):
    """py-evm forgets warm marks a revert undoes; the list keeps them, as geth's does."""
    chain.set_code(CALLEE, bytes.fromhex("6001545060006000fd"))  # SLOAD(1), REVERT
    # CALL(gas, CALLEE, 0, 0, 0, 0, 0), ignoring that it failed
    chain.set_code(TOUCHER, bytes.fromhex("6000600060006000600073") + CALLEE + bytes.fromhex("5af15000"))
    request = CallRequest(sender=alice.address, to=TOUCHER)
    result = create_access_list(chain, request, LATEST)
    assert (result.access_list, result.error) == ([(CALLEE, [1])], None)
    assert result.gas_used == chain.call(replace(request, access_list=result.access_list), LATEST).gas_used


def test_created_contract_is_left_out(chain, alice):
    init_code = bytes.fromhex("30315000")  # ADDRESS BALANCE POP STOP
    result = create_access_list(chain, CallRequest(sender=alice.address, data=init_code), LATEST)
    assert (result.access_list, result.error) == ([], None)


def test_a_given_list_is_kept_and_cleaned(chain, alice, probe):
    given = [(alice.address, []), (OTHER, [1])]
    request = CallRequest(sender=alice.address, to=probe, data=calldata("store(uint256,uint256)", 3, 9), access_list=given)
    result = create_access_list(chain, request, LATEST)
    assert result.access_list == [(OTHER, [1]), (probe, [mapping_slot(3)])]


def test_reverting_call_returns_the_error(chain, alice, probe):
    request = CallRequest(sender=alice.address, to=probe, data=calldata("fail(string)", "no way"))
    result = create_access_list(chain, request, LATEST)
    assert result.error == "execution reverted: no way"
    assert result.access_list == []
    assert result.gas_used == chain.call(request, LATEST).gas_used
