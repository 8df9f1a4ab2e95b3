// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title StakeToken: the ERC-20 that bounty requesters lock rewards in and trainers stake.
/// @notice "SUM Stake" (STAKE), 18 decimals, OpenZeppelin's ERC20. On dev chains (chain id 31337 or
/// 1337, decided once at deployment) anyone may mint up to FAUCET_LIMIT per call with `faucet`;
/// on any other chain the faucet is closed for good and the supply is only what the deployer got.
contract StakeToken is ERC20 {
    /// @notice The most one `faucet` call mints: 1,000 tokens.
    uint256 public constant FAUCET_LIMIT = 1000e18;

    /// @notice Whether `faucet` mints: true only if deployed on chain 31337 or 1337.
    bool public immutable faucetOpen;

    /// @param initialSupply minted to the deployer (may be 0).
    constructor(uint256 initialSupply) ERC20("SUM Stake", "STAKE") {
        faucetOpen = block.chainid == 31337 || block.chainid == 1337;
        if (initialSupply > 0) _mint(msg.sender, initialSupply);
    }

    /// @notice Mint `amount` (at most FAUCET_LIMIT) to the caller; dev chains only.
    function faucet(uint256 amount) external {
        require(faucetOpen, "StakeToken: faucet closed on this chain");
        require(amount <= FAUCET_LIMIT, "StakeToken: faucet limit is 1000 tokens");
        _mint(msg.sender, amount);
    }
}
