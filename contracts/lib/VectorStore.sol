// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorMath} from "./VectorMath.sol";

/// @title VectorStore: the vector store precompile (VSTORE, 0x0510) from Solidity, with a plain
///        Solidity fallback that gives exactly the same results and the same failures.
/// @notice docs/precompiles.md, "The vector store" and "The Solidity side: VectorStore". Vectors
///         are owned by the contract that writes them (these internal functions run in the
///         caller's frame, so the owner is the contract using the library) and named by a bytes32
///         id; anyone can read them.
///
/// Design
/// - Every operation takes a `bool native` flag, as VectorMath does: `true` calls the store, `false`
///   runs the fallback. Detection is done once: inherit `VectorStoreUser`, whose constructor probes
///   the store (`available()`) and keeps the answer in the immutable `VECTOR_STORE`; pass it to
///   every call. A contract deployed on a chain without the store (`sumchain node
///   --no-ml-precompiles`, any other EVM chain) keeps working, on the fallback.
/// - Fallback: the contract's own vectors live in its own storage under the namespaced root
///   `ROOT = keccak256(abi.encode(uint256(keccak256("sumchain.vectorstore")) - 1)) & ~0xff`
///   (ERC-7201). Vector `id` has its header at `base = keccak256(abi.encode(id, ROOT))`
///   (`width << 128 | length`; width 0 = absent) and its elements packed by width from `base + 1`:
///   32 / width elements per slot, element j in slot `base + 1 + j / (32/width)` at bit offset
///   `(j % (32/width)) · 8·width`, two's complement truncated to width bytes. Replacing a vector with
///   a shorter one leaves the old tail slots in place (unread: the length bounds every read).
/// - Reads of another owner's vectors: natively the store has them. The fallback cannot read
///   another contract's storage, so it calls the owner's `storedVector(id)` / `storedLength(id)`
///   (every `VectorStoreUser` has them; they answer in the owner's own mode). An owner that does not
///   answer them (no code, not a VectorStoreUser) reverts "VectorStore: owner has no vectors".
///   Owners and readers on one chain must be in the same mode to see each other's vectors natively:
///   a native read of a fallback owner sees an absent (empty) vector.
/// - Same failure, same reason, in both modes: the checks that need only the input run first, in
///   Solidity, in both modes, with one exception: natively, `addScaled`, `centroid`, `perceptron`,
///   `dot` and `nearest` leave the per-element int128 check of x (a loop, ~90k gas at d = 1000) to
///   the store, which refuses such elements by failing, and run it first on the failure path, so the
///   reason and the order of checks are the fallback's (as VectorMath does). The checks that need
///   the stored vector run on the fallback's data; on the native path, when the store call fails,
///   the library decodes the stored vector from its pseudo-account's code (`extcodecopy`, the
///   stored form of the spec) and runs the same checks, which revert with the exact reason; if they
///   pass, the store failed for lack of gas (or a write in a static call): "VectorStore: store call
///   failed".
/// - Packed layout (`...Packed`: addScaled, centroid, perceptron, dot, nearest): `bytes` of 8-byte
///   big-endian int64 elements go to the store as they are (layout 0x01); the fallback unpacks them
///   (VectorMath.unpack) and runs the words function, so results and reasons are the same. NEAREST's
///   ids travel packed too, so there each id must be below 2^63.
/// - `perceptron` is the store's PERCEPTRON op (one mistake-driven step in one pass over the weights).
/// - Arithmetic is exact as in the spec (unbounded intermediates, 512-bit and wider sums, truncating
///   division); only a stored element must fit its width and a returned scalar int256. Its 512-bit
///   division is VectorMath's internal `_div512`.
///
/// Failure reasons (both modes, in the order checked):
///   input: "VectorStore: bad packed length" (packed input not a multiple of 8 bytes; first),
///   "VectorStore: bad width", "VectorStore: zero divisor", "VectorStore: bad label" (perceptron:
///   label not 0 or 1), "VectorStore: vector too long",
///   "VectorStore: length mismatch" (indices vs values), "VectorStore: no ids",
///   "VectorStore: id out of range" (NEAREST ids must be below 2^127, 2^63 when packed),
///   "VectorStore: element out of range" (an input element outside int128),
///   "VectorStore: element does not fit" (SET: an element outside the width);
///   stored: "VectorStore: owner has no vectors" (fallback only), "VectorStore: no such vector"
///   (a write other than SET to an absent vector), "VectorStore: length mismatch",
///   "VectorStore: index out of range", "VectorStore: element does not fit" (a result outside the
///   width), "VectorStore: overflow" (a returned scalar outside int256);
///   native only: "VectorStore: store unavailable" (native = true where 0x0510 has no code),
///   "VectorStore: store call failed" (out of gas; a write in a static call).
///   A fallback write in a static call halts without a reason (SSTORE in a static frame).
library VectorStore {
    address internal constant VSTORE = address(0x0510);
    uint256 internal constant MAX_LENGTH = 65_536;

    /// ERC-7201 namespace of the fallback: keccak256(abi.encode(uint256(keccak256("sumchain.vectorstore")) - 1)) & ~0xff
    bytes32 internal constant ROOT = 0x0a9d93a034879a77b12befcdb9b021177bab5e29fd298d19aab3a3e261b8f200;

    uint8 private constant SET = 0x01;
    uint8 private constant GET = 0x02;
    uint8 private constant ADDSCALED = 0x03;
    uint8 private constant CENTROID = 0x04;
    uint8 private constant DOT = 0x05;
    uint8 private constant NEAREST = 0x06;
    uint8 private constant SPARSEADD = 0x07;
    uint8 private constant SPARSEDOT = 0x08;
    uint8 private constant LENGTH = 0x09;
    uint8 private constant PERCEPTRON = 0x0a;
    uint8 private constant WORDS = 0x00;
    uint8 private constant PACKED = 0x01;

    string private constant FAILED = "VectorStore: store call failed";
    string private constant UNAVAILABLE = "VectorStore: store unavailable";
    string private constant BAD_WIDTH = "VectorStore: bad width";
    string private constant ZERO_DIVISOR = "VectorStore: zero divisor";
    string private constant TOO_LONG = "VectorStore: vector too long";
    string private constant MISMATCH = "VectorStore: length mismatch";
    string private constant NO_IDS = "VectorStore: no ids";
    string private constant BAD_ID = "VectorStore: id out of range";
    string private constant OUT_OF_RANGE = "VectorStore: element out of range";
    string private constant NO_FIT = "VectorStore: element does not fit";
    string private constant NO_OWNER = "VectorStore: owner has no vectors";
    string private constant ABSENT = "VectorStore: no such vector";
    string private constant BAD_INDEX = "VectorStore: index out of range";
    string private constant OVERFLOW = "VectorStore: overflow";
    string private constant BAD_PACKED = "VectorStore: bad packed length";
    string private constant BAD_LABEL = "VectorStore: bad label";

    /// A stored vector as the checks see it (fallback storage, or the store's pseudo-account).
    struct Stored {
        bool present;
        uint256 width;
        int256[] v;
    }

    /// @notice Whether this chain has the store: LENGTH of an absent vector must return one word, 0.
    function available() internal view returns (bool) {
        bytes memory input = abi.encodePacked(uint8(0), LENGTH, uint256(0), bytes32(0));
        (bool ok, bytes memory out) = VSTORE.staticcall{gas: 100_000}(input);
        return ok && out.length == 32 && abi.decode(out, (uint256)) == 0;
    }

    // ------------------------------------------------------------------ writes (the caller's vectors)

    /// @notice Create or replace vector `id` with `v`, stored in `width` (8, 16 or 32) bytes per element.
    function set(bytes32 id, uint256 width, int256[] memory v, bool native) internal {
        _checkSet(width, v);
        if (!native) {
            _save(id, width, v);
            return;
        }
        uint256 start = _alloc(98 + 32 * v.length);
        uint256 p = _head(start, WORDS, SET);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, width);
        p = VectorMath._putVec(p, v);
        if (!_write(start, p)) revert(FAILED); // every rule was checked above
    }

    /// @notice v_i += trunc(x_i·rate / scale).
    function addScaled(bytes32 id, int256 rate, uint256 scale, int256[] memory x, bool native) internal {
        if (scale == 0) revert(ZERO_DIVISOR);
        if (!native) {
            _checkInput(x);
            Stored memory s = _loadOwn(id);
            _save(id, s.width, _addScaled(s, rate, scale, x));
            return;
        }
        uint256 start = _alloc(130 + 32 * x.length);
        uint256 p = _head(start, WORDS, ADDSCALED);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, uint256(rate));
        p = VectorMath._putWord(p, scale);
        p = VectorMath._putVec(p, x);
        if (!_write(start, p)) {
            _checkInput(x);
            _addScaled(_loadStore(address(this), id), rate, scale, x);
            revert(FAILED);
        }
    }

    /// @notice v_i = trunc((v_i·n + x_i) / (n + 1)).
    function centroid(bytes32 id, uint256 n, int256[] memory x, bool native) internal {
        if (!native) {
            _checkInput(x);
            Stored memory s = _loadOwn(id);
            _save(id, s.width, _centroid(s, n, x));
            return;
        }
        uint256 start = _alloc(98 + 32 * x.length);
        uint256 p = _head(start, WORDS, CENTROID);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, n);
        p = VectorMath._putVec(p, x);
        if (!_write(start, p)) {
            _checkInput(x);
            _centroid(_loadStore(address(this), id), n, x);
            revert(FAILED);
        }
    }

    /// @notice v[idx_j] += delta for each j.
    function sparseAdd(bytes32 id, int256 delta, uint256[] memory idx, bool native) internal {
        int256[] memory none;
        _sparseAdd(id, delta, idx, none, false, native);
    }

    /// @notice v[idx_j] += vals_j for each j.
    function sparseAdd(bytes32 id, uint256[] memory idx, int256[] memory vals, bool native) internal {
        _sparseAdd(id, 0, idx, vals, true, native);
    }

    // ------------------------------------------------------------------ reads (any owner's vectors)

    /// @notice The vector (empty if absent).
    function get(address owner, bytes32 id, bool native) internal view returns (int256[] memory out) {
        if (!native) return _read(owner, id);
        uint256 start = _alloc(66);
        uint256 p = _head(start, WORDS, GET);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, uint256(id));
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
    function length(address owner, bytes32 id, bool native) internal view returns (uint256) {
        if (!native) {
            if (owner == address(this)) return _header(id) & type(uint128).max;
            bytes memory ret = _askOwner(owner, abi.encodeCall(VectorStoreUser.storedLength, (id)));
            if (ret.length != 32) revert(NO_OWNER);
            return abi.decode(ret, (uint256));
        }
        uint256 start = _alloc(66);
        uint256 p = _head(start, WORDS, LENGTH);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, uint256(id));
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) revert(FAILED);
        return r;
    }

    /// @notice Σ v_i·x_i.
    function dot(address owner, bytes32 id, int256[] memory x, bool native) internal view returns (int256) {
        if (!native) {
            _checkInput(x);
            return _dot(_read(owner, id), x);
        }
        uint256 start = _alloc(98 + 32 * x.length);
        uint256 p = _head(start, WORDS, DOT);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putVec(p, x);
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) {
            _checkInput(x);
            _dot(_loadStore(owner, id).v, x);
            revert(FAILED);
        }
        return int256(r);
    }

    /// @notice The index into `ids` of the stored vector nearest to x (least Σ trunc((v_i − x_i)² /
    ///         divisor), ties to the lowest).
    function nearest(address owner, uint256 divisor, bytes32[] memory ids, int256[] memory x, bool native)
        internal view returns (uint256)
    {
        _checkNearest(divisor, ids);
        if (!native) {
            _checkInput(x);
            int256[][] memory vs = new int256[][](ids.length);
            for (uint256 j; j < ids.length; ++j) vs[j] = _read(owner, ids[j]);
            return _nearest(vs, divisor, x);
        }
        uint256 start = _alloc(130 + 32 * (ids.length + x.length));
        uint256 p = _head(start, WORDS, NEAREST);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, divisor);
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(ids)))
            mcopy(p, ids, size)
            p := add(p, size)
        }
        p = VectorMath._putVec(p, x);
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) {
            _checkInput(x);
            _nearest(_loadStores(owner, ids), divisor, x);
            revert(FAILED);
        }
        return r;
    }

    /// @notice Σ_j v[idx_j].
    function sparseDot(address owner, bytes32 id, uint256[] memory idx, bool native) internal view returns (int256) {
        int256[] memory none;
        return _sparseDotOp(owner, id, idx, none, false, native);
    }

    /// @notice Σ_j v[idx_j]·vals_j.
    function sparseDot(address owner, bytes32 id, uint256[] memory idx, int256[] memory vals, bool native)
        internal view returns (int256)
    {
        return _sparseDotOp(owner, id, idx, vals, true, native);
    }

    // ------------------------------------------------------------------ the perceptron step

    /// @notice One mistake-driven perceptron step on the caller's vector `id` (the store's
    ///         PERCEPTRON, one pass over the stored weights): returns 1 if bias + Σ v_i·x_i > 0
    ///         (v before the call), else 0; only when that differs from `label` (0 or 1),
    ///         v_i += trunc(x_i·r / scale) with r = rate for label 1, −rate for label 0.
    function perceptron(bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label, int256[] memory x, bool native)
        internal returns (uint256 prediction)
    {
        _checkPerceptron(scale, label);
        if (!native) {
            _checkInput(x);
            return _perceptronOwn(id, bias, rate, scale, label, x);
        }
        uint256 start = _alloc(194 + 32 * x.length);
        uint256 p = _perceptronHead(start, WORDS, id, bias, rate, scale, label);
        p = VectorMath._putVec(p, x);
        bool ok;
        (ok, prediction) = _perceptronCall(start, p);
        if (!ok) {
            _checkInput(x);
            _perceptron(_loadStore(address(this), id), bias, rate, scale, label, x);
            revert(FAILED);
        }
    }

    // ------------------------------------------------------------------ packed layout

    // The `...Packed` functions take `bytes` of 8-byte big-endian int64 elements (the packed layout)
    // and are the word functions' equivalents: natively the bytes go to the store as they are, the
    // fallback unpacks them and runs the words path, with the same results and reasons. First
    // check, both modes: a length not a multiple of 8 reverts "VectorStore: bad packed length".

    /// @notice `addScaled` with x packed.
    function addScaledPacked(bytes32 id, int256 rate, uint256 scale, bytes memory x, bool native) internal {
        _checkPacked(x);
        if (!native) return addScaled(id, rate, scale, VectorMath.unpack(x), false);
        if (scale == 0) revert(ZERO_DIVISOR);
        uint256 start = _alloc(130 + x.length);
        uint256 p = _head(start, PACKED, ADDSCALED);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, uint256(rate));
        p = VectorMath._putWord(p, scale);
        p = VectorMath._putPacked(p, x);
        if (!_write(start, p)) {
            _addScaled(_loadStore(address(this), id), rate, scale, VectorMath.unpack(x));
            revert(FAILED);
        }
    }

    /// @notice `centroid` with x packed.
    function centroidPacked(bytes32 id, uint256 n, bytes memory x, bool native) internal {
        _checkPacked(x);
        if (!native) return centroid(id, n, VectorMath.unpack(x), false);
        uint256 start = _alloc(98 + x.length);
        uint256 p = _head(start, PACKED, CENTROID);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, n);
        p = VectorMath._putPacked(p, x);
        if (!_write(start, p)) {
            _centroid(_loadStore(address(this), id), n, VectorMath.unpack(x));
            revert(FAILED);
        }
    }

    /// @notice `perceptron` with x packed.
    function perceptronPacked(bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label, bytes memory x, bool native)
        internal returns (uint256)
    {
        _checkPacked(x);
        if (!native) return perceptron(id, bias, rate, scale, label, VectorMath.unpack(x), false);
        _checkPerceptron(scale, label);
        uint256 start = _alloc(194 + x.length);
        uint256 p = _perceptronHead(start, PACKED, id, bias, rate, scale, label);
        p = VectorMath._putPacked(p, x);
        (bool ok, uint256 prediction) = _perceptronCall(start, p);
        if (!ok) {
            _perceptron(_loadStore(address(this), id), bias, rate, scale, label, VectorMath.unpack(x));
            revert(FAILED);
        }
        return prediction;
    }

    /// @notice `dot` with x packed.
    function dotPacked(address owner, bytes32 id, bytes memory x, bool native) internal view returns (int256) {
        _checkPacked(x);
        if (!native) return dot(owner, id, VectorMath.unpack(x), false);
        uint256 start = _alloc(98 + x.length);
        uint256 p = _head(start, PACKED, DOT);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putPacked(p, x);
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) {
            _dot(_loadStore(owner, id).v, VectorMath.unpack(x));
            revert(FAILED);
        }
        return int256(r);
    }

    /// @notice `nearest` with x packed. The ids travel packed too, as int64 elements: each must be
    ///         below 2^63 ("VectorStore: id out of range").
    function nearestPacked(address owner, uint256 divisor, bytes32[] memory ids, bytes memory x, bool native)
        internal view returns (uint256)
    {
        _checkPacked(x);
        _checkNearest(divisor, ids);
        for (uint256 j; j < ids.length; ++j) {
            if (uint256(ids[j]) >= 1 << 63) revert(BAD_ID);
        }
        if (!native) return nearest(owner, divisor, ids, VectorMath.unpack(x), false);
        uint256 start = _alloc(130 + 8 * ids.length + x.length);
        uint256 p = _head(start, PACKED, NEAREST);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, divisor);
        p = VectorMath._putWord(p, ids.length);
        for (uint256 j; j < ids.length; ++j) {
            uint256 id = uint256(ids[j]);
            assembly ("memory-safe") { mstore(p, shl(192, id)) }
            p += 8;
        }
        p = VectorMath._putPacked(p, x);
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) {
            _nearest(_loadStores(owner, ids), divisor, VectorMath.unpack(x));
            revert(FAILED);
        }
        return r;
    }

    // ------------------------------------------------------------------ the two paths of the perceptron step

    function _perceptronOwn(bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label, int256[] memory x)
        private returns (uint256 prediction)
    {
        Stored memory s = _loadOwn(id);
        int256[] memory out;
        (prediction, out) = _perceptron(s, bias, rate, scale, label, x);
        if (prediction != label) _save(id, s.width, out);
    }

    function _perceptronHead(uint256 start, uint8 layout, bytes32 id, int256 bias, int256 rate, uint256 scale, uint256 label)
        private pure returns (uint256 p)
    {
        p = _head(start, layout, PERCEPTRON);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, uint256(bias));
        p = VectorMath._putWord(p, uint256(rate));
        p = VectorMath._putWord(p, scale);
        p = VectorMath._putWord(p, label);
    }

    /// The PERCEPTRON write of the input [start, end): false when the store fails (the caller finds
    /// the reason); reverts "store unavailable" when 0x0510 answers nothing.
    function _perceptronCall(uint256 start, uint256 end) private returns (bool ok, uint256 prediction) {
        uint256 size;
        assembly ("memory-safe") {
            ok := call(gas(), 0x0510, 0, start, sub(end, start), 0, 0)
            size := returndatasize()
            if eq(size, 0x20) {
                returndatacopy(0, 0, 0x20)
                prediction := mload(0)
            }
            mstore(0x40, start)
        }
        if (ok && size != 32) revert(UNAVAILABLE);
    }

    // ------------------------------------------------------------------ the two paths of the sparse ops

    function _sparseAdd(bytes32 id, int256 delta, uint256[] memory idx, int256[] memory vals, bool hasValues, bool native)
        private
    {
        _checkSparseInput(idx, vals, hasValues);
        if (!native) {
            Stored memory s = _loadOwn(id);
            _save(id, s.width, _sparseAddCompute(s, delta, idx, vals, hasValues));
            return;
        }
        uint256 start = _alloc(162 + 32 * (idx.length + vals.length));
        uint256 p = _head(start, WORDS, SPARSEADD);
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, uint256(delta));
        p = VectorMath._putWord(p, hasValues ? 1 : 0);
        p = VectorMath._putUVec(p, idx);
        if (hasValues) p = VectorMath._putVec(p, vals);
        if (!_write(start, p)) {
            _sparseAddCompute(_loadStore(address(this), id), delta, idx, vals, hasValues);
            revert(FAILED);
        }
    }

    function _sparseDotOp(address owner, bytes32 id, uint256[] memory idx, int256[] memory vals, bool hasValues, bool native)
        private view returns (int256)
    {
        _checkSparseInput(idx, vals, hasValues);
        if (!native) return _sparseDot(_read(owner, id), idx, vals, hasValues);
        uint256 start = _alloc(162 + 32 * (idx.length + vals.length));
        uint256 p = _head(start, WORDS, SPARSEDOT);
        p = VectorMath._putWord(p, uint256(uint160(owner)));
        p = VectorMath._putWord(p, uint256(id));
        p = VectorMath._putWord(p, hasValues ? 1 : 0);
        p = VectorMath._putUVec(p, idx);
        if (hasValues) p = VectorMath._putVec(p, vals);
        (bool ok, uint256 r) = _scalar(start, p);
        if (!ok) {
            _sparseDot(_loadStore(owner, id).v, idx, vals, hasValues);
            revert(FAILED);
        }
        return int256(r);
    }

    // ------------------------------------------------------------------ input checks (both modes)

    function _checkInput(int256[] memory x) private pure {
        if (x.length > MAX_LENGTH) revert(TOO_LONG);
        uint256 bad;
        assembly ("memory-safe") {
            let px := add(x, 0x20)
            for { let end := add(px, shl(5, mload(x))) } lt(px, end) { px := add(px, 0x20) } {
                let a := mload(px)
                bad := or(bad, xor(a, signextend(15, a)))
            }
        }
        if (bad != 0) revert(OUT_OF_RANGE);
    }

    /// Length, then every element in int128 ("element out of range"), then every element fits
    /// `width` bytes ("element does not fit"; SET's rule), in one pass.
    function _checkInput(int256[] memory x, uint256 width) private pure {
        if (x.length > MAX_LENGTH) revert(TOO_LONG);
        uint256 bad;
        uint256 wide;
        assembly ("memory-safe") {
            let ext := sub(width, 1)
            let px := add(x, 0x20)
            for { let end := add(px, shl(5, mload(x))) } lt(px, end) { px := add(px, 0x20) } {
                let a := mload(px)
                bad := or(bad, xor(a, signextend(15, a)))
                wide := or(wide, xor(a, signextend(ext, a)))
            }
        }
        if (bad != 0) revert(OUT_OF_RANGE);
        if (wide != 0) revert(NO_FIT);
    }

    function _checkSet(uint256 width, int256[] memory v) private pure {
        if (width != 8 && width != 16 && width != 32) revert(BAD_WIDTH);
        if (width == 8) _checkInput(v, 8);
        else _checkInput(v); // int128 fits 16 and 32 bytes
    }

    function _checkNearest(uint256 divisor, bytes32[] memory ids) private pure {
        if (divisor == 0) revert(ZERO_DIVISOR);
        if (ids.length > MAX_LENGTH) revert(TOO_LONG);
        if (ids.length == 0) revert(NO_IDS);
        for (uint256 j; j < ids.length; ++j) {
            if (uint256(ids[j]) >= 1 << 127) revert(BAD_ID);
        }
    }

    function _checkPerceptron(uint256 scale, uint256 label) private pure {
        if (scale == 0) revert(ZERO_DIVISOR);
        if (label > 1) revert(BAD_LABEL);
    }

    /// A packed input: whole 8-byte elements, at most MAX_LENGTH of them (int64 elements are in int128).
    function _checkPacked(bytes memory x) private pure {
        if (x.length % 8 != 0) revert(BAD_PACKED);
        if (x.length / 8 > MAX_LENGTH) revert(TOO_LONG);
    }

    function _checkSparseInput(uint256[] memory idx, int256[] memory vals, bool hasValues) private pure {
        if (idx.length > MAX_LENGTH) revert(TOO_LONG);
        if (hasValues) {
            if (vals.length != idx.length) revert(MISMATCH);
            _checkInput(vals);
        }
    }

    function _fits(int256 a, uint256 width) private pure returns (bool r) {
        assembly ("memory-safe") {
            r := or(eq(width, 32), eq(a, signextend(sub(width, 1), a)))
        }
    }

    // ------------------------------------------------------------------ the ops on a stored vector (both modes)

    function _present(Stored memory s, uint256 d) private pure {
        if (!s.present) revert(ABSENT);
        if (s.v.length != d) revert(MISMATCH);
    }

    function _addScaled(Stored memory s, int256 rate, uint256 scale, int256[] memory x)
        private pure returns (int256[] memory out)
    {
        _present(s, x.length);
        out = s.v;
        uint256 width = s.width;
        if (rate == int256(int128(rate)) && scale < 1 << 255) {
            // Fast path: |x_i·rate| ≤ 2^254 never wraps and sdiv truncates toward zero, as the spec.
            uint256 flags;
            assembly ("memory-safe") {
                let ext := sub(width, 1)
                let pv := add(out, 0x20)
                let px := add(x, 0x20)
                for { let end := add(pv, shl(5, mload(out))) } lt(pv, end) {
                    pv := add(pv, 0x20)
                    px := add(px, 0x20)
                } {
                    let a := mload(pv)
                    let t := sdiv(mul(mload(px), rate), scale)
                    let r := add(a, t)
                    // a signed overflow of a + t, or a result that does not fit the width
                    flags := or(flags, or(xor(slt(r, a), slt(t, 0)), xor(r, signextend(ext, r))))
                    mstore(pv, r)
                }
            }
            if (flags != 0) revert(NO_FIT);
            return out;
        }
        bool bad;
        for (uint256 i; i < out.length; ++i) {
            (bool fits, int256 r) = _scaled(out[i], x[i], rate, scale, width);
            if (!fits) { bad = true; break; }
            out[i] = r;
        }
        if (bad) revert(NO_FIT);
    }

    /// v + trunc(x·rate / scale), and whether it fits `width`.
    function _scaled(int256 v, int256 x, int256 rate, uint256 scale, uint256 width)
        private pure returns (bool, int256)
    {
        (uint256 hi, uint256 lo) = _mul(x, rate);
        (bool fits, uint256 q) = _divMag(hi, lo, scale);
        if (!fits) return (false, 0); // |term| ≥ 2^256: v + term is outside int256
        (hi, lo) = _signed(q, int256(hi) < 0);
        (hi, lo) = _add(hi, lo, v);
        int256 r;
        (fits, r) = _toInt(hi, lo);
        return (fits && _fits(r, width), r);
    }

    function _centroid(Stored memory s, uint256 n, int256[] memory x) private pure returns (int256[] memory out) {
        _present(s, x.length);
        out = s.v;
        bool bad;
        for (uint256 i; i < out.length; ++i) {
            (uint256 hi, uint256 lo) = _mulU(out[i], n);
            (hi, lo) = _add(hi, lo, x[i]);
            bool negative = int256(hi) < 0;
            if (negative) (hi, lo) = _neg(hi, lo);
            uint256 q;
            if (n == type(uint256).max) {
                q = hi; // divisor 2^256
            } else {
                (, q) = VectorMath._div512(hi, lo, n + 1); // a weighted mean of v_i and x_i: fits int256
            }
            int256 r;
            unchecked { r = negative ? int256(0 - q) : int256(q); }
            if (!_fits(r, s.width)) bad = true;
            out[i] = r;
        }
        if (bad) revert(NO_FIT);
    }

    function _sparseAddCompute(Stored memory s, int256 delta, uint256[] memory idx, int256[] memory vals, bool hasValues)
        private pure returns (int256[] memory out)
    {
        if (!s.present) revert(ABSENT);
        out = s.v;
        uint256 d = out.length;
        for (uint256 j; j < idx.length; ++j) {
            if (idx[j] >= d) revert(BAD_INDEX);
        }
        // Per element: the sum of its values (|Σ| < 2^144, no wrap), or the count of its delta.
        int256[] memory add = new int256[](d);
        unchecked {
            for (uint256 j; j < idx.length; ++j) add[idx[j]] += hasValues ? vals[j] : int256(1);
        }
        uint256 width = s.width;
        for (uint256 i; i < d; ++i) {
            int256 a = add[i];
            if (a == 0) continue;
            (bool fits, int256 r) = _added(out[i], hasValues ? int256(1) : delta, a, width);
            if (!fits) revert(NO_FIT);
            out[i] = r;
        }
    }

    /// v + factor·a, and whether it fits `width`.
    function _added(int256 v, int256 factor, int256 a, uint256 width) private pure returns (bool, int256) {
        (uint256 hi, uint256 lo) = _mul(factor, a);
        (hi, lo) = _add(hi, lo, v);
        (bool fits, int256 r) = _toInt(hi, lo);
        return (fits && _fits(r, width), r);
    }

    function _dot(int256[] memory v, int256[] memory x) private pure returns (int256) {
        (uint256 hi, uint256 lo) = _dot512(v, x);
        return _result(hi, lo);
    }

    /// Σ v_i·x_i as signed 512 bits (hi, lo), exact.
    function _dot512(int256[] memory v, int256[] memory x) private pure returns (uint256 hi, uint256 lo) {
        if (v.length != x.length) revert(MISMATCH);
        {
            // Fast path, stored elements in int128 (always for widths 8 and 16): products of int128
            // elements never wrap; a signed 512-bit sum as in VectorMath.dotFallback.
            uint256 wide;
            int256 shi;
            uint256 slo;
            assembly ("memory-safe") {
                let pv := add(v, 0x20)
                let px := add(x, 0x20)
                for { let end := add(pv, shl(5, mload(v))) } lt(pv, end) {
                    pv := add(pv, 0x20)
                    px := add(px, 0x20)
                } {
                    let a := mload(pv)
                    wide := or(wide, xor(a, signextend(15, a)))
                    let product := mul(a, mload(px))
                    let next := add(slo, product)
                    shi := sub(add(shi, lt(next, slo)), slt(product, 0))
                    slo := next
                }
            }
            if (wide == 0) return (uint256(shi), slo);
        }
        for (uint256 i; i < v.length; ++i) {
            (uint256 phi, uint256 plo) = _mul(v[i], x[i]);
            (hi, lo) = _add512(hi, lo, phi, plo);
        }
    }

    /// The perceptron step on a stored vector: the prediction (1 if bias + Σ v_i·x_i > 0), and the
    /// updated vector when it differs from `label` (unchanged `s.v` otherwise).
    function _perceptron(Stored memory s, int256 bias, int256 rate, uint256 scale, uint256 label, int256[] memory x)
        private pure returns (uint256 prediction, int256[] memory out)
    {
        _present(s, x.length);
        (uint256 hi, uint256 lo) = _dot512(s.v, x);
        (hi, lo) = _add(hi, lo, bias);
        prediction = int256(hi) > 0 || (hi == 0 && lo != 0) ? 1 : 0;
        if (prediction == label) return (prediction, s.v);
        if (label == 1) return (prediction, _addScaled(s, rate, scale, x));
        if (rate != type(int256).min) return (prediction, _addScaled(s, -rate, scale, x));
        // trunc(x·(−rate)/scale) = trunc((−x)·rate/scale), and −x_i never overflows (x in int128)
        int256[] memory negated = new int256[](x.length);
        for (uint256 i; i < x.length; ++i) negated[i] = -x[i];
        return (prediction, _addScaled(s, rate, scale, negated));
    }

    function _sparseDot(int256[] memory v, uint256[] memory idx, int256[] memory vals, bool hasValues)
        private pure returns (int256)
    {
        uint256 d = v.length;
        for (uint256 j; j < idx.length; ++j) {
            if (idx[j] >= d) revert(BAD_INDEX);
        }
        uint256 hi;
        uint256 lo;
        for (uint256 j; j < idx.length; ++j) {
            int256 w = v[idx[j]];
            (uint256 phi, uint256 plo) = hasValues ? _mul(w, vals[j]) : _fromInt(w);
            (hi, lo) = _add512(hi, lo, phi, plo);
        }
        return _result(hi, lo);
    }

    function _nearest(int256[][] memory vs, uint256 divisor, int256[] memory x) private pure returns (uint256 best) {
        for (uint256 j; j < vs.length; ++j) {
            if (vs[j].length != x.length) revert(MISMATCH);
        }
        // Distances are unbounded: up to 65,536 terms below 2^512 each, kept in three words.
        uint256 b2;
        uint256 b1;
        uint256 b0;
        for (uint256 j; j < vs.length; ++j) {
            (uint256 a2, uint256 a1, uint256 a0) = _distance(vs[j], x, divisor);
            if (j == 0 || a2 < b2 || (a2 == b2 && (a1 < b1 || (a1 == b1 && a0 < b0)))) {
                (best, b2, b1, b0) = (j, a2, a1, a0);
            }
        }
    }

    /// Σ trunc((v_i − x_i)² / divisor) as 768 bits (a2, a1, a0).
    function _distance(int256[] memory v, int256[] memory x, uint256 divisor)
        private pure returns (uint256 a2, uint256 a1, uint256 a0)
    {
        for (uint256 i; i < v.length; ++i) {
            (uint256 qhi, uint256 qlo) = _term(v[i], x[i], divisor);
            unchecked {
                uint256 n0 = a0 + qlo;
                uint256 c = n0 < a0 ? 1 : 0;
                a0 = n0;
                uint256 n1 = a1 + qhi;
                uint256 c2 = n1 < a1 ? 1 : 0;
                uint256 n1c = n1 + c;
                if (n1c < n1) c2 += 1;
                a1 = n1c;
                a2 += c2;
            }
        }
    }

    /// floor((a − b)² / divisor) as 512 bits.
    function _term(int256 a, int256 b, uint256 divisor) private pure returns (uint256 qhi, uint256 qlo) {
        uint256 diff;
        unchecked { diff = a >= b ? uint256(a) - uint256(b) : uint256(b) - uint256(a); }
        (uint256 hi, uint256 lo) = _mul512(diff, diff);
        qhi = hi / divisor;
        (, qlo) = VectorMath._div512(hi % divisor, lo, divisor);
    }

    // ------------------------------------------------------------------ exact arithmetic (512-bit two's complement hi·2^256 + lo)

    function _abs(int256 a) private pure returns (uint256) {
        unchecked { return a < 0 ? 0 - uint256(a) : uint256(a); }
    }

    function _mul512(uint256 a, uint256 b) private pure returns (uint256 hi, uint256 lo) {
        assembly ("memory-safe") {
            lo := mul(a, b)
            let mm := mulmod(a, b, not(0))
            hi := sub(sub(mm, lo), lt(mm, lo))
        }
    }

    function _neg(uint256 hi, uint256 lo) private pure returns (uint256, uint256) {
        unchecked { return (~hi + (lo == 0 ? 1 : 0), 0 - lo); }
    }

    function _signed(uint256 magnitude, bool negative) private pure returns (uint256, uint256) {
        return negative ? _neg(0, magnitude) : (0, magnitude);
    }

    function _fromInt(int256 a) private pure returns (uint256, uint256) {
        return (a < 0 ? type(uint256).max : 0, uint256(a));
    }

    /// a·b, exact.
    function _mul(int256 a, int256 b) private pure returns (uint256 hi, uint256 lo) {
        (hi, lo) = _mul512(_abs(a), _abs(b));
        if ((a < 0) != (b < 0)) (hi, lo) = _neg(hi, lo);
    }

    /// a·n for an unsigned n, exact (|a·n| < 2^511).
    function _mulU(int256 a, uint256 n) private pure returns (uint256 hi, uint256 lo) {
        (hi, lo) = _mul512(_abs(a), n);
        if (a < 0) (hi, lo) = _neg(hi, lo);
    }

    function _add512(uint256 hi, uint256 lo, uint256 bhi, uint256 blo) private pure returns (uint256 rhi, uint256 rlo) {
        unchecked {
            rlo = lo + blo;
            rhi = hi + bhi + (rlo < lo ? 1 : 0);
        }
    }

    function _add(uint256 hi, uint256 lo, int256 b) private pure returns (uint256, uint256) {
        (uint256 bhi, uint256 blo) = _fromInt(b);
        return _add512(hi, lo, bhi, blo);
    }

    function _toInt(uint256 hi, uint256 lo) private pure returns (bool, int256) {
        return (hi == (int256(lo) < 0 ? type(uint256).max : 0), int256(lo));
    }

    function _result(uint256 hi, uint256 lo) private pure returns (int256) {
        (bool fits, int256 r) = _toInt(hi, lo);
        if (!fits) revert(OVERFLOW);
        return r;
    }

    /// trunc(|signed 512| / d): the magnitude's floor quotient, and false when it needs more than
    /// 256 bits. A negative (hi, lo) is divided by its magnitude (the caller keeps the sign).
    function _divMag(uint256 hi, uint256 lo, uint256 d) private pure returns (bool, uint256) {
        if (int256(hi) < 0) (hi, lo) = _neg(hi, lo);
        return VectorMath._div512(hi, lo, d);
    }

    // ------------------------------------------------------------------ fallback storage

    function _base(bytes32 id) private pure returns (uint256 base) {
        assembly ("memory-safe") {
            mstore(0x00, id)
            mstore(0x20, ROOT)
            base := keccak256(0x00, 0x40)
        }
    }

    function _header(bytes32 id) private view returns (uint256 h) {
        uint256 base = _base(id);
        assembly ("memory-safe") { h := sload(base) }
    }

    function _loadOwn(bytes32 id) private view returns (Stored memory s) {
        uint256 base = _base(id);
        uint256 h;
        assembly ("memory-safe") { h := sload(base) }
        uint256 width = h >> 128;
        s.present = width != 0;
        s.width = width;
        s.v = _loadElements(base, width, h & type(uint128).max);
    }

    function _loadElements(uint256 base, uint256 width, uint256 d) private view returns (int256[] memory v) {
        v = new int256[](d);
        if (d == 0) return v;
        assembly ("memory-safe") {
            let per := div(32, width)
            let bits := shl(3, width)
            let ext := sub(width, 1)
            let p := add(v, 0x20)
            let end := add(p, shl(5, d))
            for { let slot := add(base, 1) } lt(p, end) { slot := add(slot, 1) } {
                let w := sload(slot)
                for { let t := 0 } and(lt(t, per), lt(p, end)) { t := add(t, 1) } {
                    mstore(p, signextend(ext, shr(mul(t, bits), w)))
                    p := add(p, 0x20)
                }
            }
        }
    }

    /// Writes `v` (every element fits `width`: checked by the caller) as vector `id`.
    function _save(bytes32 id, uint256 width, int256[] memory v) private {
        uint256 base = _base(id);
        uint256 d = v.length;
        assembly ("memory-safe") {
            sstore(base, or(shl(128, width), d))
            let per := div(32, width)
            let bits := shl(3, width)
            let mask := sub(shl(bits, 1), 1) // width 32: shl(256, 1) = 0, mask = 2^256 − 1
            let p := add(v, 0x20)
            let end := add(p, shl(5, d))
            for { let slot := add(base, 1) } lt(p, end) { slot := add(slot, 1) } {
                let w := 0
                for { let t := 0 } and(lt(t, per), lt(p, end)) { t := add(t, 1) } {
                    w := or(w, shl(mul(t, bits), and(mload(p), mask)))
                    p := add(p, 0x20)
                }
                if iszero(eq(sload(slot), w)) { sstore(slot, w) }
            }
        }
    }

    /// Fallback read: this contract's storage, or the owner's `storedVector`.
    function _read(address owner, bytes32 id) private view returns (int256[] memory v) {
        if (owner == address(this)) {
            uint256 base = _base(id);
            uint256 h;
            assembly ("memory-safe") { h := sload(base) }
            return _loadElements(base, h >> 128, h & type(uint128).max);
        }
        bytes memory ret = _askOwner(owner, abi.encodeCall(VectorStoreUser.storedVector, (id)));
        if (ret.length < 64) revert(NO_OWNER);
        uint256 offset;
        uint256 n;
        assembly ("memory-safe") {
            offset := mload(add(ret, 0x20))
            n := mload(add(ret, 0x40))
        }
        if (offset != 0x20 || n > MAX_LENGTH || ret.length != 64 + 32 * n) revert(NO_OWNER);
        assembly ("memory-safe") { v := add(ret, 0x40) }
    }

    function _askOwner(address owner, bytes memory call) private view returns (bytes memory ret) {
        bool ok;
        (ok, ret) = owner.staticcall(call);
        if (!ok) revert(NO_OWNER);
    }

    // ------------------------------------------------------------------ the store's stored form (native diagnosis)

    /// Owner's vector as the store keeps it: the code of keccak256("sumchain.vector" ‖ owner ‖ id)[12:]
    /// = 0xfe ‖ width ‖ d × width-byte big-endian elements.
    function _loadStore(address owner, bytes32 id) private view returns (Stored memory s) {
        address account = address(uint160(uint256(keccak256(abi.encodePacked("sumchain.vector", owner, id)))));
        uint256 size = account.code.length;
        if (size < 2) return s;
        bytes memory code = account.code;
        uint256 width = uint8(code[1]);
        uint256 d = (size - 2) / width;
        s.present = true;
        s.width = width;
        s.v = new int256[](d);
        int256[] memory v = s.v;
        assembly ("memory-safe") {
            let src := add(code, 0x22)
            let shift := shl(3, sub(32, width))
            let ext := sub(width, 1)
            for { let i := 0 } lt(i, d) { i := add(i, 1) } {
                let w := shr(shift, mload(add(src, mul(i, width))))
                mstore(add(add(v, 0x20), shl(5, i)), signextend(ext, w))
            }
        }
    }

    function _loadStores(address owner, bytes32[] memory ids) private view returns (int256[][] memory vs) {
        vs = new int256[][](ids.length);
        for (uint256 j; j < ids.length; ++j) vs[j] = _loadStore(owner, ids[j]).v;
    }

    // ------------------------------------------------------------------ native plumbing

    function _alloc(uint256 size) private pure returns (uint256 start) {
        assembly ("memory-safe") {
            start := mload(0x40)
            mstore(0x40, add(start, and(add(size, 31), not(31))))
        }
    }

    /// the layout byte, then the op byte
    function _head(uint256 p, uint8 layout, uint8 op) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore8(p, layout)
            mstore8(add(p, 1), op)
        }
        return p + 2;
    }

    /// A write: false when the store fails; reverts "store unavailable" when 0x0510 answers nothing.
    function _write(uint256 start, uint256 end) private returns (bool ok) {
        uint256 size;
        assembly ("memory-safe") {
            ok := call(gas(), 0x0510, 0, start, sub(end, start), 0, 0)
            size := returndatasize()
            mstore(0x40, start)
        }
        if (ok && size != 32) revert(UNAVAILABLE); // a write answers the stored length; an empty account, nothing
    }

    function _scalar(uint256 start, uint256 end) private view returns (bool ok, uint256 r) {
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
        if (ok && size != 32) revert(UNAVAILABLE);
    }
}

/// @notice Inherit to get `VECTOR_STORE`, probed once at deployment, and the two views through
///         which fallback-mode contracts read this contract's vectors.
abstract contract VectorStoreUser {
    bool internal immutable VECTOR_STORE;

    constructor() {
        VECTOR_STORE = VectorStore.available();
    }

    /// @notice The mode this contract keeps its vectors in (override to force the fallback).
    function _vectorStoreNative() internal view virtual returns (bool) {
        return VECTOR_STORE;
    }

    /// @notice This contract's vector `id` (empty if absent), for readers in fallback mode.
    function storedVector(bytes32 id) external view returns (int256[] memory) {
        return VectorStore.get(address(this), id, _vectorStoreNative());
    }

    /// @notice Its number of elements (0 if absent).
    function storedLength(bytes32 id) external view returns (uint256) {
        return VectorStore.length(address(this), id, _vectorStoreNative());
    }
}
