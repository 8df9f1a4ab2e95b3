// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// Stand-ins for tests/test_sum_trainer.py. SumTestClassifier predicts a class the test sets, and
/// either does nothing on update (to measure the trainer's own gas) or records the hash of the
/// exact calldata it received (to check the trainer's word-for-word forwarding).
contract SumTestClassifier {
    address public owner = msg.sender;
    uint64 public prediction;
    bool public recording;
    bytes32 public lastInput;

    function transferOwnership(address newOwner) external {
        require(msg.sender == owner, "Sender is not the owner.");
        owner = newOwner;
    }

    function setPrediction(uint64 _prediction) external {
        prediction = _prediction;
    }

    function setRecording(bool _recording) external {
        recording = _recording;
    }

    function predict(int64[] calldata) external view returns (uint64) {
        return prediction;
    }

    function predictPacked(bytes calldata) external view returns (uint64) {
        return prediction;
    }

    function update(int64[] calldata, uint64) external {
        _updated();
    }

    function updatePacked(bytes calldata, uint64) external {
        _updated();
    }

    function _updated() private {
        require(msg.sender == owner, "Sender is not the owner.");
        if (recording) {
            lastInput = keccak256(msg.data);
        }
    }
}

/// A contributor contract for the payment failures: it forwards calls (with value) and refuses
/// ether unless told to accept it.
contract SumTestContributor {
    bool public accepting;

    function setAccepting(bool _accepting) external {
        accepting = _accepting;
    }

    function forward(address target, bytes calldata data) external payable {
        (bool ok, bytes memory result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    receive() external payable {
        require(accepting, "Not accepting ether.");
    }
}
