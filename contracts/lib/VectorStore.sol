// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

/// @title VectorStore: the vector store precompile (VSTORE, 0x0510) from Solidity.
/// @notice docs/precompiles.md, "The vector store". Vectors are owned by the contract that writes
///         them (these internal functions run in the caller's frame, so the owner is the contract
///         using the library) and named by a bytes32 id; anyone can read them.
///
/// Design
/// - The store has no Solidity fallback (it is state kept as account code; a contract that must run
///   on plain EVM chains keeps its vectors in storage and uses VectorMath). Probe once with
///   `available()` (inherit `VectorStoreUser`: immutable `VECTOR_STORE`) and call these functions
///   only when it is true; on a chain without the store every call reverts with
///   "VectorStore: store unavailable" (a write answers the stored length, an empty account nothing).
/// - Inputs use the words layout, built with `mcopy` from the memory arrays; outputs are read in
///   place. Checks made before the call, with reasons: "VectorStore: vector too long",
///   "VectorStore: length mismatch", "VectorStore: zero divisor", "VectorStore: bad width",
///   "VectorStore: id out of range" (NEAREST ids must be below 2^127). Anything else the store
///   rejects (an absent vector, an element that does not fit, an index out of range, a write in a
///   static call, a result outside int256) reverts with "VectorStore: store call failed".
library VectorStore {
    address internal constant VSTORE = address(0x0510);
    uint256 internal constant MAX_LENGTH = 65_536;

    uint8 private constant SET = 0x01;
    uint8 private constant GET = 0x02;
    uint8 private constant ADDSCALED = 0x03;
    uint8 private constant CENTROID = 0x04;
    uint8 private constant DOT = 0x05;
    uint8 private constant NEAREST = 0x06;
    uint8 private constant SPARSEADD = 0x07;
    uint8 private constant SPARSEDOT = 0x08;
    uint8 private constant LENGTH = 0x09;

    string private constant FAILED = "VectorStore: store call failed";
    string private constant UNAVAILABLE = "VectorStore: store unavailable";

    /// @notice Whether this chain has the store: LENGTH of an absent vector must return one word, 0.
    function available() internal view returns (bool) {
        bytes memory input = abi.encodePacked(uint8(0), LENGTH, uint256(0), bytes32(0));
        (bool ok, bytes memory out) = VSTORE.staticcall{gas: 100_000}(input);
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 0;
    }

    // ------------------------------------------------------------------ writes (the caller's vectors)

    /// @notice Create or replace vector `id` with `v`, stored in `width` (8, 16 or 32) bytes per element.
    function set(bytes32 id, uint256 width, int256[] memory v) internal {
        if (width != 8 && width != 16 && width != 32) revert("VectorStore: bad width");
        _checkLength(v.length);
        uint256 start = _alloc(98 + 32 * v.length);
        uint256 p = _head(start, SET);
        p = _word(p, uint256(id));
        p = _word(p, width);
        p = _vec(p, v);
        _write(start, p);
    }

    /// @notice v_i += trunc(x_i·rate / scale).
    function addScaled(bytes32 id, int256 rate, uint256 scale, int256[] memory x) internal {
        if (scale == 0) revert("VectorStore: zero divisor");
        _checkLength(x.length);
        uint256 start = _alloc(130 + 32 * x.length);
        uint256 p = _head(start, ADDSCALED);
        p = _word(p, uint256(id));
        p = _word(p, uint256(rate));
        p = _word(p, scale);
        p = _vec(p, x);
        _write(start, p);
    }

    /// @notice v_i = trunc((v_i·n + x_i) / (n + 1)).
    function centroid(bytes32 id, uint256 n, int256[] memory x) internal {
        _checkLength(x.length);
        uint256 start = _alloc(98 + 32 * x.length);
        uint256 p = _head(start, CENTROID);
        p = _word(p, uint256(id));
        p = _word(p, n);
        p = _vec(p, x);
        _write(start, p);
    }

    /// @notice v[idx_j] += delta for each j.
    function sparseAdd(bytes32 id, int256 delta, uint256[] memory idx) internal {
        _checkLength(idx.length);
        uint256 start = _alloc(130 + 32 * idx.length);
        uint256 p = _head(start, SPARSEADD);
        p = _word(p, uint256(id));
        p = _word(p, uint256(delta));
        p = _word(p, 0);
        p = _uvec(p, idx);
        _write(start, p);
    }

    /// @notice v[idx_j] += vals_j for each j.
    function sparseAdd(bytes32 id, uint256[] memory idx, int256[] memory vals) internal {
        _checkLength(idx.length);
        if (vals.length != idx.length) revert("VectorStore: length mismatch");
        uint256 start = _alloc(162 + 32 * (idx.length + vals.length));
        uint256 p = _head(start, SPARSEADD);
        p = _word(p, uint256(id));
        p = _word(p, 0);
        p = _word(p, 1);
        p = _uvec(p, idx);
        p = _vec(p, vals);
        _write(start, p);
    }

    // ------------------------------------------------------------------ reads (any owner's vectors)

    /// @notice The vector (empty if absent).
    function get(address owner, bytes32 id) internal view returns (int256[] memory out) {
        uint256 start = _alloc(66);
        uint256 p = _head(start, GET);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, uint256(id));
        bool ok;
        bool wellFormed;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x0510, start, sub(p, start), 0, 0)
            let size := returndatasize()
            if and(ok, gt(size, 0x3f)) {
                returndatacopy(start, 0x20, sub(size, 0x20))
                out := start
                wellFormed := eq(size, add(0x40, shl(5, mload(start))))
                mstore(0x40, add(start, sub(size, 0x20)))
            }
        }
        if (!ok) revert(FAILED);
        if (!wellFormed) revert(UNAVAILABLE);
    }

    /// @notice Its number of elements (0 if absent).
    function length(address owner, bytes32 id) internal view returns (uint256) {
        uint256 start = _alloc(66);
        uint256 p = _head(start, LENGTH);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, uint256(id));
        return _scalar(start, p);
    }

    /// @notice Σ v_i·x_i.
    function dot(address owner, bytes32 id, int256[] memory x) internal view returns (int256) {
        _checkLength(x.length);
        uint256 start = _alloc(98 + 32 * x.length);
        uint256 p = _head(start, DOT);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, uint256(id));
        p = _vec(p, x);
        return int256(_scalar(start, p));
    }

    /// @notice The index into `ids` of the stored vector nearest to x (ties to the lowest).
    function nearest(address owner, uint256 divisor, bytes32[] memory ids, int256[] memory x)
        internal view returns (uint256)
    {
        if (divisor == 0) revert("VectorStore: zero divisor");
        _checkLength(ids.length);
        _checkLength(x.length);
        for (uint256 j; j < ids.length; ++j) {
            if (uint256(ids[j]) >= 1 << 127) revert("VectorStore: id out of range");
        }
        uint256 start = _alloc(130 + 32 * (ids.length + x.length));
        uint256 p = _head(start, NEAREST);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, divisor);
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(ids)))
            mcopy(p, ids, size)
            p := add(p, size)
        }
        p = _vec(p, x);
        return _scalar(start, p);
    }

    /// @notice Σ_j v[idx_j].
    function sparseDot(address owner, bytes32 id, uint256[] memory idx) internal view returns (int256) {
        _checkLength(idx.length);
        uint256 start = _alloc(130 + 32 * idx.length);
        uint256 p = _head(start, SPARSEDOT);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, uint256(id));
        p = _word(p, 0);
        p = _uvec(p, idx);
        return int256(_scalar(start, p));
    }

    /// @notice Σ_j v[idx_j]·vals_j.
    function sparseDot(address owner, bytes32 id, uint256[] memory idx, int256[] memory vals)
        internal view returns (int256)
    {
        _checkLength(idx.length);
        if (vals.length != idx.length) revert("VectorStore: length mismatch");
        uint256 start = _alloc(162 + 32 * (idx.length + vals.length));
        uint256 p = _head(start, SPARSEDOT);
        p = _word(p, uint256(uint160(owner)));
        p = _word(p, uint256(id));
        p = _word(p, 1);
        p = _uvec(p, idx);
        p = _vec(p, vals);
        return int256(_scalar(start, p));
    }

    // ------------------------------------------------------------------ plumbing

    function _checkLength(uint256 n) private pure {
        if (n > MAX_LENGTH) revert("VectorStore: vector too long");
    }

    function _alloc(uint256 size) private pure returns (uint256 start) {
        assembly ("memory-safe") {
            start := mload(0x40)
            mstore(0x40, add(start, and(add(size, 31), not(31))))
        }
    }

    /// layout 0x00 (words), then the op byte
    function _head(uint256 p, uint8 op) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore8(p, 0)
            mstore8(add(p, 1), op)
        }
        return p + 2;
    }

    function _word(uint256 p, uint256 value) private pure returns (uint256) {
        assembly ("memory-safe") { mstore(p, value) }
        return p + 32;
    }

    function _vec(uint256 p, int256[] memory v) private pure returns (uint256 end) {
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(v)))
            mcopy(p, v, size)
            end := add(p, size)
        }
    }

    function _uvec(uint256 p, uint256[] memory v) private pure returns (uint256 end) {
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(v)))
            mcopy(p, v, size)
            end := add(p, size)
        }
    }

    function _write(uint256 start, uint256 end) private {
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            ok := call(gas(), 0x0510, 0, start, sub(end, start), 0, 0)
            size := returndatasize()
            mstore(0x40, start)
        }
        if (!ok) revert(FAILED);
        if (size != 32) revert(UNAVAILABLE); // a write answers the stored length; an empty account, nothing
    }

    function _scalar(uint256 start, uint256 end) private view returns (uint256 r) {
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x0510, start, sub(end, start), 0, 0)
            size := returndatasize()
            if eq(size, 0x20) {
                returndatacopy(0, 0, 0x20)
                r := mload(0)
            }
            mstore(0x40, start)
        }
        if (!ok) revert(FAILED);
        if (size != 32) revert(UNAVAILABLE);
    }
}

/// @notice Inherit to get `VECTOR_STORE`, probed once at deployment.
abstract contract VectorStoreUser {
    bool internal immutable VECTOR_STORE;

    constructor() {
        VECTOR_STORE = VectorStore.available();
    }
}
