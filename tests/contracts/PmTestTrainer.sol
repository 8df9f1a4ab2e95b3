// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Stand-ins for the prediction market's tests (tests/test_sum_prediction_market.py): a trainer that
/// plays CollaborativeTrainer64's part towards its incentive mechanism (record keys, stakes kept,
/// refunds paid, training on the mechanism's behalf) and a tiny perceptron with batch evaluation.

interface IPmMechanism {
    function handleAddData(address contributor, uint256 msgValue, bytes32 key, uint64 classification)
        external returns (uint256 cost, bool updateModel);
    function handleRefund(
        address submitter, bytes32 key, uint64 classification, uint256 addedTime, uint256 claimableAmount,
        bool claimedBySubmitter, uint64 prediction, uint256 numClaims
    ) external returns (uint256 refundAmount);
}

interface IPmModel {
    function update(int64[] calldata data, uint64 classification) external;
}

contract PmTestTrainer {
    address public immutable incentiveMechanism;
    address public immutable classifier;
    mapping(bytes32 => bool) public recorded;
    mapping(bytes32 => bool) public claimed;

    event AddData(int64[] d, uint64 c, uint256 t, address indexed sender, uint256 cost);

    constructor(address _incentiveMechanism, address _classifier) {
        incentiveMechanism = _incentiveMechanism;
        classifier = _classifier;
    }

    function addData(int64[] calldata data, uint64 classification) external payable {
        _add(keccak256(abi.encodePacked(data, classification, block.timestamp, msg.sender)), classification);
    }

    function addDataPacked(bytes calldata data, uint64 classification) external payable {
        _add(keccak256(abi.encodePacked(bytes1(0x01), data, classification, block.timestamp, msg.sender)), classification);
    }

    function _add(bytes32 key, uint64 classification) private {
        (uint256 cost, bool updateModel) =
            IPmMechanism(incentiveMechanism).handleAddData(msg.sender, msg.value, key, classification);
        require(!updateModel, "The market must not train during participation.");
        recorded[key] = true;
        if (msg.value > cost) payable(msg.sender).transfer(msg.value - cost);
    }

    function refund(int64[] calldata data, uint64 classification, uint256 addedTime) external {
        bytes32 key = keccak256(abi.encodePacked(data, classification, addedTime, msg.sender));
        require(recorded[key], "Data not found.");
        require(!claimed[key], "Already claimed.");
        claimed[key] = true;
        uint256 amount = IPmMechanism(incentiveMechanism).handleRefund(msg.sender, key, classification, addedTime, 0, false, 0, 0);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        require(ok, "Refund failed.");
    }

    function trainOnBehalfOfIncentive(int64[] calldata data, uint64 classification) external {
        require(msg.sender == incentiveMechanism, "Only the incentive mechanism may train.");
        IPmModel(classifier).update(data, classification);
    }

    receive() external payable {
        require(msg.sender == incentiveMechanism, "Only the incentive mechanism may send ether.");
    }
}

/// A perceptron: class 1 when w.x + b > 0; a wrong prediction moves w by x towards the label.
contract PmTestPerceptron {
    int256[] public weights;
    int256 public intercept;

    constructor(int256[] memory _weights, int256 _intercept) {
        weights = _weights;
        intercept = _intercept;
    }

    function predict(int64[] calldata data) public view returns (uint64) {
        require(data.length == weights.length, "Wrong number of features.");
        int256 s = intercept;
        for (uint256 i; i < data.length; ++i) s += weights[i] * data[i];
        return s > 0 ? 1 : 0;
    }

    function update(int64[] calldata data, uint64 classification) external {
        uint64 label = classification > 0 ? 1 : 0;
        if (predict(data) == label) return;
        for (uint256 i; i < data.length; ++i) weights[i] += label == 1 ? int256(data[i]) : -int256(data[i]);
        intercept += label == 1 ? int256(1) : int256(-1);
    }

    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels) external view returns (uint256 numCorrect) {
        for (uint256 i; i < data.length; ++i) if (predict(data[i]) == (labels[i] > 0 ? 1 : 0)) ++numCorrect;
    }
}

/// A model whose accuracy follows a script: evaluateBatch returns script[number of updates so far].
/// A sample whose first element is -1 is refused; a piece of one sample labelled 7 costs 6.6M gas to
/// evaluate. It lets the tests drive the settlement and the test set's gas bound directly.
contract PmTestScriptedModel {
    uint256[] public script;
    uint256 public numUpdates;

    constructor(uint256[] memory _script) {
        script = _script;
    }

    function update(int64[] calldata data, uint64) external {
        require(data.length == 0 || data[0] != -1, "Refused.");
        ++numUpdates;
    }

    /// Every piece reports the scripted count: the market's accuracy is it times the number of pieces.
    function evaluateBatch(int64[][] calldata, uint64[] calldata labels) external view returns (uint256) {
        if (labels.length == 1 && labels[0] == 7) {
            assembly { mstore(0x1c0000, 1) } // 1.75 MB of memory: about 6.6M gas
        }
        return script[numUpdates];
    }
}
