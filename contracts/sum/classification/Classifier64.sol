// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {VectorMath} from "../../lib/VectorMath.sol";
import {Ownable} from "../Ownable.sol";

/// @title Classifier64: the public face every SUM classifier shares with the original framework.
/// @notice Data are int64 fixed-point numbers scaled by `toFloat` (dense models) or feature indices
///         (sparse models, Naive Bayes). A prediction is an index into `classifications`.
///         The trainer owns the classifier; `update` and the initialisation calls are owner-only.
abstract contract Classifier64 is Ownable {
    uint32 public constant toFloat = 1E9;

    /// The name of each class; a prediction is an index into it.
    string[] public classifications;
    /// When non-empty, clients gather only these embedding dimensions before sending a sample.
    uint32[] public featureIndices;

    constructor(string[] memory _classifications) {
        classifications = _classifications;
    }

    function getNumClassifications() external view returns (uint256) {
        return classifications.length;
    }

    function getNumFeatureIndices() external view returns (uint256) {
        return featureIndices.length;
    }

    function addFeatureIndices(uint32[] calldata _featureIndices) external onlyOwner {
        for (uint256 i; i < _featureIndices.length; ++i) featureIndices.push(_featureIndices[i]);
    }

    /// floor(sqrt(Σ x_i²)) for dense models; sparse models revert "Normalization is not required.".
    function norm(int64[] calldata data) external view virtual returns (uint256);

    function predict(int64[] calldata data) external view virtual returns (uint64);

    function update(int64[] calldata data, uint64 classification) external virtual;

    /// The number of samples of `data` whose prediction equals `labels[i]` (every classifier).
    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels) external view virtual returns (uint256 numCorrect);

    /// How many samples `predictOne` labels as `labels` says: the batch evaluation of models whose
    /// `predict` is public (the comparison is one VCOUNTEQ natively).
    function _numCorrect(
        int64[][] calldata data,
        uint64[] calldata labels,
        function(int64[] calldata) view returns (uint64) predictOne,
        bool native
    ) internal view returns (uint256) {
        require(data.length == labels.length, "The number of samples and labels must be the same.");
        int256[] memory predictions = new int256[](data.length);
        int256[] memory expected = new int256[](data.length);
        for (uint256 s; s < data.length; ++s) {
            predictions[s] = int256(uint256(predictOne(data[s])));
            expected[s] = int256(uint256(labels[s]));
        }
        return VectorMath.countEqual(predictions, expected, native);
    }

    /// Packed entries (8-byte big-endian int64 elements): dense models implement them, the others revert.
    function predictPacked(bytes calldata) external view virtual returns (uint64) {
        revert("Packed data is not supported by this model.");
    }

    function updatePacked(bytes calldata, uint64) external virtual {
        revert("Packed data is not supported by this model.");
    }
}
