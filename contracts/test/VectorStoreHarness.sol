// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorStore, VectorStoreUser} from "../lib/VectorStore.sol";

/// @notice Every VectorStore function as an external function (the harness owns what it writes).
///         `forceFallback` (constructor) makes it use the Solidity fallback even where the store
///         exists; tests deploy two harnesses to act as two owners.
contract VectorStoreHarness is VectorStoreUser {
    bool public immutable NATIVE;

    constructor(bool forceFallback) {
        NATIVE = VECTOR_STORE && !forceFallback;
    }

    function _vectorStoreNative() internal view override returns (bool) {
        return NATIVE;
    }

    function storeAvailable() external view returns (bool) {
        return VECTOR_STORE;
    }

    function set(bytes32 id, uint256 width, int256[] memory v) external {
        VectorStore.set(id, width, v, NATIVE);
    }

    function addScaled(bytes32 id, int256 rate, uint256 scale, int256[] memory x) external {
        VectorStore.addScaled(id, rate, scale, x, NATIVE);
    }

    function centroid(bytes32 id, uint256 n, int256[] memory x) external {
        VectorStore.centroid(id, n, x, NATIVE);
    }

    function sparseAdd(bytes32 id, int256 delta, uint256[] memory idx) external {
        VectorStore.sparseAdd(id, delta, idx, NATIVE);
    }

    function sparseAdd(bytes32 id, uint256[] memory idx, int256[] memory vals) external {
        VectorStore.sparseAdd(id, idx, vals, NATIVE);
    }

    function get(address owner, bytes32 id) external view returns (int256[] memory) {
        return VectorStore.get(owner, id, NATIVE);
    }

    function length(address owner, bytes32 id) external view returns (uint256) {
        return VectorStore.length(owner, id, NATIVE);
    }

    function dot(address owner, bytes32 id, int256[] memory x) external view returns (int256) {
        return VectorStore.dot(owner, id, x, NATIVE);
    }

    function nearest(address owner, uint256 divisor, bytes32[] memory ids, int256[] memory x)
        external view returns (uint256)
    {
        return VectorStore.nearest(owner, divisor, ids, x, NATIVE);
    }

    function sparseDot(address owner, bytes32 id, uint256[] memory idx) external view returns (int256) {
        return VectorStore.sparseDot(owner, id, idx, NATIVE);
    }

    function sparseDot(address owner, bytes32 id, uint256[] memory idx, int256[] memory vals)
        external view returns (int256)
    {
        return VectorStore.sparseDot(owner, id, idx, vals, NATIVE);
    }

    function perceptron(bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label, int256[] memory x)
        external returns (uint256)
    {
        return VectorStore.perceptron(id, bias, rate, scale, label, x, NATIVE);
    }

    // ---------------------------------------------------------------- packed layout

    function addScaledPacked(bytes32 id, int256 rate, uint256 scale, bytes calldata x) external {
        VectorStore.addScaledPacked(id, rate, scale, x, NATIVE);
    }

    function centroidPacked(bytes32 id, uint256 n, bytes calldata x) external {
        VectorStore.centroidPacked(id, n, x, NATIVE);
    }

    function perceptronPacked(bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label, bytes calldata x)
        external returns (uint256)
    {
        return VectorStore.perceptronPacked(id, bias, rate, scale, label, x, NATIVE);
    }

    function dotPacked(address owner, bytes32 id, bytes calldata x) external view returns (int256) {
        return VectorStore.dotPacked(owner, id, x, NATIVE);
    }

    function nearestPacked(address owner, uint256 divisor, bytes32[] memory ids, bytes calldata x)
        external view returns (uint256)
    {
        return VectorStore.nearestPacked(owner, divisor, ids, x, NATIVE);
    }
}
