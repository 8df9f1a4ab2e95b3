// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClassifier64, IDataHandler64, IIncentiveMechanism64, ITrainerForIncentive} from "./Plumbing.sol";

/// @title CollaborativeTrainer64: the entry point of a SUM model (addData, refund, report).
/// @notice The data handler, the incentive mechanism and the classifier are owned by this contract.
///         The sample is read once from calldata: the record key is hashed from it, the classifier
///         receives it copied word for word, and the AddData event is logged from the same copy;
///         the data handler and the incentive mechanism only see the key (docs/contracts.md,
///         "Plumbing"). The words of an ABI sample are taken as sent, not re-validated element by
///         element: the key and the event carry them exactly as they arrived.
contract CollaborativeTrainer64 is ITrainerForIncentive {
    string public name;
    string public description;
    string public encoder;
    IDataHandler64 public immutable dataHandler;
    IIncentiveMechanism64 public immutable incentiveMechanism;
    IClassifier64 public immutable classifier;

    event AddData(int64[] d, uint64 c, uint256 t, address indexed sender, uint256 cost);
    /// Packed contributions: the sample is in the transaction input, not in the log (8 gas a byte).
    event AddDataPacked(bytes32 indexed key, uint64 c, uint256 t, address indexed sender, uint256 cost);

    /// Room left before a sample's copy in memory for the headers of the calls and of the event.
    uint256 private constant HEADER = 160;

    constructor(
        string memory _name,
        string memory _description,
        string memory _encoder,
        address _dataHandler,
        address _incentiveMechanism,
        address _classifier
    ) {
        name = _name;
        description = _description;
        encoder = _encoder;
        dataHandler = IDataHandler64(_dataHandler);
        incentiveMechanism = IIncentiveMechanism64(_incentiveMechanism);
        classifier = IClassifier64(_classifier);
    }

    /// The prediction market forwards its bounty here; nobody else sends ether without data.
    receive() external payable {
        require(msg.sender == address(incentiveMechanism), "Only the incentive mechanism may send ether.");
    }

    // ---------------------------------------------------------------- ABI samples (int64[])

    function addData(int64[] calldata data, uint64 classification) external payable {
        (uint256 ptr, uint256 size) = _copyWords(data);
        bytes32 key = _hashWords(ptr, size, classification, block.timestamp, msg.sender);
        (uint256 cost, bool updateModel) =
            incentiveMechanism.handleAddData(msg.sender, msg.value, key, classification);
        uint256 time = dataHandler.handleAddData(msg.sender, cost, key, classification);
        if (updateModel) _callWithWords(IClassifier64.update.selector, ptr, size, classification);
        if (msg.value > cost) _pay(msg.sender, msg.value - cost, "Returning the excess value failed.");
        bytes32 topic = AddData.selector;
        assembly ("memory-safe") {
            // abi.encode(d, c, t, cost) in front of the copied words: offset, c, t, cost, length.
            let head := sub(ptr, 160)
            mstore(head, 0x80)
            mstore(add(head, 0x20), classification)
            mstore(add(head, 0x40), time)
            mstore(add(head, 0x60), cost)
            mstore(add(head, 0x80), shr(5, size))
            log2(head, add(size, 160), topic, caller())
        }
    }

    function refund(int64[] calldata data, uint64 classification, uint256 addedTime) external {
        (uint256 ptr, uint256 size) = _copyWords(data);
        bytes32 key = _hashWords(ptr, size, classification, addedTime, msg.sender);
        _refund(key, classification, addedTime, _predictWords, ptr, size);
    }

    function report(int64[] calldata data, uint64 classification, uint256 addedTime, address originalAuthor) external {
        (uint256 ptr, uint256 size) = _copyWords(data);
        bytes32 key = _hashWords(ptr, size, classification, addedTime, originalAuthor);
        _report(key, classification, addedTime, originalAuthor, _predictWords, ptr, size);
    }

    /// The incentive mechanism trains the model when its rules say so (PredictionMarket's reward phase).
    function trainOnBehalfOfIncentive(int64[] calldata data, uint64 classification) external {
        require(msg.sender == address(incentiveMechanism), "Only the incentive mechanism may train.");
        (uint256 ptr, uint256 size) = _copyWords(data);
        _callWithWords(IClassifier64.update.selector, ptr, size, classification);
    }

    // ---------------------------------------------------------------- packed samples (bytes)

    /// 8 bytes per element, big-endian int64 (dense models). The record key starts with 0x01.
    function addDataPacked(bytes calldata data, uint64 classification) external payable {
        (uint256 ptr, uint256 size) = _copyPacked(data);
        bytes32 key = _hashPacked(ptr, size, classification, block.timestamp, msg.sender);
        (uint256 cost, bool updateModel) =
            incentiveMechanism.handleAddData(msg.sender, msg.value, key, classification);
        uint256 time = dataHandler.handleAddData(msg.sender, cost, key, classification);
        if (updateModel) _callWithBytes(IClassifier64.updatePacked.selector, ptr, size, classification);
        if (msg.value > cost) _pay(msg.sender, msg.value - cost, "Returning the excess value failed.");
        emit AddDataPacked(key, classification, time, msg.sender, cost);
    }

    function refundPacked(bytes calldata data, uint64 classification, uint256 addedTime) external {
        (uint256 ptr, uint256 size) = _copyPacked(data);
        bytes32 key = _hashPacked(ptr, size, classification, addedTime, msg.sender);
        _refund(key, classification, addedTime, _predictPacked, ptr, size);
    }

    function reportPacked(bytes calldata data, uint64 classification, uint256 addedTime, address originalAuthor) external {
        (uint256 ptr, uint256 size) = _copyPacked(data);
        bytes32 key = _hashPacked(ptr, size, classification, addedTime, originalAuthor);
        _report(key, classification, addedTime, originalAuthor, _predictPacked, ptr, size);
    }

    // ---------------------------------------------------------------- shared steps

    function _refund(
        bytes32 key,
        uint64 classification,
        uint256 addedTime,
        function(uint256, uint256) view returns (uint64) predictCopy,
        uint256 ptr,
        uint256 size
    ) private {
        (uint256 claimableAmount, bool claimedBySubmitter, uint256 numClaims) =
            dataHandler.handleRefund(msg.sender, key, classification, addedTime);
        uint64 prediction = predictCopy(ptr, size);
        uint256 amount = incentiveMechanism.handleRefund(
            msg.sender, key, classification, addedTime, claimableAmount, claimedBySubmitter, prediction, numClaims
        );
        if (amount > 0) _pay(msg.sender, amount, "Paying the refund failed.");
    }

    function _report(
        bytes32 key,
        uint64 classification,
        uint256 addedTime,
        address originalAuthor,
        function(uint256, uint256) view returns (uint64) predictCopy,
        uint256 ptr,
        uint256 size
    ) private {
        (uint256 initialDeposit, uint256 claimableAmount, bool claimedByReporter, uint256 numClaims) =
            dataHandler.handleReport(msg.sender, key, classification, addedTime, originalAuthor);
        uint64 prediction = predictCopy(ptr, size);
        uint256 reward = incentiveMechanism.handleReport(
            msg.sender, key, classification, addedTime, originalAuthor, initialDeposit, claimableAmount,
            claimedByReporter, prediction, numClaims
        );
        if (reward > 0) {
            dataHandler.updateClaimableAmount(key, reward);
            _pay(msg.sender, reward, "Paying the reward failed.");
        }
    }

    /// Effects are done before every payment; the recipient may be a contract (full gas).
    function _pay(address to, uint256 amount, string memory reason) private {
        (bool ok,) = payable(to).call{value: amount}("");
        require(ok, reason);
    }

    /// Copies the sample's ABI words (32 bytes an element) into fresh memory, HEADER bytes after
    /// the free pointer, with 64 bytes after them for the key's tail. size = 32 * length.
    function _copyWords(int64[] calldata data) private pure returns (uint256 ptr, uint256 size) {
        assembly ("memory-safe") {
            ptr := add(mload(0x40), HEADER)
            size := shl(5, data.length)
            calldatacopy(ptr, data.offset, size)
            mstore(0x40, add(ptr, add(size, 96)))
        }
    }

    /// Copies packed bytes as _copyWords does; the length must be whole int64 elements.
    function _copyPacked(bytes calldata data) private pure returns (uint256 ptr, uint256 size) {
        require(data.length % 8 == 0, "Packed data must be 8 bytes per element.");
        assembly ("memory-safe") {
            ptr := add(mload(0x40), HEADER)
            size := data.length
            calldatacopy(ptr, data.offset, size)
            mstore(0x40, add(ptr, add(size, 96)))
        }
    }

    /// keccak256(abi.encodePacked(int64[] data, uint64 c, uint256 t, address author)).
    function _hashWords(uint256 ptr, uint256 size, uint64 c, uint256 t, address author) private pure returns (bytes32 key) {
        assembly ("memory-safe") {
            let tail := add(ptr, size)
            mstore(tail, shl(192, c))
            mstore(add(tail, 8), t)
            mstore(add(tail, 40), shl(96, author))
            key := keccak256(ptr, add(size, 60))
        }
    }

    /// keccak256(abi.encodePacked(bytes1(0x01), bytes data, uint64 c, uint256 t, address author)).
    function _hashPacked(uint256 ptr, uint256 size, uint64 c, uint256 t, address author) private pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore8(sub(ptr, 1), 1)
            let tail := add(ptr, size)
            mstore(tail, shl(192, c))
            mstore(add(tail, 8), t)
            mstore(add(tail, 40), shl(96, author))
            key := keccak256(sub(ptr, 1), add(size, 61))
        }
    }

    /// selector(int64[] data, uint64 c) from the copied words: update(int64[],uint64).
    function _callWithWords(bytes4 selector, uint256 ptr, uint256 size, uint64 c) private {
        address target = address(classifier);
        assembly ("memory-safe") {
            let head := sub(ptr, 100)
            mstore(head, selector)
            mstore(add(head, 4), 0x40)
            mstore(add(head, 36), c)
            mstore(add(head, 68), shr(5, size))
            if iszero(call(gas(), target, 0, head, add(size, 100), 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
        }
    }

    /// selector(bytes data, uint64 c) from the copied bytes, zero-padded: updatePacked(bytes,uint64).
    function _callWithBytes(bytes4 selector, uint256 ptr, uint256 size, uint64 c) private {
        address target = address(classifier);
        assembly ("memory-safe") {
            mstore(add(ptr, size), 0)
            let head := sub(ptr, 100)
            mstore(head, selector)
            mstore(add(head, 4), 0x40)
            mstore(add(head, 36), c)
            mstore(add(head, 68), size)
            if iszero(call(gas(), target, 0, head, add(and(add(size, 31), not(31)), 100), 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
        }
    }

    /// predict(int64[] data) from the copied words.
    function _predictWords(uint256 ptr, uint256 size) private view returns (uint64) {
        return _staticPredict(IClassifier64.predict.selector, ptr, size >> 5, size);
    }

    /// predictPacked(bytes data) from the copied bytes, zero-padded.
    function _predictPacked(uint256 ptr, uint256 size) private view returns (uint64) {
        assembly ("memory-safe") {
            mstore(add(ptr, size), 0)
        }
        return _staticPredict(IClassifier64.predictPacked.selector, ptr, size, (size + 31) & ~uint256(31));
    }

    /// selector ‖ 0x20 ‖ length ‖ body, a static call, a uint64 back (a classifier's revert bubbles up).
    function _staticPredict(bytes4 selector, uint256 ptr, uint256 length, uint256 body)
        private view returns (uint64 prediction)
    {
        address target = address(classifier);
        uint256 word;
        assembly ("memory-safe") {
            let head := sub(ptr, 68)
            mstore(head, selector)
            mstore(add(head, 4), 0x20)
            mstore(add(head, 36), length)
            if iszero(staticcall(gas(), target, head, add(body, 68), 0, 32)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            if lt(returndatasize(), 32) { revert(0, 0) }
            word := mload(0)
        }
        require(word <= type(uint64).max, "The prediction is not a uint64.");
        prediction = uint64(word);
    }
}
