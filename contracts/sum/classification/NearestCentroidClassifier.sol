// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Classifier64} from "./Classifier64.sol";
import {DenseData} from "./DensePerceptron.sol";
import {VectorMath, VectorMathUser} from "../../lib/VectorMath.sol";
import {VectorStore, VectorStoreUser} from "../../lib/VectorStore.sol";

/// @title NearestCentroidClassifier: the class whose centroid is nearest to a dense, unit-norm sample,
///        with the original SUM ABI.
/// @notice Class i's centroid lives in the vector store as id i (8 bytes per element: int64, as
///         the original's); prediction is the store's NEAREST (ties to the lowest class), an update
///         its CENTROID (a running mean), natively on sumchain and on the plain-Solidity fallback
///         elsewhere, with the same results.
contract NearestCentroidClassifier is Classifier64, VectorMathUser, VectorStoreUser {
    /// A class was added (`addClass`).
    event AddClass(string name, uint256 index);

    uint256 public constant UINT256_MAX = type(uint256).max;
    /// Counts stop growing here, as in the original (so c·n stays far inside int256).
    uint256 public constant dataCountLimit = 2 ** (256 - 64 - 1);

    uint256 private constant WIDTH = 8;
    string private constant OUT_OF_BOUNDS = "Classification is out of bounds.";
    string private constant DIMENSIONS = "Data doesn't have the correct number of dimensions.";
    string private constant COUNT_TOO_LARGE = "Data count is too large.";

    /// The number of samples behind each centroid.
    uint256[] public dataCounts;

    constructor(string[] memory _classifications, int64[][] memory _centroids, uint256[] memory _dataCounts)
        Classifier64(_classifications)
    {
        require(_centroids.length == _classifications.length, "The number of centroids and classifications must be the same.");
        require(_classifications.length > 0, "At least one class is required.");
        require(_classifications.length < 2 ** 64, "Too many classes given.");
        require(_dataCounts.length == _centroids.length, "The number of data counts and classifications must be the same.");
        uint256 dimensions = _centroids[0].length;
        for (uint256 i; i < _centroids.length; ++i) {
            require(_centroids[i].length == dimensions, "Inconsistent number of dimensions.");
            require(_dataCounts[i] < dataCountLimit, COUNT_TOO_LARGE);
            VectorStore.set(bytes32(i), WIDTH, DenseData.words(_centroids[i]), VECTOR_STORE);
        }
        dataCounts = _dataCounts;
    }

    /// @notice Appends dimensions to one class's centroid (a large model is deployed in chunks:
    ///         extend every class to the full dimension before predicting).
    function extendCentroid(int64[] memory extension, uint64 classification) external onlyOwner {
        require(classification < classifications.length, OUT_OF_BOUNDS);
        DenseData.append(bytes32(uint256(classification)), WIDTH, DenseData.words(extension), VECTOR_STORE);
    }

    function addClass(int64[] memory centroid, string memory name, uint256 dataCount) external onlyOwner {
        uint256 index = classifications.length;
        require(index + 1 < 2 ** 64, "There are too many classes already.");
        require(centroid.length == _dimensions(0), DIMENSIONS);
        require(dataCount < dataCountLimit, COUNT_TOO_LARGE);
        VectorStore.set(bytes32(index), WIDTH, DenseData.words(centroid), VECTOR_STORE);
        classifications.push(name);
        dataCounts.push(dataCount);
        emit AddClass(name, index);
    }

    function getNumSamples(uint256 classification) external view returns (uint256) {
        return dataCounts[classification];
    }

    /// @notice Element j of class i's centroid; reverts "VectorStore: index out of range" when
    ///         there is no such element (or no such class).
    function centroids(uint256 classification, uint256 j) public view returns (int64) {
        uint256[] memory index = new uint256[](1);
        index[0] = j;
        return int64(VectorStore.sparseDot(address(this), bytes32(classification), index, VECTOR_STORE));
    }

    function getCentroidValue(uint256 classification, uint256 j) external view returns (int64) {
        return centroids(classification, j);
    }

    function norm(int64[] calldata data) external view override returns (uint256) {
        return VectorMath.norm(VectorMath.load(data), VECTOR_PRECOMPILES);
    }

    function predict(int64[] calldata data) external view override returns (uint64) {
        return _predict(VectorMath.load(data));
    }

    function predictPacked(bytes calldata data) external view override returns (uint64) {
        require(DenseData.packedLength(data) == _dimensions(0), "Data doesn't have the correct length.");
        return uint64(VectorStore.nearestPacked(address(this), toFloat, _ids(), data, VECTOR_STORE));
    }

    /// @notice Moves the class's centroid to the running mean with the sample: c = trunc((c·n + x)/(n + 1)),
    ///         n the class's count, which then grows by one (while below dataCountLimit).
    function update(int64[] calldata data, uint64 classification) external override onlyOwner {
        require(classification < classifications.length, OUT_OF_BOUNDS);
        int256[] memory x = VectorMath.load(data);
        require(x.length == _dimensions(classification), DIMENSIONS);
        DenseData.requireUnitNorm(x, VECTOR_PRECOMPILES);
        VectorStore.centroid(bytes32(uint256(classification)), _count(classification), x, VECTOR_STORE);
    }

    function updatePacked(bytes calldata data, uint64 classification) external override onlyOwner {
        require(classification < classifications.length, OUT_OF_BOUNDS);
        require(DenseData.packedLength(data) == _dimensions(classification), DIMENSIONS);
        DenseData.requireUnitNormPacked(data, VECTOR_PRECOMPILES);
        VectorStore.centroidPacked(bytes32(uint256(classification)), _count(classification), data, VECTOR_STORE);
    }

    /// @notice The number of samples whose prediction equals their label.
    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels)
        external view override returns (uint256 numCorrect)
    {
        require(data.length == labels.length, "The number of samples and labels must be the same.");
        bytes32[] memory ids = _ids();
        for (uint256 i; i < data.length; ++i) {
            uint256 free;
            assembly ("memory-safe") { free := mload(0x40) }
            if (_nearest(ids, VectorMath.load(data[i])) == labels[i]) ++numCorrect;
            // each sample's memory is dead once predicted: reuse it (memory gas grows quadratically)
            assembly ("memory-safe") { mstore(0x40, free) }
        }
    }

    function _predict(int256[] memory x) private view returns (uint64) {
        return _nearest(_ids(), x);
    }

    function _nearest(bytes32[] memory ids, int256[] memory x) private view returns (uint64) {
        require(x.length == _dimensions(0), "Data doesn't have the correct length.");
        return uint64(VectorStore.nearest(address(this), toFloat, ids, x, VECTOR_STORE));
    }

    /// The class ids 0 .. k−1 (a centroid's store id is its class index).
    function _ids() private view returns (bytes32[] memory ids) {
        ids = new bytes32[](classifications.length);
        for (uint256 i; i < ids.length; ++i) ids[i] = bytes32(i);
    }

    function _dimensions(uint256 classification) private view returns (uint256) {
        return VectorStore.length(address(this), bytes32(classification), VECTOR_STORE);
    }

    /// The class's count before this sample; counts it (up to dataCountLimit).
    function _count(uint64 classification) private returns (uint256 n) {
        n = dataCounts[classification];
        if (n < dataCountLimit) dataCounts[classification] = n + 1;
    }
}
