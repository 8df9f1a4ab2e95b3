// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Ownable, with the original SUM framework's revert reasons (dashboards and scripts match them).
abstract contract Ownable {
    address public owner;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "Sender is not the owner.");
        _;
    }

    function transferOwnership(address newOwner) public onlyOwner {
        require(newOwner != address(0), "New owner cannot be 0x0.");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
