// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// What `sumchain bench node` deploys on every node it measures: a view to eth_call
/// (`values`) and a transaction that stores and logs (`store`, for eth_getLogs).
contract NodeBench {
    event Stored(address indexed who, uint256 indexed key, uint256 value);

    mapping(uint256 => uint256) public values;

    function store(uint256 key, uint256 value) external {
        values[key] = value;
        emit Stored(msg.sender, key, value);
    }
}
