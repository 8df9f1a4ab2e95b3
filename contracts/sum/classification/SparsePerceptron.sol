// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Classifier64} from "./Classifier64.sol";
import {VectorMath, VectorMathUser} from "../../lib/VectorMath.sol";
import {VectorStore, VectorStoreUser} from "../../lib/VectorStore.sol";

/// @title SparsePerceptron: a binary perceptron on samples that list the indices of the features
///        present (each with value 1).
/// @notice Storage (docs/contracts.md, "Sparse models"): with the vector store, the weights of the
///         contiguous range [0, storeLength) live in one stored vector (16-byte elements), so a
///         prediction reads only the present weights (SPARSEDOT) and a mistake rewrites them in one
///         call (SPARSEADD) instead of one storage write each; weights outside the range, and all
///         weights without the store, live in a mapping. Weights are kept as int128: they start as
///         int80 and move by a uint32 learning rate per update, so they never leave int128.
contract SparsePerceptron is Classifier64, VectorMathUser, VectorStoreUser {
    bytes32 private constant WEIGHTS = "SparsePerceptron.weights";
    uint256 private constant WIDTH = 16;

    int80 public intercept;
    uint32 public learningRate;
    /// Weights [0, storeLength) are in the stored vector (0 without the store).
    uint64 private storeLength;
    mapping(uint64 => int256) private _mappedWeights;

    constructor(string[] memory _classifications, int80[] memory _weights, int80 _intercept, uint32 _learningRate)
        Classifier64(_classifications)
    {
        require(_weights.length < 2 ** 64 - 1, "Too many weights given.");
        intercept = _intercept;
        learningRate = _learningRate;
        _writeRange(0, _weights);
    }

    /// Owner-only (chunked deployment): weights[startIndex + i] = _weights[i].
    function initializeWeights(uint64 startIndex, int80[] memory _weights) external onlyOwner {
        _writeRange(startIndex, _weights);
    }

    /// Owner-only (chunked deployment): pairs [featureIndex, weight].
    function initializeSparseWeights(int80[][] calldata _weights) external onlyOwner {
        uint64 d = storeLength;
        int256[] memory stored;
        if (d != 0) stored = VectorStore.get(address(this), WEIGHTS, true);
        bool changed;
        for (uint256 i; i < _weights.length; ++i) {
            int80 featureIndex = _weights[i][0];
            require(featureIndex >= 0 && featureIndex < 2 ** 64, "A feature index is too large.");
            uint64 index = uint64(uint80(featureIndex));
            if (index < d) {
                stored[index] = _weights[i][1];
                changed = true;
            } else {
                _mappedWeights[index] = _weights[i][1];
            }
        }
        if (changed) VectorStore.set(WEIGHTS, WIDTH, stored, true);
    }

    function weights(uint64 featureIndex) external view returns (int80) {
        int256 w;
        if (featureIndex < storeLength) {
            uint256[] memory idx = new uint256[](1);
            idx[0] = featureIndex;
            w = VectorStore.sparseDot(address(this), WEIGHTS, idx, true);
        } else {
            w = _mappedWeights[featureIndex];
        }
        require(w == int80(w), "The weight does not fit int80.");
        return int80(w);
    }

    function norm(int64[] calldata) external pure override returns (uint256) {
        revert("Normalization is not required.");
    }

    function predict(int64[] calldata data) external view override returns (uint64) {
        (uint256[] memory stored, int256 m) = _split(data);
        return _classify(stored, m);
    }

    /// Mistake-driven: the present weights move by ±learningRate only when the prediction is wrong.
    function update(int64[] calldata data, uint64 classification) external override onlyOwner {
        (uint256[] memory stored, int256 m) = _split(data);
        if (_classify(stored, m) == classification) return;
        int256 delta = classification > 0 ? int256(uint256(learningRate)) : -int256(uint256(learningRate));
        if (stored.length != 0) VectorStore.sparseAdd(WEIGHTS, delta, stored, true);
        uint64 d = storeLength;
        for (uint256 i; i < data.length; ++i) {
            uint64 index = uint64(data[i]);
            if (index >= d) _mappedWeights[index] += delta;
        }
    }

    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels)
        external view override returns (uint256 numCorrect)
    {
        require(data.length == labels.length, "The number of samples and labels must be the same.");
        int256[] memory predictions = new int256[](data.length);
        for (uint256 s; s < data.length; ++s) {
            (uint256[] memory stored, int256 m) = _split(data[s]);
            predictions[s] = int256(uint256(_classify(stored, m)));
        }
        return VectorMath.countEqual(predictions, _labels(labels), VECTOR_PRECOMPILES);
    }

    /// The original's padded batches: 60 indices per sample; padding is an index whose weight is 0.
    function evaluateBatch(uint24[60][] calldata dataBatch, uint64[] calldata labels)
        external view returns (uint256 numCorrect)
    {
        require(dataBatch.length == labels.length, "The number of samples and labels must be the same.");
        int256[] memory predictions = new int256[](dataBatch.length);
        uint64 d = storeLength;
        for (uint256 s; s < dataBatch.length; ++s) {
            uint256[] memory stored = new uint256[](60);
            uint256 n;
            int256 m = intercept;
            uint64 lastIndex = type(uint64).max;
            int256 lastWeight;
            for (uint256 i; i < 60; ++i) {
                uint64 index = dataBatch[s][i];
                if (index < d) {
                    stored[n++] = index;
                } else {
                    // Padding repeats one index: read its weight once.
                    if (index != lastIndex) (lastIndex, lastWeight) = (index, _mappedWeights[index]);
                    m += lastWeight;
                }
            }
            assembly ("memory-safe") { mstore(stored, n) }
            predictions[s] = int256(uint256(_classify(stored, m)));
        }
        return VectorMath.countEqual(predictions, _labels(labels), VECTOR_PRECOMPILES);
    }

    /// Writes a contiguous run; a run that starts inside or at the end of the stored range extends it.
    function _writeRange(uint64 startIndex, int80[] memory _weights) private {
        uint256 end = uint256(startIndex) + _weights.length;
        require(end <= 2 ** 64, "A feature index is too large.");
        uint64 d = storeLength;
        uint256 newLength = d;
        if (VECTOR_STORE && startIndex <= d && end > d && end <= VectorStore.MAX_LENGTH) newLength = end;
        if (newLength != 0 && startIndex < newLength) {
            int256[] memory stored = new int256[](newLength);
            if (d != 0) {
                int256[] memory old = VectorStore.get(address(this), WEIGHTS, true);
                for (uint256 i; i < d; ++i) stored[i] = old[i];
            }
            for (uint256 i; i < _weights.length && startIndex + i < newLength; ++i) stored[startIndex + i] = _weights[i];
            VectorStore.set(WEIGHTS, WIDTH, stored, true);
            storeLength = uint64(newLength);
        }
        for (uint256 i; i < _weights.length; ++i) {
            uint256 index = startIndex + i;
            if (index >= newLength) _mappedWeights[uint64(index)] = _weights[i];
        }
    }

    /// The present indices inside the stored range, and intercept + the mapped weights of the rest.
    function _split(int64[] calldata data) private view returns (uint256[] memory stored, int256 m) {
        stored = new uint256[](data.length);
        uint256 n;
        m = intercept;
        uint64 d = storeLength;
        for (uint256 i; i < data.length; ++i) {
            int64 index = data[i];
            require(index >= 0, "Not all indices are >= 0.");
            if (uint64(index) < d) stored[n++] = uint64(index);
            else m += _mappedWeights[uint64(index)];
        }
        assembly ("memory-safe") { mstore(stored, n) }
    }

    function _classify(uint256[] memory stored, int256 m) private view returns (uint64) {
        if (stored.length != 0) m += VectorStore.sparseDot(address(this), WEIGHTS, stored, true);
        return m > 0 ? 1 : 0;
    }

    function _labels(uint64[] calldata labels) private pure returns (int256[] memory out) {
        out = new int256[](labels.length);
        for (uint256 i; i < labels.length; ++i) out[i] = int256(uint256(labels[i]));
    }
}
