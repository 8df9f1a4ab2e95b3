// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

/// @title IERC20Minimal: the three ERC-20 calls BountyMarket makes on its stake token.
interface IERC20Minimal {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}
