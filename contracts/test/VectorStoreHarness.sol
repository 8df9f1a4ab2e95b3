// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorStore, VectorStoreUser} from "../lib/VectorStore.sol";

/// @notice Every VectorStore function as an external function (the harness owns what it writes).
contract VectorStoreHarness is VectorStoreUser {
    function storeAvailable() external view returns (bool) {
        return VECTOR_STORE;
    }

    function set(bytes32 id, uint256 width, int256[] memory v) external {
        VectorStore.set(id, width, v);
    }

    function addScaled(bytes32 id, int256 rate, uint256 scale, int256[] memory x) external {
        VectorStore.addScaled(id, rate, scale, x);
    }

    function centroid(bytes32 id, uint256 n, int256[] memory x) external {
        VectorStore.centroid(id, n, x);
    }

    function sparseAdd(bytes32 id, int256 delta, uint256[] memory idx) external {
        VectorStore.sparseAdd(id, delta, idx);
    }

    function sparseAdd(bytes32 id, uint256[] memory idx, int256[] memory vals) external {
        VectorStore.sparseAdd(id, idx, vals);
    }

    function get(address owner, bytes32 id) external view returns (int256[] memory) {
        return VectorStore.get(owner, id);
    }

    function length(address owner, bytes32 id) external view returns (uint256) {
        return VectorStore.length(owner, id);
    }

    function dot(address owner, bytes32 id, int256[] memory x) external view returns (int256) {
        return VectorStore.dot(owner, id, x);
    }

    function nearest(address owner, uint256 divisor, bytes32[] memory ids, int256[] memory x)
        external view returns (uint256)
    {
        return VectorStore.nearest(owner, divisor, ids, x);
    }

    function sparseDot(address owner, bytes32 id, uint256[] memory idx) external view returns (int256) {
        return VectorStore.sparseDot(owner, id, idx);
    }

    function sparseDot(address owner, bytes32 id, uint256[] memory idx, int256[] memory vals)
        external view returns (int256)
    {
        return VectorStore.sparseDot(owner, id, idx, vals);
    }
}
