// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

/// A token for tests/test_market.py whose transfers return false (instead of reverting) while
/// `failing` is set: BountyMarket must check the return value.
contract MarketFalseToken {
    bool public failing;
    mapping(address => uint256) public balanceOf;

    function setFailing(bool value) external {
        failing = value;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    /// Allowances are not tracked: any approval is unlimited.
    function approve(address, uint256) external pure returns (bool) {
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        return _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (failing) return false;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}
