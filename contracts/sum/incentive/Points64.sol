// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IncentiveMechanism64} from "./IncentiveMechanism64.sol";

/// @title Points: karma, no money. Adding data is free; the first claim on a contribution (the
///        author's refund or someone's report) records validity and locks out every later claim.
contract Points64 is IncentiveMechanism64 {
    event Refund(address recipient);
    event Report(address recipient);

    constructor(uint32 _refundWaitTimeS, uint32 _ownerClaimWaitTimeS, uint32 _anyAddressClaimWaitTimeS)
        IncentiveMechanism64(_refundWaitTimeS, _ownerClaimWaitTimeS, _anyAddressClaimWaitTimeS)
    {}

    function getNextAddDataCost(uint256) public pure override returns (uint256) {
        return 0;
    }

    function handleAddData(address contributor, uint256, bytes32, uint64)
        external onlyOwner returns (uint256 cost, bool updateModel)
    {
        _recordSubmission(contributor);
        return (0, true);
    }

    function handleRefund(
        address submitter, bytes32, uint64 classification, uint256 addedTime, uint256 claimableAmount,
        bool claimedBySubmitter, uint64 prediction, uint256 numClaims
    ) external onlyOwner returns (uint256 refundAmount) {
        refundAmount = claimableAmount;
        require(numClaims == 0, "Already claimed.");
        require(!claimedBySubmitter, "Already claimed by submitter.");
        require(block.timestamp - addedTime >= refundWaitTimeS, "Not enough time has passed.");
        require(prediction == classification, "The model doesn't agree with your contribution.");
        _recordValid(submitter);
        emit Refund(submitter);
    }

    /// The original allowed a report once refundWaitTimeS, anyAddressClaimWaitTimeS, or (for the
    /// owner) ownerClaimWaitTimeS had passed; with the wait times ordered (checked in the base
    /// constructor) that is exactly "refundWaitTimeS has passed".
    function handleReport(
        address reporter, bytes32, uint64 classification, uint256 addedTime, address originalAuthor,
        uint256, uint256 claimableAmount, bool claimedByReporter, uint64 prediction, uint256 numClaims
    ) external onlyOwner returns (uint256 rewardAmount) {
        rewardAmount = claimableAmount;
        require(block.timestamp - addedTime >= refundWaitTimeS, "Cannot be claimed yet.");
        require(numClaims == 0, "Already claimed.");
        require(reporter != originalAuthor, "Cannot report yourself.");
        require(!claimedByReporter, "Already claimed by reporter.");
        require(prediction != classification, "The model should not agree with the contribution.");
        emit Report(reporter);
    }
}
