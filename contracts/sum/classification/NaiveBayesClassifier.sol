// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Classifier64} from "./Classifier64.sol";
import {VectorMath, VectorMathUser} from "../../lib/VectorMath.sol";
import {VectorStore, VectorStoreUser} from "../../lib/VectorStore.sol";

/// @title NaiveBayesClassifier: multinomial Naive Bayes on samples that list the indices of the
///        features present (a repeated index counts each time).
/// @notice Storage (docs/contracts.md, "Sparse models"): with the vector store, each class's counts
///         of the features [0, storeLength) are one stored vector (8-byte elements), so an update
///         is one SPARSEADD instead of a storage write per feature; the other features, and all of
///         them without the store, are in a mapping, eight uint32 counts per slot.
///         Fixed faults of the original: `initializeCounts` (and the constructor, `addClass`)
///         subtract a count they overwrite from the class total; feature indices are uint32 keys,
///         so update refuses indices >= 2^32 and counts that would pass 2^32 - 1 instead of wrapping;
///         class totals are uint64 and are bounded by 2^64 (the original checked 2^65, then cut).
contract NaiveBayesClassifier is Classifier64, VectorMathUser, VectorStoreUser {
    event AddClass(string name, uint256 index);

    struct ClassInfo {
        uint64 numSamples;
        uint64 totalFeatureCount;
    }

    uint256 private constant WIDTH = 8;
    /// The stored range: at most this many features per class, and at most STORE_BUDGET stored
    /// counts over the constructor's classes (creating a vector costs 200 gas per byte).
    uint256 private constant STORE_RANGE = 1024;
    uint256 private constant STORE_BUDGET = 8192;
    uint256 private constant COUNT_LIMIT = 2 ** 32 - 1;

    ClassInfo[] public classInfos;
    uint32 public smoothingFactor;
    uint256 public totalNumFeatures;
    /// Counts of features [0, storeLength) are in the stored vectors (0 without the store).
    uint256 private immutable storeLength;
    /// class => feature index / 8 => eight uint32 counts.
    mapping(uint256 => mapping(uint256 => uint256)) private _packedCounts;

    constructor(
        string[] memory _classifications,
        uint64[] memory _classCounts,
        uint32[][][] memory _featureCounts,
        uint256 _totalNumFeatures,
        uint32 _smoothingFactor
    ) Classifier64(_classifications) {
        require(_classifications.length > 0, "At least one class is required.");
        require(_classifications.length < 2 ** 65, "Too many classes given.");
        require(
            _classifications.length == _classCounts.length,
            "The number of classifications must match the number of _classCounts."
        );
        require(
            _classifications.length == _featureCounts.length,
            "The number of classifications must match the number of _featureCounts."
        );
        totalNumFeatures = _totalNumFeatures;
        smoothingFactor = _smoothingFactor;
        uint256 d;
        if (VECTOR_STORE) {
            d = _totalNumFeatures < STORE_RANGE ? _totalNumFeatures : STORE_RANGE;
            uint256 budget = STORE_BUDGET / _classifications.length;
            if (d > budget) d = budget;
        }
        storeLength = d;
        for (uint256 i; i < _classifications.length; ++i) _pushClass(_classCounts[i], _featureCounts[i], d);
    }

    /// Owner-only (chunked deployment): sets the listed counts of a class; the class total follows.
    function initializeCounts(uint32[][] memory _featureCounts, uint64 classification) external onlyOwner {
        require(classification < classInfos.length, "This classification has not been added yet.");
        _setCounts(classification, _featureCounts, classInfos[classification].totalFeatureCount);
    }

    function addClass(uint64 numSamples, uint32[][] memory featureCounts, string memory name) external onlyOwner {
        require(classifications.length + 1 < 2 ** 65, "There are too many classes already.");
        classifications.push(name);
        emit AddClass(name, classifications.length - 1);
        _pushClass(numSamples, featureCounts, storeLength);
    }

    function norm(int64[] calldata) external pure override returns (uint256) {
        revert("Normalization is not required.");
    }

    /// Per class numSamples·1e9, then for each present feature ·(1e9·count + α) / (1e9·total + α·T),
    /// in integers in that order; the largest wins, ties to the lowest class. A class whose
    /// denominator is 0 (no counts, and α·T = 0) scores 0.
    function predict(int64[] calldata data) public view override returns (uint64 bestClass) {
        for (uint256 i; i < data.length; ++i) require(data[i] >= 0, "Not all indices are >= 0.");
        uint256 smoothTotal = uint256(smoothingFactor) * totalNumFeatures;
        uint256 best;
        for (uint256 c; c < classInfos.length; ++c) {
            ClassInfo memory info = classInfos[c];
            uint256 p = uint256(info.numSamples) * toFloat;
            uint256 denominator = uint256(toFloat) * info.totalFeatureCount + smoothTotal;
            if (denominator == 0) {
                p = 0;
            } else {
                // Four features at a time, read only while the product is not yet 0.
                for (uint256 k; k < data.length && p != 0; k += 4) {
                    uint256[4] memory counts = _counts(c, data, k);
                    for (uint256 j; j < 4 && k + j < data.length && p != 0; ++j) {
                        p = p * (uint256(toFloat) * counts[j] + smoothingFactor) / denominator;
                    }
                }
            }
            if (p > best) (best, bestClass) = (p, uint64(c));
        }
    }

    function update(int64[] calldata data, uint64 classification) external override onlyOwner {
        require(classification < classifications.length, "Classification is out of bounds.");
        ClassInfo storage info = classInfos[classification];
        require(info.numSamples < 2 ** 64 - 1, "There are too many samples for the class.");
        uint256 total = data.length + info.totalFeatureCount;
        require(total < 2 ** 64, "Feature count will be too high.");
        (info.numSamples, info.totalFeatureCount) = (info.numSamples + 1, uint64(total));

        uint256 d = storeLength;
        uint256[] memory stored = new uint256[](data.length);
        uint256 n;
        for (uint256 i; i < data.length; ++i) {
            int64 featureIndex = data[i];
            require(featureIndex >= 0, "Not all indices are >= 0.");
            require(featureIndex < 2 ** 32, "A feature index is too high.");
            uint256 index = uint64(featureIndex);
            if (index < d) {
                stored[n++] = index;
                continue;
            }
            uint256 word = _packedCounts[classification][index >> 3];
            uint256 shift = (index & 7) << 5;
            require((word >> shift) & COUNT_LIMIT < COUNT_LIMIT, "A feature count in the class would become too high.");
            _packedCounts[classification][index >> 3] = word + (1 << shift);
        }
        if (n == 0) return;
        assembly ("memory-safe") { mstore(stored, n) }
        bytes32 id = _id(classification);
        // Every count is at most the sum of the present counts: one read settles the bound unless
        // the counts are huge, then each is checked.
        if (uint256(VectorStore.sparseDot(address(this), id, stored, true)) + n > COUNT_LIMIT) {
            int256[] memory counts = VectorStore.get(address(this), id, true);
            for (uint256 i; i < n; ++i) {
                require(uint256(counts[stored[i]]) < COUNT_LIMIT, "A feature count in the class would become too high.");
                ++counts[stored[i]];
            }
        }
        VectorStore.sparseAdd(id, 1, stored, true);
    }

    function evaluateBatch(int64[][] calldata data, uint64[] calldata labels)
        external view override returns (uint256 numCorrect)
    {
        return _numCorrect(data, labels, predict, VECTOR_PRECOMPILES);
    }

    function getClassTotalFeatureCount(uint256 classIndex) external view returns (uint64) {
        return classInfos[classIndex].totalFeatureCount;
    }

    function getFeatureCount(uint256 classIndex, uint32 featureIndex) external view returns (uint32) {
        require(classIndex < classInfos.length, "This classification has not been added yet.");
        if (featureIndex < storeLength) {
            uint256[] memory idx = new uint256[](1);
            idx[0] = featureIndex;
            return uint32(uint256(VectorStore.sparseDot(address(this), _id(classIndex), idx, true)));
        }
        return uint32(_count(classIndex, featureIndex));
    }

    function getNumSamples(uint256 classIndex) external view returns (uint64) {
        return classInfos[classIndex].numSamples;
    }

    function _pushClass(uint64 numSamples, uint32[][] memory featureCounts, uint256 d) private {
        uint256 c = classInfos.length;
        classInfos.push(ClassInfo(numSamples, 0));
        if (d != 0) VectorStore.set(_id(c), WIDTH, new int256[](d), true);
        _setCounts(c, featureCounts, 0);
    }

    /// Overwrites counts; the total loses each old count and gains the new one.
    function _setCounts(uint256 c, uint32[][] memory featureCounts, uint256 total) private {
        uint256 d = storeLength;
        int256[] memory stored;
        bool changed;
        for (uint256 j; j < featureCounts.length; ++j) {
            uint256 index = featureCounts[j][0];
            uint256 count = featureCounts[j][1];
            if (index < d) {
                if (!changed) (stored, changed) = (VectorStore.get(address(this), _id(c), true), true);
                total = total - uint256(stored[index]) + count;
                stored[index] = int256(count);
            } else {
                uint256 word = _packedCounts[c][index >> 3];
                uint256 shift = (index & 7) << 5;
                total = total - ((word >> shift) & COUNT_LIMIT) + count;
                _packedCounts[c][index >> 3] = (word & ~(COUNT_LIMIT << shift)) | (count << shift);
            }
        }
        require(total < 2 ** 64, "There are too many features.");
        classInfos[c].totalFeatureCount = uint64(total);
        if (changed) VectorStore.set(_id(c), WIDTH, stored, true);
    }

    /// The counts of data[k .. k+4); the stored ones in one SPARSEDOT (weights 2^0, 2^32, 2^64, 2^96:
    /// every count is below 2^32, so the sum holds them side by side).
    function _counts(uint256 c, int64[] calldata data, uint256 k) private view returns (uint256[4] memory counts) {
        uint256[] memory idx = new uint256[](4);
        int256[] memory weights = new int256[](4);
        uint256[4] memory at;
        uint256 n;
        for (uint256 j; j < 4 && k + j < data.length; ++j) {
            uint256 index = uint64(data[k + j]);
            if (index < storeLength) {
                (idx[n], weights[n], at[n]) = (index, int256(1 << (32 * n)), j);
                ++n;
            } else {
                counts[j] = _count(c, index);
            }
        }
        if (n == 0) return counts;
        assembly ("memory-safe") {
            mstore(idx, n)
            mstore(weights, n)
        }
        uint256 r = uint256(VectorStore.sparseDot(address(this), _id(c), idx, weights, true));
        for (uint256 j; j < n; ++j) counts[at[j]] = (r >> (32 * j)) & COUNT_LIMIT;
    }

    /// A count outside the stored range, from the mapping (0 past uint32).
    function _count(uint256 c, uint256 index) private view returns (uint256) {
        if (index > type(uint32).max) return 0;
        return (_packedCounts[c][index >> 3] >> ((index & 7) << 5)) & COUNT_LIMIT;
    }

    function _id(uint256 c) private pure returns (bytes32) {
        return bytes32(c);
    }
}
