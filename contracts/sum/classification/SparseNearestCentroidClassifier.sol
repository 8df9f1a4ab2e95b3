// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Classifier64} from "./Classifier64.sol";
import {VectorMath, VectorMathUser} from "../../lib/VectorMath.sol";

/// @title SparseNearestCentroidClassifier: nearest centroid on samples that list the indices of
///        the features present (value 1 each, i.e. toFloat scaled).
/// @notice Lazy scaling as the original: a stored centroid value remembers the class's sample count
///         when it was written; its true value is `value · valueNumSamples / classNumSamples`, so an
///         update writes only the present features and rescales the squared magnitude.
///         Values stay in a mapping, not the vector store: the lazy scaling truncates each value on
///         its own, so every present value must be read singly, which costs more through the store
///         than a cold slot (docs/contracts.md, "Sparse models").
///         Fixed faults: an update of a class with no samples divided by zero (here the class takes
///         the sample as its centroid: every old value has weight n = 0); feature indices are uint32
///         keys, so indices >= 2^32 are refused rather than wrapped; the sample count stops at
///         2^64 - 1 (the uint64 it is kept in) instead of wrapping to 0.
contract SparseNearestCentroidClassifier is Classifier64, VectorMathUser {
    event AddClass(string name, uint256 index);

    /// Kept for the original's ABI.
    uint256 public constant UINT256_MAX = type(uint256).max;
    /// Kept for the original's ABI; counts are uint64, so the count freezes at 2^64 - 1.
    uint256 public constant dataCountLimit = 2 ** (256 - 64 - 1);

    struct CentroidValue {
        uint64 value;
        uint64 numSamples;
    }

    struct ClassInfo {
        uint64 numSamples;
        uint256 squaredMagnitude;
    }

    ClassInfo[] public classInfos;
    /// class => feature index => value and the class count it was written at.
    mapping(uint256 => mapping(uint32 => CentroidValue)) private _centroids;

    constructor(string[] memory _classifications, uint64[][][] memory _centroidValues, uint64[] memory dataCounts)
        Classifier64(_classifications)
    {
        require(
            _centroidValues.length == _classifications.length,
            "The number of centroids and classifications must be the same."
        );
        require(_classifications.length > 0, "At least one class is required.");
        require(_classifications.length < 2 ** 64, "Too many classes given.");
        require(dataCounts.length == _classifications.length, "The number of data counts and classifications must be the same.");
        for (uint256 i; i < _centroidValues.length; ++i) {
            classInfos.push(ClassInfo(dataCounts[i], 0));
            _store(i, _centroidValues[i]);
        }
    }

    /// Owner-only (chunked deployment): stores [index, value] pairs at the class's current count and
    /// adds value² to its magnitude (meant for new indices: a rewritten one counts twice, as the original).
    function extendCentroid(uint64[][] memory extension, uint64 classification) external onlyOwner {
        require(classification < classInfos.length, "This classification has not been added yet.");
        _store(classification, extension);
    }

    function addClass(uint64[][] memory centroid, string memory name, uint64 dataCount) external onlyOwner {
        require(classifications.length + 1 < 2 ** 64, "There are too many classes already.");
        classInfos.push(ClassInfo(dataCount, 0));
        classifications.push(name);
        _store(classInfos.length - 1, centroid);
        emit AddClass(name, classifications.length - 1);
    }

    function norm(int64[] calldata) external pure override returns (uint256) {
        revert("Normalization is not required.");
    }

    /// dist_c = squaredMagnitude_c + 1e9·Σ_{j ∈ data}(1e9 − 2·v_j), compared as signed integers;
    /// the strictly smallest wins (ties to the lowest class).
    function predict(int64[] calldata data) public view override returns (uint64 bestClass) {
        for (uint256 i; i < data.length; ++i) require(data[i] >= 0, "Not all indices are >= 0.");
        int256 minDistance = type(int256).max;
        for (uint256 c; c < classInfos.length; ++c) {
            ClassInfo memory info = classInfos[c];
            int256 distanceUpdate;
            for (uint256 i; i < data.length; ++i) {
                uint64 index = uint64(data[i]);
                if (index > type(uint32).max) {
                    distanceUpdate += int256(uint256(toFloat));
                    continue;
                }
                CentroidValue memory cv = _centroids[c][uint32(index)];
                distanceUpdate += int256(uint256(toFloat)) - 2 * int256(_scaled(cv, info.numSamples));
            }
            int256 distance = int256(info.squaredMagnitude) + distanceUpdate * int256(uint256(toFloat));
            if (distance < minDistance) (minDistance, bestClass) = (distance, uint64(c));
        }
    }

    /// The moving average of the present features, lazily for the others (docs/contracts.md).
    function update(int64[] calldata data, uint64 classification) external override onlyOwner {
        require(classification < classInfos.length, "This classification has not been added yet.");
        ClassInfo storage info = classInfos[classification];
        uint256 n = info.numSamples;
        uint256 newN = n < type(uint64).max ? n + 1 : n;
        info.numSamples = uint64(newN);
        uint256 squaredMagnitude = info.squaredMagnitude;
        uint256 squaredMagnitudeUpdate;
        mapping(uint32 => CentroidValue) storage centroid = _centroids[classification];
        for (uint256 i; i < data.length; ++i) {
            int64 featureIndex = data[i];
            require(featureIndex >= 0, "Not all indices are >= 0.");
            require(featureIndex < 2 ** 32, "A feature index is too high.");
            CentroidValue storage stored = centroid[uint32(uint64(featureIndex))];
            // n = 0: no old value carries weight.
            uint256 prevValue = n == 0 ? 0 : uint256(stored.value) * stored.numSamples / n;
            squaredMagnitude -= prevValue * prevValue;
            // At most max(prevValue, 1e9) (prevValue ≤ the stored uint64 value): fits uint64.
            uint256 v = (n * prevValue + toFloat) / newN;
            (stored.value, stored.numSamples) = (uint64(v), uint64(newN));
            squaredMagnitudeUpdate += v * v;
        }
        if (n != newN) squaredMagnitude = squaredMagnitude * (n * n) / (newN * newN);
        info.squaredMagnitude = squaredMagnitude + squaredMagnitudeUpdate;
    }

    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels)
        external view override returns (uint256 numCorrect)
    {
        return _numCorrect(data, labels, predict, VECTOR_PRECOMPILES);
    }

    function getNumSamples(uint256 classIndex) external view returns (uint64) {
        return classInfos[classIndex].numSamples;
    }

    /// The true (lazily scaled) value.
    function getCentroidValue(uint256 classIndex, uint32 featureIndex) external view returns (uint64) {
        return uint64(_scaled(_centroids[classIndex][featureIndex], classInfos[classIndex].numSamples));
    }

    function getSquaredMagnitude(uint256 classIndex) external view returns (uint256) {
        return classInfos[classIndex].squaredMagnitude;
    }

    function _store(uint256 c, uint64[][] memory pairs) private {
        ClassInfo storage info = classInfos[c];
        uint64 count = info.numSamples;
        uint256 squaredMagnitude = info.squaredMagnitude;
        for (uint256 j; j < pairs.length; ++j) {
            uint64 index = pairs[j][0];
            require(index < 2 ** 32, "A feature index is too high.");
            uint64 value = pairs[j][1];
            _centroids[c][uint32(index)] = CentroidValue(value, count);
            squaredMagnitude += uint256(value) * value;
        }
        info.squaredMagnitude = squaredMagnitude;
    }

    /// value · valueNumSamples / classNumSamples, exact when they are equal (no division).
    function _scaled(CentroidValue memory cv, uint256 classNumSamples) private pure returns (uint256) {
        if (cv.numSamples == classNumSamples) return cv.value;
        return uint256(cv.value) * cv.numSamples / classNumSamples;
    }
}
