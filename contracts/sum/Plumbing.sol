// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title The calls between the SUM contracts (docs/contracts.md, "Plumbing").
/// @notice Only CollaborativeTrainer64 (the owner of the three parts) makes these calls. They are
///         not the original framework's hooks: the sample itself never travels between contracts
///         except to the classifier, and the data handler receives the record key the trainer
///         computed, so no call copies the sample more than once.

interface IDataHandler64 {
    /// @return time the block timestamp, the record's addedTime.
    function handleAddData(address contributor, uint256 cost, bytes32 key, uint64 classification)
        external returns (uint256 time);

    /// Checks the record exists and is the submitter's; marks it claimed by the submitter, zeroes
    /// its claimable amount. Returns the values from before the change.
    function handleRefund(address submitter, bytes32 key, uint64 classification, uint256 addedTime)
        external returns (uint256 claimableAmount, bool claimedBySubmitter, uint256 numClaims);

    /// Checks the record exists and matches; marks it claimed by the reporter. Returns the values
    /// from before the change.
    function handleReport(address reporter, bytes32 key, uint64 classification, uint256 addedTime, address originalAuthor)
        external returns (uint256 initialDeposit, uint256 claimableAmount, bool claimedByReporter, uint256 numClaims);

    function updateClaimableAmount(bytes32 key, uint256 rewardAmount) external;
}

interface IIncentiveMechanism64 {
    /// @return cost the deposit the trainer keeps; updateModel false: record only, do not train
    ///         (PredictionMarket's participation phase).
    function handleAddData(address contributor, uint256 msgValue, bytes32 key, uint64 classification)
        external returns (uint256 cost, bool updateModel);

    function handleRefund(
        address submitter, bytes32 key, uint64 classification, uint256 addedTime, uint256 claimableAmount,
        bool claimedBySubmitter, uint64 prediction, uint256 numClaims
    ) external returns (uint256 refundAmount);

    function handleReport(
        address reporter, bytes32 key, uint64 classification, uint256 addedTime, address originalAuthor,
        uint256 initialDeposit, uint256 claimableAmount, bool claimedByReporter, uint64 prediction, uint256 numClaims
    ) external returns (uint256 rewardAmount);
}

/// The classifier functions the trainer calls (every classifier has them; Classifier64 declares them).
interface IClassifier64 {
    function predict(int64[] calldata data) external view returns (uint64);
    function update(int64[] calldata data, uint64 classification) external;
    /// Packed samples: 8 bytes per element, big-endian two's complement int64 (dense models only).
    function predictPacked(bytes calldata data) external view returns (uint64);
    function updatePacked(bytes calldata data, uint64 classification) external;
}

/// What an incentive mechanism may ask of the trainer that owns it.
interface ITrainerForIncentive {
    /// Train the classifier on a sample now (PredictionMarket's reward phase). Only the trainer's
    /// incentive mechanism may call it.
    function trainOnBehalfOfIncentive(int64[] calldata data, uint64 classification) external;
}
