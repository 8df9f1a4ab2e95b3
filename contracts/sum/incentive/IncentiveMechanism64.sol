// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "../Ownable.sol";
import {IIncentiveMechanism64} from "../Plumbing.sol";

/// @title The base of the SUM incentive mechanisms: wait times, per-address and total counts.
/// @notice The trainer (the Ownable owner after deployment) calls the hooks. `modelOwner` is the
///         user who deployed the mechanism: the owner-claim rule needs a person, and once ownership
///         has moved to the trainer `owner` is that contract (the original's unreachable branch).
abstract contract IncentiveMechanism64 is Ownable, IIncentiveMechanism64 {
    struct AddressStats {
        uint128 numValid;
        uint128 numSubmitted;
    }

    uint32 public immutable refundWaitTimeS;
    uint32 public immutable ownerClaimWaitTimeS;
    uint32 public immutable anyAddressClaimWaitTimeS;

    /// The person who may take old deposits after ownerClaimWaitTimeS (not the trainer contract).
    address public modelOwner;
    /// The totals and the time of the last contribution share one slot (a struct starts its own), so
    /// adding data writes it once; the getters below answer uint256 as the original's variables did.
    struct Totals {
        uint96 submitted;
        uint96 goodDataCount;
        uint64 lastSubmissionTimeS;
    }

    Totals private _totals;
    mapping(address => AddressStats) public addressStats;

    event ModelOwnershipTransferred(address indexed previousModelOwner, address indexed newModelOwner);

    constructor(uint32 _refundWaitTimeS, uint32 _ownerClaimWaitTimeS, uint32 _anyAddressClaimWaitTimeS) {
        require(_refundWaitTimeS <= _ownerClaimWaitTimeS, "Owner claim wait time must be at least the refund wait time.");
        require(
            _ownerClaimWaitTimeS <= _anyAddressClaimWaitTimeS,
            "Owner claim wait time must be less than the any address claim wait time."
        );
        refundWaitTimeS = _refundWaitTimeS;
        ownerClaimWaitTimeS = _ownerClaimWaitTimeS;
        anyAddressClaimWaitTimeS = _anyAddressClaimWaitTimeS;
        modelOwner = msg.sender;
        _totals.lastSubmissionTimeS = uint64(block.timestamp);
        emit ModelOwnershipTransferred(address(0), msg.sender);
    }

    /// Only the model owner hands its claim right on (the Ownable owner is the trainer by then).
    function transferModelOwnership(address newModelOwner) external {
        require(msg.sender == modelOwner, "Sender is not the model owner.");
        require(newModelOwner != address(0), "New owner cannot be 0x0.");
        emit ModelOwnershipTransferred(modelOwner, newModelOwner);
        modelOwner = newModelOwner;
    }

    function totalSubmitted() external view returns (uint256) {
        return _totals.submitted;
    }

    function totalGoodDataCount() public view returns (uint256) {
        return _totals.goodDataCount;
    }

    /// When the last contribution was accepted (Stakeable64's deposit falls with the time since).
    function _lastSubmissionTimeS() internal view returns (uint256) {
        return _totals.lastSubmissionTimeS;
    }

    function numValidForAddress(address a) external view returns (uint256) {
        return addressStats[a].numValid;
    }

    function getNextAddDataCost() external view returns (uint256) {
        return getNextAddDataCost(block.timestamp);
    }

    /// The deposit needed to add data at `currentTimeS` (the mechanisms here ignore the sample).
    function getNextAddDataCost(uint256 currentTimeS) public view virtual returns (uint256);

    function getNextAddDataCost(int64[] calldata, uint64) external view returns (uint256) {
        return getNextAddDataCost(block.timestamp);
    }

    /// Counts a contribution for its author and for the total (the original never counted numSubmitted).
    function _recordSubmission(address contributor) internal {
        addressStats[contributor].numSubmitted += 1;
        Totals memory totals = _totals;
        totals.submitted += 1;
        totals.lastSubmissionTimeS = uint64(block.timestamp);
        _totals = totals;
    }

    /// A refund the model agrees with: one more valid contribution for the author and the total.
    function _recordValid(address submitter) internal {
        addressStats[submitter].numValid += 1;
        _totals.goodDataCount += 1;
    }
}
