// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "./Ownable.sol";
import {IDataHandler64} from "./Plumbing.sol";

/// @title DataHandler64: a record per contribution, keyed by the hash the trainer computes.
/// @notice The sample itself is not stored (it is in the AddData event or the transaction input).
///         A record is two storage slots; the claimedBy mapping is written only for claimers other
///         than the author (the author's claim is a bit in the first slot).
contract DataHandler64 is Ownable, IDataHandler64 {
    /// Slot 1: sender | c | numClaims | claimedByAuthor. Slot 2: t | initialDeposit | claimableAmount.
    struct StoredData {
        address sender;
        uint64 c;
        uint24 numClaims;
        bool claimedByAuthor;
        uint64 t;
        uint96 initialDeposit;
        uint96 claimableAmount;
    }

    mapping(bytes32 => StoredData) private records;
    /// Claims by addresses other than the author.
    mapping(bytes32 => mapping(address => bool)) private claimedBy;

    function addedData(bytes32 key)
        external view
        returns (uint64 c, uint256 t, address sender, uint256 initialDeposit, uint256 claimableAmount, uint256 numClaims)
    {
        StoredData storage d = records[key];
        return (d.c, d.t, d.sender, d.initialDeposit, d.claimableAmount, d.numClaims);
    }

    // ---------------------------------------------------------------- views by the key's parts

    function getClaimableAmount(int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor)
        external view returns (uint256)
    {
        (StoredData storage d,) = _lookUp(data, classification, addedTime, originalAuthor);
        return d.claimableAmount;
    }

    function getInitialDeposit(int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor)
        external view returns (uint256)
    {
        (StoredData storage d,) = _lookUp(data, classification, addedTime, originalAuthor);
        return d.initialDeposit;
    }

    function getNumClaims(int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor)
        external view returns (uint256)
    {
        (StoredData storage d,) = _lookUp(data, classification, addedTime, originalAuthor);
        return d.numClaims;
    }

    function hasClaimed(
        int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor, address claimer
    ) external view returns (bool) {
        (StoredData storage d, bytes32 key) = _lookUp(data, classification, addedTime, originalAuthor);
        return claimer == originalAuthor ? d.claimedByAuthor : claimedBy[key][claimer];
    }

    function isDataEqual(int64[] calldata d1, int64[] calldata d2) external pure returns (bool) {
        return d1.length == d2.length && keccak256(abi.encode(d1)) == keccak256(abi.encode(d2));
    }

    // ---------------------------------------------------------------- the trainer's calls

    /// A key is refused while its record still holds a deposit or has been claimed: a record is
    /// only replaced when nothing of it can be claimed and nobody has, so no claim carries over.
    function handleAddData(address contributor, uint256 cost, bytes32 key, uint64 classification)
        external onlyOwner returns (uint256 time)
    {
        StoredData storage d = records[key];
        if (d.sender != address(0)) {
            require(d.claimableAmount == 0 && d.numClaims == 0, "Conflicting data key. The data may have already been added.");
        }
        require(cost <= type(uint96).max, "The deposit is too large.");
        time = block.timestamp;
        d.sender = contributor;
        d.c = classification;
        d.numClaims = 0;
        d.claimedByAuthor = false;
        d.t = uint64(time);
        d.initialDeposit = uint96(cost);
        d.claimableAmount = uint96(cost);
    }

    function handleRefund(address submitter, bytes32 key, uint64 classification, uint256 addedTime)
        external onlyOwner returns (uint256 claimableAmount, bool claimedBySubmitter, uint256 numClaims)
    {
        StoredData storage d = _found(key, classification, addedTime);
        require(d.sender == submitter, "Data is not from the sender.");
        claimableAmount = d.claimableAmount;
        claimedBySubmitter = d.claimedByAuthor;
        numClaims = d.numClaims;
        d.claimableAmount = 0;
        d.claimedByAuthor = true;
        d.numClaims += 1;
    }

    function handleReport(address reporter, bytes32 key, uint64 classification, uint256 addedTime, address originalAuthor)
        external onlyOwner
        returns (uint256 initialDeposit, uint256 claimableAmount, bool claimedByReporter, uint256 numClaims)
    {
        StoredData storage d = _found(key, classification, addedTime);
        require(d.sender == originalAuthor, "Sender is not equal.");
        initialDeposit = d.initialDeposit;
        claimableAmount = d.claimableAmount;
        numClaims = d.numClaims;
        d.numClaims += 1;
        if (reporter == originalAuthor) {
            claimedByReporter = d.claimedByAuthor;
            d.claimedByAuthor = true;
        } else {
            claimedByReporter = claimedBy[key][reporter];
            claimedBy[key][reporter] = true;
        }
    }

    function updateClaimableAmount(bytes32 key, uint256 rewardAmount) external onlyOwner {
        StoredData storage d = records[key];
        require(rewardAmount <= d.claimableAmount, "The reward is more than the claimable amount.");
        d.claimableAmount -= uint96(rewardAmount);
    }

    // ---------------------------------------------------------------- lookups

    function _found(bytes32 key, uint64 classification, uint256 addedTime) private view returns (StoredData storage d) {
        d = records[key];
        require(d.sender != address(0), "Data not found.");
        require(d.c == classification, "Classification is not equal.");
        require(d.t == addedTime, "Added time is not equal.");
    }

    function _lookUp(int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor)
        private view returns (StoredData storage d, bytes32 key)
    {
        key = keccak256(abi.encodePacked(data, classification, addedTime, originalAuthor));
        d = _found(key, classification, addedTime);
        require(d.sender == originalAuthor, "Data isn't from the right author.");
    }
}
