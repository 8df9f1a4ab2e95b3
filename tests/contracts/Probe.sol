// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A contract for testing the node: storage, events, every kind of revert, block context.
contract Probe {
    event Stored(address indexed who, uint256 indexed key, uint256 value);

    error Custom(uint256 code);

    mapping(uint256 => uint256) public values;

    function store(uint256 key, uint256 value) external {
        values[key] = value;
        emit Stored(msg.sender, key, value);
    }

    function fill(uint256 count) external {
        for (uint256 i = 0; i < count; i++) values[1000 + i] = i + 1;
    }

    function clear(uint256 count) external {
        for (uint256 i = 0; i < count; i++) delete values[1000 + i];
    }

    function fail(string calldata why) external pure {
        revert(why);
    }

    function failCustom(uint256 code) external pure {
        revert Custom(code);
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function context() external view returns (uint256 number, uint256 timestamp, uint256 baseFee, bytes32 parent) {
        return (block.number, block.timestamp, block.basefee, blockhash(block.number - 1));
    }
}
