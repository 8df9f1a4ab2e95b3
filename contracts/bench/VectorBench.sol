// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorMath, VectorMathUser} from "../lib/VectorMath.sol";
import {VectorStore, VectorStoreUser} from "../lib/VectorStore.sol";

/// @notice Gas of each VectorMath / VectorStore operation, measured inside a transaction
///         (`sumchain bench gas`, bench/gas_vector.py). `measure(op, n, seed)` builds its inputs in
///         memory from `seed` first, then brackets only the library call with gasleft(), and emits
///         `Measured` with the gas and the operation's result (a scalar, or the keccak256 of a vector
///         result as packed int256 words). The mode is the libraries' own, probed at deployment:
///         the precompiles on `sumchain node`, the Solidity fallback on `--no-ml-precompiles`.
///
/// Inputs: element i of stream s is `value(seed, s, i)`, a splitmix64 mix of seed, s and i mapped
/// to [-1e9, 1e9] (unit scale 1e9). Streams: 1 x, 2 y, 3 centroids (k·n), 4 sparse indices
/// (value mod n), 5 sparse values, 6 stored weights, 7 store input x. countEqual's y is x with
/// every element at an index divisible by 3 increased by 1.
///
/// Ops: 0 dot, 1 sqDist (divisor 1e9), 2 norm, 3 nearest (4 centroids of dimension n, divisor
/// 1e9), 4 perceptronUpdate (rate 1e9, scale 1e9), 5 centroidUpdate (count 100), 6 sparseDot and
/// 7 sparseAdd (weights of n, max(1, n/50) indices with values), 8 argmax, 9 countEqual,
/// 10 store set (a fresh vector of n, width 8), 11 store dot (stored weights · x), 12 store
/// perceptron (one step on the stored weights, bias 1e30 and label 0: always a mistake, so the
/// weights are rewritten). Ops 11 and 12 need `prepare` first (not measured).
contract VectorBench is VectorMathUser, VectorStoreUser {
    event Measured(uint8 indexed op, uint256 n, uint256 used, bytes32 result);

    uint256 internal constant UNIT = 1e9;
    uint256 internal constant CENTROIDS = 4;
    uint256 internal constant COUNT = 100;
    uint256 internal constant WIDTH = 8;
    int256 internal constant BIAS = 1e30;

    function modes() external view returns (bool precompiles, bool store) {
        return (VECTOR_PRECOMPILES, VECTOR_STORE);
    }

    // ------------------------------------------------------------------ inputs

    /// @notice Element i of stream s for seed: splitmix64(seed·2^40 + s·2^32 + i) mapped to [-1e9, 1e9].
    function value(uint256 seed, uint256 stream, uint256 i) public pure returns (int256) {
        unchecked {
            uint256 z = (seed << 40) + (stream << 32) + i + 0x9e3779b97f4a7c15;
            z &= 0xffffffffffffffff;
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & 0xffffffffffffffff;
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & 0xffffffffffffffff;
            z ^= z >> 31;
            return int256(z % 2_000_000_001) - 1e9;
        }
    }

    /// Elements 0..n-1 of a stream (`value`, inlined in assembly: about 90 gas an element).
    function _vec(uint256 seed, uint256 stream, uint256 n) internal pure returns (int256[] memory v) {
        v = new int256[](n);
        assembly ("memory-safe") {
            let z0 := add(add(shl(40, seed), shl(32, stream)), 0x9e3779b97f4a7c15)
            let m := 0xffffffffffffffff
            let p := add(v, 0x20)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let z := and(add(z0, i), m)
                z := and(mul(xor(z, shr(30, z)), 0xbf58476d1ce4e5b9), m)
                z := and(mul(xor(z, shr(27, z)), 0x94d049bb133111eb), m)
                z := xor(z, shr(31, z))
                mstore(add(p, shl(5, i)), sub(mod(z, 2000000001), 1000000000))
            }
        }
    }

    function _indices(uint256 seed, uint256 n) internal pure returns (uint256[] memory idx) {
        uint256 m = n / 50 == 0 ? 1 : n / 50;
        idx = new uint256[](m);
        unchecked {
            for (uint256 j; j < m; ++j) idx[j] = uint256(value(seed, 4, j) + 1e9) % n;
        }
    }

    function _hash(int256[] memory v) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(v, 0x20), shl(5, mload(v)))
        }
    }

    /// @notice The store id of op's vector for (n, seed).
    function storeId(uint8 op, uint256 n, uint256 seed) public pure returns (bytes32) {
        return keccak256(abi.encode("VectorBench", op, n, seed));
    }

    // ------------------------------------------------------------------ setup (not measured)

    /// @notice Stores elements [first, first + count) of the stored weights (stream 6) of store op
    ///         `op` at (n, seed). Natively the whole vector is written at once (first 0, count n);
    ///         the fallback writes its own storage in the library's layout (width 8, four elements a
    ///         slot) in chunks, first a multiple of 4, so vectors beyond one block's gas can be set up.
    function prepare(uint8 op, uint256 n, uint256 seed, uint256 first, uint256 count) external {
        bytes32 id = storeId(op, n, seed);
        uint256 end = first + count > n ? n : first + count;
        if (VECTOR_STORE) {
            require(first == 0 && end == n, "VectorBench: native prepare is whole");
            VectorStore.set(id, WIDTH, _vec(seed, 6, n), true);
            return;
        }
        require(first % 4 == 0, "VectorBench: chunk not aligned");
        uint256 base = uint256(keccak256(abi.encode(id, VectorStore.ROOT)));
        if (first == 0) {
            uint256 header = (WIDTH << 128) | n;
            assembly ("memory-safe") { sstore(base, header) }
        }
        for (uint256 j = first; j < end; j += 4) {
            uint256 w;
            for (uint256 t; t < 4 && j + t < end; ++t) {
                w |= (uint256(value(seed, 6, j + t)) & 0xffffffffffffffff) << (64 * t);
            }
            uint256 slot = base + 1 + j / 4;
            assembly ("memory-safe") { sstore(slot, w) }
        }
    }

    // ------------------------------------------------------------------ measurement

    /// @notice Runs op on inputs of dimension n built from seed; `used` is the gas of the library
    ///         call alone.
    function measure(uint8 op, uint256 n, uint256 seed) external returns (uint256 used) {
        bytes32 result;
        if (op == 0) (used, result) = _dot(n, seed);
        else if (op == 1) (used, result) = _sqDist(n, seed);
        else if (op == 2) (used, result) = _norm(n, seed);
        else if (op == 3) (used, result) = _nearest(n, seed);
        else if (op == 4) (used, result) = _perceptronUpdate(n, seed);
        else if (op == 5) (used, result) = _centroidUpdate(n, seed);
        else if (op == 6) (used, result) = _sparseDot(n, seed);
        else if (op == 7) (used, result) = _sparseAdd(n, seed);
        else if (op == 8) (used, result) = _argmax(n, seed);
        else if (op == 9) (used, result) = _countEqual(n, seed);
        else if (op == 10) (used, result) = _storeSet(n, seed);
        else if (op == 11) (used, result) = _storeDot(n, seed);
        else if (op == 12) (used, result) = _storePerceptron(n, seed);
        else revert("VectorBench: unknown op");
        emit Measured(op, n, used, result);
    }

    function _dot(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        int256[] memory y = _vec(seed, 2, n);
        used = gasleft();
        int256 r = VectorMath.dot(x, y, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(uint256(r));
    }

    function _sqDist(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        int256[] memory y = _vec(seed, 2, n);
        used = gasleft();
        int256 r = VectorMath.sqDist(x, y, UNIT, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(uint256(r));
    }

    function _norm(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        used = gasleft();
        uint256 r = VectorMath.norm(x, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(r);
    }

    function _nearest(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        int256[] memory c = _vec(seed, 3, CENTROIDS * n);
        used = gasleft();
        uint256 r = VectorMath.nearest(x, c, CENTROIDS, UNIT, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(r);
    }

    function _perceptronUpdate(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory w = _vec(seed, 1, n);
        int256[] memory x = _vec(seed, 2, n);
        used = gasleft();
        int256[] memory r = VectorMath.perceptronUpdate(w, x, int256(UNIT), UNIT, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = _hash(r);
    }

    function _centroidUpdate(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory c = _vec(seed, 1, n);
        int256[] memory x = _vec(seed, 2, n);
        used = gasleft();
        int256[] memory r = VectorMath.centroidUpdate(c, x, COUNT, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = _hash(r);
    }

    function _sparseDot(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory w = _vec(seed, 1, n);
        uint256[] memory idx = _indices(seed, n);
        int256[] memory vals = _vec(seed, 5, idx.length);
        used = gasleft();
        int256 r = VectorMath.sparseDot(w, idx, vals, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(uint256(r));
    }

    function _sparseAdd(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory w = _vec(seed, 1, n);
        uint256[] memory idx = _indices(seed, n);
        int256[] memory vals = _vec(seed, 5, idx.length);
        used = gasleft();
        int256[] memory r = VectorMath.sparseAdd(w, idx, vals, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = _hash(r);
    }

    function _argmax(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        used = gasleft();
        uint256 r = VectorMath.argmax(x, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(r);
    }

    function _countEqual(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        int256[] memory x = _vec(seed, 1, n);
        int256[] memory y = new int256[](n);
        for (uint256 i; i < n; ++i) y[i] = i % 3 == 0 ? x[i] + 1 : x[i];
        used = gasleft();
        uint256 r = VectorMath.countEqual(x, y, VECTOR_PRECOMPILES);
        used -= gasleft();
        result = bytes32(r);
    }

    function _storeSet(uint256 n, uint256 seed) internal returns (uint256 used, bytes32 result) {
        bytes32 id = storeId(10, n, seed);
        int256[] memory v = _vec(seed, 6, n);
        used = gasleft();
        VectorStore.set(id, WIDTH, v, VECTOR_STORE);
        used -= gasleft();
        result = _hash(VectorStore.get(address(this), id, VECTOR_STORE));
    }

    function _storeDot(uint256 n, uint256 seed) internal view returns (uint256 used, bytes32 result) {
        bytes32 id = storeId(11, n, seed);
        int256[] memory x = _vec(seed, 7, n);
        used = gasleft();
        int256 r = VectorStore.dot(address(this), id, x, VECTOR_STORE);
        used -= gasleft();
        result = bytes32(uint256(r));
    }

    function _storePerceptron(uint256 n, uint256 seed) internal returns (uint256 used, bytes32 result) {
        bytes32 id = storeId(12, n, seed);
        int256[] memory x = _vec(seed, 7, n);
        used = gasleft();
        uint256 prediction = VectorStore.perceptron(id, BIAS, int256(UNIT), UNIT, 0, x, VECTOR_STORE);
        used -= gasleft();
        require(prediction == 1, "VectorBench: the step did not learn");
        result = _hash(VectorStore.get(address(this), id, VECTOR_STORE));
    }
}
