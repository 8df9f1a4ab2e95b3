// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IncentiveMechanism64} from "./IncentiveMechanism64.sol";

/// @title Deposit, Refund, and Take: Self-Assessment.
/// @notice A contribution costs a deposit that falls with the square root of the time since the
///         last contribution (spam is expensive). Its author gets the deposit back after
///         refundWaitTimeS if the model still agrees with it; reporters who have sent good data take
///         deposits of contributions the model disagrees with; after ownerClaimWaitTimeS the model
///         owner, after anyAddressClaimWaitTimeS anyone, takes what is left.
contract Stakeable64 is IncentiveMechanism64 {
    uint80 public immutable costWeight;

    event Refund(address recipient, uint256 amount);
    event Report(address recipient, uint256 amount);

    constructor(uint32 _refundWaitTimeS, uint32 _ownerClaimWaitTimeS, uint32 _anyAddressClaimWaitTimeS, uint80 _costWeight)
        IncentiveMechanism64(_refundWaitTimeS, _ownerClaimWaitTimeS, _anyAddressClaimWaitTimeS)
    {
        costWeight = _costWeight;
    }

    /// The time of the last contribution, or of the deployment before any (the original's getter).
    function lastUpdateTimeS() public view returns (uint256) {
        return _lastSubmissionTimeS();
    }

    /// costWeight * 3600 / isqrt(currentTimeS - lastUpdateTimeS), the divisor 1 when no time passed.
    function getNextAddDataCost(uint256 currentTimeS) public view override returns (uint256) {
        if (costWeight == 0) return 0;
        uint256 last = _lastSubmissionTimeS();
        require(last <= currentTimeS, "The last update time is after the current time.");
        uint256 elapsed = currentTimeS - last;
        uint256 divisor = elapsed == 0 ? 1 : _sqrt(elapsed);
        return uint256(costWeight) * 1 hours / divisor;
    }

    function handleAddData(address contributor, uint256 msgValue, bytes32, uint64)
        external onlyOwner returns (uint256 cost, bool updateModel)
    {
        cost = getNextAddDataCost(block.timestamp);
        require(msgValue >= cost, "Didn't pay enough for the deposit.");
        _recordSubmission(contributor);
        updateModel = true;
    }

    function handleRefund(
        address submitter, bytes32, uint64 classification, uint256 addedTime, uint256 claimableAmount,
        bool claimedBySubmitter, uint64 prediction, uint256
    ) external onlyOwner returns (uint256 refundAmount) {
        refundAmount = claimableAmount;
        require(!claimedBySubmitter, "Deposit already claimed by submitter.");
        require(refundAmount > 0, "There is no reward left to claim.");
        require(block.timestamp - addedTime >= refundWaitTimeS, "Not enough time has passed.");
        require(prediction == classification, "The model doesn't agree with your contribution.");
        _recordValid(submitter);
        emit Refund(submitter, refundAmount);
    }

    /// The proportional reward divides by totalGoodDataCount: with few refunds in total a reporter
    /// can take a large share (all of it when it holds every valid contribution), as in the
    /// original; it never exceeds what is left on the record.
    function handleReport(
        address reporter, bytes32, uint64 classification, uint256 addedTime, address originalAuthor,
        uint256 initialDeposit, uint256 claimableAmount, bool claimedByReporter, uint64 prediction, uint256
    ) external onlyOwner returns (uint256 rewardAmount) {
        require(claimableAmount > 0, "There is no reward left to claim.");
        uint256 timeSinceAddedS = block.timestamp - addedTime;
        if (timeSinceAddedS >= ownerClaimWaitTimeS && reporter == modelOwner) {
            rewardAmount = claimableAmount;
        } else if (timeSinceAddedS >= anyAddressClaimWaitTimeS) {
            rewardAmount = claimableAmount;
        } else {
            require(reporter != originalAuthor, "Cannot take your own deposit.");
            require(!claimedByReporter, "Deposit already claimed by reporter.");
            require(timeSinceAddedS >= refundWaitTimeS, "Not enough time has passed.");
            require(prediction != classification, "The model should not agree with the contribution.");
            uint256 numGoodForReporter = addressStats[reporter].numValid;
            require(numGoodForReporter > 0, "The sender has not sent any good data.");
            rewardAmount = initialDeposit * numGoodForReporter / totalGoodDataCount();
            if (rewardAmount == 0 || rewardAmount > claimableAmount) rewardAmount = claimableAmount;
        }
        emit Report(reporter, rewardAmount);
    }

    /// floor(sqrt(x)) (Babylonian, as the original's Math.sqrt).
    function _sqrt(uint256 x) private pure returns (uint256 y) {
        if (x > 3) {
            y = x;
            uint256 z = x / 2 + 1;
            while (z < y) {
                y = z;
                z = (x / z + z) / 2;
            }
        } else if (x != 0) {
            y = 1;
        }
    }
}
