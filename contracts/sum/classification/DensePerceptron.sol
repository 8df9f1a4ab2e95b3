// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Classifier64} from "./Classifier64.sol";
import {VectorMath, VectorMathUser} from "../../lib/VectorMath.sol";
import {VectorStore, VectorStoreUser} from "../../lib/VectorStore.sol";

/// @title What the dense classifiers share: the unit-norm rule, packed samples, chunked vectors.
library DenseData {
    string internal constant NOT_UNIT = "The provided data does not have a norm of 1.";
    string internal constant BAD_PACKED = "Packed data must be 8 bytes per element.";

    /// @notice Reverts unless Σx² lies strictly inside (1e18 − 1e11, 1e18 + 1e11) (toFloat² ± 100·toFloat),
    ///         the original's unit-norm band, checked exactly and cheaply: r = floor(sqrt(Σx²)) (VNORM,
    ///         2 gas per element) settles it (inside iff 1e9 − 50 <= r <= 1e9 + 48) except at r = 1e9 − 51
    ///         and r = 1e9 + 49, where a band end falls between r² and (r+1)²; only there is Σx² computed.
    function requireUnitNorm(int256[] memory x, bool native) internal view {
        uint256 root = VectorMath.norm(x, native);
        if (_ambiguous(root)) _requireInside(uint256(VectorMath.dot(x, x, native)));
        else _requireRoot(root);
    }

    /// @notice The unit-norm check of a packed sample.
    function requireUnitNormPacked(bytes memory x, bool native) internal view {
        uint256 root = VectorMath.normPacked(x, native);
        if (_ambiguous(root)) _requireInside(uint256(VectorMath.dotPacked(x, x, native)));
        else _requireRoot(root);
    }

    function _ambiguous(uint256 root) private pure returns (bool) {
        return root == 1e9 - 51 || root == 1e9 + 49;
    }

    function _requireRoot(uint256 root) private pure {
        require(root >= 1e9 - 50 && root <= 1e9 + 48, NOT_UNIT);
    }

    function _requireInside(uint256 squares) private pure {
        require(squares > 1e18 - 1e11 && squares < 1e18 + 1e11, NOT_UNIT);
    }

    /// @notice The number of elements of a packed sample (8 bytes each).
    function packedLength(bytes calldata x) internal pure returns (uint256) {
        require(x.length % 8 == 0, BAD_PACKED);
        return x.length / 8;
    }

    /// @notice A decoded `int64[] memory` / `int80[] memory` is one sign-extended word per element:
    ///         exactly an `int256[]`, so it is used as one without copying.
    function words(int64[] memory v) internal pure returns (int256[] memory w) {
        assembly ("memory-safe") { w := v }
    }

    function words(int80[] memory v) internal pure returns (int256[] memory w) {
        assembly ("memory-safe") { w := v }
    }

    /// @notice Stored vector `id` with `extension` appended, written back at `width` (chunked deployment).
    function append(bytes32 id, uint256 width, int256[] memory extension, bool native) internal {
        int256[] memory old = VectorStore.get(address(this), id, native);
        int256[] memory joined = new int256[](old.length + extension.length);
        assembly ("memory-safe") {
            let oldSize := shl(5, mload(old))
            mcopy(add(joined, 0x20), add(old, 0x20), oldSize)
            mcopy(add(add(joined, 0x20), oldSize), add(extension, 0x20), shl(5, mload(extension)))
        }
        VectorStore.set(id, width, joined, native);
    }
}

/// @title DensePerceptron: a binary perceptron on dense, unit-norm samples, with the original SUM ABI.
/// @notice The weights live in the vector store (id 0, 16 bytes per element: an int80 fits and
///         updates can grow past it); predict and update run natively on sumchain and on the
///         plain-Solidity fallback elsewhere, with the same results. Class 1 when
///         `intercept·toFloat + Σ w_i·x_i > 0`: unlike the original, which added the 1e9-scaled
///         intercept to 1e18-scaled products, the intercept is scaled like the products.
contract DensePerceptron is Classifier64, VectorMathUser, VectorStoreUser {
    bytes32 private constant WEIGHTS = bytes32(0);
    uint256 private constant WIDTH = 16;
    string private constant DIMENSION = "The data must have the same dimension as the weights.";

    /// The bias, scaled by toFloat (products w·x carry toFloat², so it is multiplied once more).
    int80 public intercept;
    /// How far a mistake moves the weights, scaled by toFloat.
    uint32 public learningRate;
    /// The number of weights (kept beside intercept and learningRate: one storage read for all three).
    uint64 private dimension;

    constructor(string[] memory _classifications, int80[] memory _weights, int80 _intercept, uint32 _learningRate)
        Classifier64(_classifications)
    {
        intercept = _intercept;
        learningRate = _learningRate;
        dimension = uint64(_weights.length);
        VectorStore.set(WEIGHTS, WIDTH, DenseData.words(_weights), VECTOR_STORE);
    }

    /// @notice Appends weights (a large model is deployed in chunks).
    function initializeWeights(int80[] memory _weights) external onlyOwner {
        dimension += uint64(_weights.length);
        DenseData.append(WEIGHTS, WIDTH, DenseData.words(_weights), VECTOR_STORE);
    }

    /// @notice Weight i; reverts "VectorStore: index out of range" past the last one.
    function weights(uint256 i) external view returns (int80) {
        uint256[] memory index = new uint256[](1);
        index[0] = i;
        int256 w = VectorStore.sparseDot(address(this), WEIGHTS, index, VECTOR_STORE);
        require(w == int80(w), "The weight does not fit in int80.");
        return int80(w);
    }

    function norm(int64[] calldata data) external view override returns (uint256) {
        return VectorMath.norm(VectorMath.load(data), VECTOR_PRECOMPILES);
    }

    function predict(int64[] calldata data) external view override returns (uint64) {
        return _predict(VectorMath.load(data));
    }

    function predictPacked(bytes calldata data) external view override returns (uint64) {
        require(DenseData.packedLength(data) == dimension, DIMENSION);
        return _decide(VectorStore.dotPacked(address(this), WEIGHTS, data, VECTOR_STORE));
    }

    /// @notice A mistake-driven step: when the prediction differs from the label (> 0: class 1),
    ///         w_i += trunc(x_i·learningRate / toFloat) for class 1, −= for class 0.
    ///         The sample must have unit norm, checked whether or not the model changes.
    function update(int64[] calldata data, uint64 classification) external override onlyOwner {
        int256[] memory x = VectorMath.load(data);
        require(x.length == dimension, DIMENSION);
        DenseData.requireUnitNorm(x, VECTOR_PRECOMPILES);
        VectorStore.perceptron(WEIGHTS, _bias(), int256(uint256(learningRate)), toFloat, _label(classification), x, VECTOR_STORE);
    }

    function updatePacked(bytes calldata data, uint64 classification) external override onlyOwner {
        require(DenseData.packedLength(data) == dimension, DIMENSION);
        DenseData.requireUnitNormPacked(data, VECTOR_PRECOMPILES);
        VectorStore.perceptronPacked(
            WEIGHTS, _bias(), int256(uint256(learningRate)), toFloat, _label(classification), data, VECTOR_STORE
        );
    }

    /// @notice The number of samples whose prediction equals their label.
    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels)
        external view override returns (uint256 numCorrect)
    {
        require(data.length == labels.length, "The number of samples and labels must be the same.");
        for (uint256 i; i < data.length; ++i) {
            uint256 free;
            assembly ("memory-safe") { free := mload(0x40) }
            if (_predict(VectorMath.load(data[i])) == labels[i]) ++numCorrect;
            // each sample's memory is dead once predicted: reuse it (memory gas grows quadratically)
            assembly ("memory-safe") { mstore(0x40, free) }
        }
    }

    function _predict(int256[] memory x) private view returns (uint64) {
        require(x.length == dimension, DIMENSION);
        return _decide(VectorStore.dot(address(this), WEIGHTS, x, VECTOR_STORE));
    }

    function _decide(int256 products) private view returns (uint64) {
        return products + _bias() > 0 ? 1 : 0;
    }

    function _bias() private view returns (int256) {
        return int256(intercept) * int256(uint256(toFloat));
    }

    function _label(uint64 classification) private pure returns (uint256) {
        return classification > 0 ? 1 : 0;
    }
}
