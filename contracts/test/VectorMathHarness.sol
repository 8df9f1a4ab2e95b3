// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorMath, VectorMathUser} from "../lib/VectorMath.sol";

/// @notice Every VectorMath function as an external view, for tests and gas measurements.
///         Each takes `bool native` (true: the precompile, false: the Solidity fallback); the
///         overload without it uses the mode detected at deployment (`precompiles()`).
contract VectorMathHarness is VectorMathUser {
    function precompiles() external view returns (bool) {
        return VECTOR_PRECOMPILES;
    }

    function probe() external view returns (bool) {
        return VectorMath.precompilesAvailable();
    }

    /// @notice The gas of the library's dot alone (no ABI decoding, no calldata price).
    function dotGas(int256[] memory x, int256[] memory y, bool native) external view returns (int256 r, uint256 used) {
        used = gasleft();
        r = VectorMath.dot(x, y, native);
        used -= gasleft();
    }

    function dotPackedGas(bytes memory x, bytes memory y, bool native) external view returns (int256 r, uint256 used) {
        used = gasleft();
        r = VectorMath.dotPacked(x, y, native);
        used -= gasleft();
    }

    /// @notice A two-array operation with `b` moved away from `a` in memory, so that the library
    ///         copies them into a fresh input instead of calling the precompile over them in place;
    ///         ops: 0 dot, 1 sqDist(p1), 2 nearest(k = p1, divisor = p2), 3 perceptronUpdate(rate = p1,
    ///         scale = p2), 4 centroidUpdate(n = p1), 5 countEqual. The answer ABI-encoded.
    function apart(uint8 op, int256[] memory a, int256[] memory b, uint256 p1, uint256 p2, bool native)
        external view returns (bytes memory)
    {
        b = _moved(b);
        if (op == 0) return abi.encode(VectorMath.dot(a, b, native));
        if (op == 1) return abi.encode(VectorMath.sqDist(a, b, p1, native));
        if (op == 2) return abi.encode(VectorMath.nearest(a, b, p1, p2, native));
        if (op == 3) return abi.encode(VectorMath.perceptronUpdate(a, b, int256(p1), p2, native));
        if (op == 4) return abi.encode(VectorMath.centroidUpdate(a, b, p1, native));
        return abi.encode(VectorMath.countEqual(a, b, native));
    }

    function _moved(int256[] memory v) private pure returns (int256[] memory moved) {
        uint256[] memory spacer = new uint256[](1);
        spacer[0] = 1;
        moved = new int256[](v.length);
        for (uint256 i; i < v.length; ++i) moved[i] = v[i];
    }

    // ---------------------------------------------------------------- words layout, memory

    function dot(int256[] memory x, int256[] memory y, bool native) public view returns (int256) {
        return VectorMath.dot(x, y, native);
    }

    function dot(int256[] memory x, int256[] memory y) external view returns (int256) {
        return dot(x, y, VECTOR_PRECOMPILES);
    }

    function sqDist(int256[] memory x, int256[] memory y, uint256 divisor, bool native) public view returns (int256) {
        return VectorMath.sqDist(x, y, divisor, native);
    }

    function sqDist(int256[] memory x, int256[] memory y, uint256 divisor) external view returns (int256) {
        return sqDist(x, y, divisor, VECTOR_PRECOMPILES);
    }

    function norm(int256[] memory x, bool native) public view returns (uint256) {
        return VectorMath.norm(x, native);
    }

    function norm(int256[] memory x) external view returns (uint256) {
        return norm(x, VECTOR_PRECOMPILES);
    }

    function nearest(int256[] memory x, int256[] memory centroids, uint256 k, uint256 divisor, bool native)
        public view returns (uint256)
    {
        return VectorMath.nearest(x, centroids, k, divisor, native);
    }

    function nearest(int256[] memory x, int256[] memory centroids, uint256 k, uint256 divisor)
        external view returns (uint256)
    {
        return nearest(x, centroids, k, divisor, VECTOR_PRECOMPILES);
    }

    function perceptronUpdate(int256[] memory w, int256[] memory x, int256 rate, uint256 scale, bool native)
        public view returns (int256[] memory)
    {
        return VectorMath.perceptronUpdate(w, x, rate, scale, native);
    }

    function perceptronUpdate(int256[] memory w, int256[] memory x, int256 rate, uint256 scale)
        external view returns (int256[] memory)
    {
        return perceptronUpdate(w, x, rate, scale, VECTOR_PRECOMPILES);
    }

    function centroidUpdate(int256[] memory c, int256[] memory x, uint256 n, bool native)
        public view returns (int256[] memory)
    {
        return VectorMath.centroidUpdate(c, x, n, native);
    }

    function centroidUpdate(int256[] memory c, int256[] memory x, uint256 n) external view returns (int256[] memory) {
        return centroidUpdate(c, x, n, VECTOR_PRECOMPILES);
    }

    function sparseDot(int256[] memory w, uint256[] memory idx, bool native) public view returns (int256) {
        return VectorMath.sparseDot(w, idx, native);
    }

    function sparseDot(int256[] memory w, uint256[] memory idx) external view returns (int256) {
        return sparseDot(w, idx, VECTOR_PRECOMPILES);
    }

    function sparseDot(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool native)
        public view returns (int256)
    {
        return VectorMath.sparseDot(w, idx, vals, native);
    }

    function sparseDot(int256[] memory w, uint256[] memory idx, int256[] memory vals) external view returns (int256) {
        return sparseDot(w, idx, vals, VECTOR_PRECOMPILES);
    }

    function sparseAdd(int256[] memory w, uint256[] memory idx, int256 delta, bool native)
        public view returns (int256[] memory)
    {
        return VectorMath.sparseAdd(w, idx, delta, native);
    }

    function sparseAdd(int256[] memory w, uint256[] memory idx, int256 delta) external view returns (int256[] memory) {
        return sparseAdd(w, idx, delta, VECTOR_PRECOMPILES);
    }

    function sparseAdd(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool native)
        public view returns (int256[] memory)
    {
        return VectorMath.sparseAdd(w, idx, vals, native);
    }

    function sparseAdd(int256[] memory w, uint256[] memory idx, int256[] memory vals)
        external view returns (int256[] memory)
    {
        return sparseAdd(w, idx, vals, VECTOR_PRECOMPILES);
    }

    function argmax(int256[] memory x, bool native) public view returns (uint256) {
        return VectorMath.argmax(x, native);
    }

    function argmax(int256[] memory x) external view returns (uint256) {
        return argmax(x, VECTOR_PRECOMPILES);
    }

    function countEqual(int256[] memory x, int256[] memory y, bool native) public view returns (uint256) {
        return VectorMath.countEqual(x, y, native);
    }

    function countEqual(int256[] memory x, int256[] memory y) external view returns (uint256) {
        return countEqual(x, y, VECTOR_PRECOMPILES);
    }

    // ---------------------------------------------------------------- calldata (int64[] ABI tails)

    function dotCalldata(int64[] calldata x, int64[] calldata y, bool native) external view returns (int256) {
        return VectorMath.dotCalldata(x, y, native);
    }

    function sqDistCalldata(int64[] calldata x, int64[] calldata y, uint256 divisor, bool native)
        external view returns (int256)
    {
        return VectorMath.sqDistCalldata(x, y, divisor, native);
    }

    function argmaxCalldata(int64[] calldata x, bool native) external view returns (uint256) {
        return VectorMath.argmax(VectorMath.load(x), native);
    }

    // ---------------------------------------------------------------- packed layout

    function dotPacked(bytes calldata x, bytes calldata y, bool native) external view returns (int256) {
        return VectorMath.dotPacked(x, y, native);
    }

    function sqDistPacked(bytes calldata x, bytes calldata y, uint256 divisor, bool native)
        external view returns (int256)
    {
        return VectorMath.sqDistPacked(x, y, divisor, native);
    }

    function nearestPacked(bytes calldata x, bytes calldata centroids, uint256 k, uint256 divisor, bool native)
        external view returns (uint256)
    {
        return VectorMath.nearestPacked(x, centroids, k, divisor, native);
    }

    function normPacked(bytes calldata x, bool native) external view returns (uint256) {
        return VectorMath.normPacked(x, native);
    }

    function argmaxPacked(bytes calldata x, bool native) external view returns (uint256) {
        return VectorMath.argmaxPacked(x, native);
    }
}
