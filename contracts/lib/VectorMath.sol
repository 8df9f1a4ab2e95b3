// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

/// @title VectorMath: fixed-point vector maths on sumchain's precompiles (0x0501-0x050a), with a
///        plain Solidity fallback that gives exactly the same results and the same failures.
/// @notice The semantics are those of docs/precompiles.md: arithmetic on unbounded integers,
///         truncating division, input elements in int128, results in int256.
///
/// Design
/// - Every operation takes a `bool native` flag: `true` calls the precompile, `false` runs the
///   Solidity loops. Detection is done once, by the contract that uses the library: inherit
///   `VectorMathUser`, whose constructor probes 0x0501 (`precompilesAvailable`) and keeps the
///   answer in the immutable `VECTOR_PRECOMPILES`; pass that flag to every call. An immutable
///   costs 3 gas to read and the probe runs once, at deployment. A contract deployed on a chain
///   without the precompiles (`sumchain node --no-ml-precompiles`, any other EVM) keeps working,
///   on the fallback.
/// - Native path: the library checks lengths, divisors, emptiness and indices first (shared with
///   the fallback, so ordinary misuse reverts with the same reason in both modes), copies the
///   memory arrays into the precompile input with `mcopy` (a Solidity `int256[]` in memory is byte
///   for byte a "words" layout vector), and reads the ABI-encoded output in place. The precompile
///   also rejects elements outside int128 and results outside int256, by failing; on any failure
///   the library runs the fallback on the same input, which reverts with the exact reason
///   ("VectorMath: element out of range" or "VectorMath: overflow"). If the fallback succeeds
///   the precompile failed for lack of gas: "VectorMath: precompile failed".
/// - Fallback path: loops, no wrapping: sums are kept in 512 bits so that, as in the spec,
///   only the final result must fit in int256 (never a Solidity panic). Elements are checked to be
///   in int128 ("VectorMath: element out of range") before any overflow is reported.
/// - Packed layout (`...Packed`): `bytes` of 8-byte big-endian int64 elements go to the
///   precompile with `mcopy` unchanged (a `bytes calldata` argument is copied with calldatacopy).
/// - Input builders `_putWord`, `_putVec`, `_putUVec`, `_putPacked` are internal: VectorStore builds
///   the store's inputs with the same ones. The 512-bit division `_div512` is internal too:
///   VectorStore's exact arithmetic divides with it, one copy for both libraries.
/// - Calldata: `load(int64[] calldata)` copies an ABI tail into a memory `int256[]` with one
///   calldatacopy; `dotCalldata`/`sqDistCalldata` use it. The words are passed as they are
///   (the ABI decoder does not clean unaccessed calldata), so both modes apply the int128 rule.
///
/// Failure reasons (both modes): "VectorMath: vector too long" (over 65,536 elements),
/// "VectorMath: length mismatch", "VectorMath: zero divisor" (divisor or scale 0),
/// "VectorMath: empty vector", "VectorMath: index out of range", "VectorMath: bad packed length",
/// "VectorMath: element out of range", "VectorMath: overflow"; native only:
/// "VectorMath: precompiles unavailable" (native = true where 0x0501... have no code),
/// "VectorMath: precompile failed" (the precompile ran out of gas).
library VectorMath {
    address internal constant VDOT = address(0x0501);
    address internal constant VSQDIST = address(0x0502);
    address internal constant VNORM = address(0x0503);
    address internal constant VNEAREST = address(0x0504);
    address internal constant VPERCEPTRON = address(0x0505);
    address internal constant VCENTROID = address(0x0506);
    address internal constant VSPARSEDOT = address(0x0507);
    address internal constant VSPARSEADD = address(0x0508);
    address internal constant VARGMAX = address(0x0509);
    address internal constant VCOUNTEQ = address(0x050a);

    uint256 internal constant MAX_LENGTH = 65_536;
    uint8 private constant WORDS = 0x00;
    uint8 private constant PACKED = 0x01;

    string private constant TOO_LONG = "VectorMath: vector too long";
    string private constant MISMATCH = "VectorMath: length mismatch";
    string private constant ZERO_DIVISOR = "VectorMath: zero divisor";
    string private constant EMPTY = "VectorMath: empty vector";
    string private constant BAD_INDEX = "VectorMath: index out of range";
    string private constant BAD_PACKED = "VectorMath: bad packed length";
    string private constant OUT_OF_RANGE = "VectorMath: element out of range";
    string private constant OVERFLOW = "VectorMath: overflow";
    string private constant UNAVAILABLE = "VectorMath: precompiles unavailable";
    string private constant FAILED = "VectorMath: precompile failed";

    // ------------------------------------------------------------------ detection

    /// @notice Whether this chain has the ML precompiles: VDOT of [1, -2] and [3, 4] (the spec's
    ///         example) must succeed and return exactly -5. Call it once (a constructor).
    function precompilesAvailable() internal view returns (bool available) {
        bytes memory input = abi.encodePacked(
            uint8(WORDS), uint256(2), int256(1), int256(-2), uint256(2), int256(3), int256(4)
        );
        (bool ok, bytes memory out) = VDOT.staticcall{gas: 100_000}(input);
        return ok && out.length == 32 && abi.decode(out, (int256)) == -5;
    }

    // ------------------------------------------------------------------ calldata

    /// @notice An `int64[] calldata` (or any calldata word array) as a memory `int256[]`, copied
    ///         with one calldatacopy of its ABI tail (length word and elements).
    function load(int64[] calldata v) internal pure returns (int256[] memory out) {
        assembly ("memory-safe") {
            out := mload(0x40)
            let size := shl(5, v.length)
            mstore(out, v.length)
            calldatacopy(add(out, 0x20), v.offset, size)
            mstore(0x40, add(add(out, 0x20), size))
        }
    }

    function dotCalldata(int64[] calldata x, int64[] calldata y, bool native) internal view returns (int256) {
        return dot(load(x), load(y), native);
    }

    function sqDistCalldata(int64[] calldata x, int64[] calldata y, uint256 divisor, bool native)
        internal view returns (int256)
    {
        return sqDist(load(x), load(y), divisor, native);
    }

    // ------------------------------------------------------------------ VDOT

    /// @notice Σ x_i·y_i (0 for empty vectors).
    function dot(int256[] memory x, int256[] memory y, bool native) internal view returns (int256) {
        if (!native) return dotFallback(x, y);
        _checkPair(x.length, y.length);
        (bool ok, uint256 r) = _scalarOf(VDOT, 0, 0, 0, x, y);
        if (!ok) { dotFallback(x, y); revert(FAILED); }
        return int256(r);
    }

    function dotFallback(int256[] memory x, int256[] memory y) internal pure returns (int256) {
        _checkPair(x.length, y.length);
        int256 hi;
        uint256 lo;
        uint256 bad; // non-zero when an element is outside int128
        // The hot loop in assembly (about 8x less gas than indexed Solidity): for each i,
        // flag x_i, y_i outside int128, then add the product (|product| ≤ 2^254, no wrap for
        // int128 elements) to the 512-bit sum hi·2^256 + lo.
        assembly ("memory-safe") {
            let px := add(x, 0x20)
            let py := add(y, 0x20)
            for { let end := add(px, shl(5, mload(x))) } lt(px, end) {
                px := add(px, 0x20)
                py := add(py, 0x20)
            } {
                let a := mload(px)
                let b := mload(py)
                bad := or(bad, or(xor(a, signextend(15, a)), xor(b, signextend(15, b))))
                let product := mul(a, b)
                let next := add(lo, product)
                hi := sub(add(hi, lt(next, lo)), slt(product, 0))
                lo := next
            }
        }
        return _signedResult(bad != 0, hi, lo);
    }

    // ------------------------------------------------------------------ VSQDIST

    /// @notice Σ trunc((x_i − y_i)² / divisor); divisor ≥ 1.
    function sqDist(int256[] memory x, int256[] memory y, uint256 divisor, bool native)
        internal view returns (int256)
    {
        if (!native) return sqDistFallback(x, y, divisor);
        _checkPair(x.length, y.length);
        _checkDivisor(divisor);
        (bool ok, uint256 r) = _scalarOf(VSQDIST, 1, divisor, 0, x, y);
        if (!ok) { sqDistFallback(x, y, divisor); revert(FAILED); }
        return int256(r);
    }

    function sqDistFallback(int256[] memory x, int256[] memory y, uint256 divisor) internal pure returns (int256) {
        _checkPair(x.length, y.length);
        _checkDivisor(divisor);
        (bool bad, uint256 hi, uint256 lo) = _sqDist(x, y, 0, divisor);
        if (bad) revert(OUT_OF_RANGE);
        if (hi != 0 || lo > uint256(type(int256).max)) revert(OVERFLOW);
        return int256(lo);
    }

    // ------------------------------------------------------------------ VNORM

    /// @notice floor(sqrt(Σ x_i²)).
    function norm(int256[] memory x, bool native) internal view returns (uint256) {
        if (!native) return normFallback(x);
        _checkLength(x.length);
        (bool ok, uint256 r) = _scalarResult(_callOver(VNORM, 0, 0, 0, _at(x), _end(x)));
        if (!ok) { normFallback(x); revert(FAILED); }
        return r;
    }

    function normFallback(int256[] memory x) internal pure returns (uint256) {
        _checkLength(x.length);
        uint256 hi;
        uint256 lo;
        bool bad;
        unchecked {
            for (uint256 i; i < x.length; ++i) {
                int256 a = x[i];
                bad = bad || _outside(a);
                uint256 m = _abs(a);
                uint256 sq = m * m; // |a| ≤ 2^127: no wrap
                lo += sq;
                if (lo < sq) ++hi;
            }
        }
        if (bad) revert(OUT_OF_RANGE);
        return _sqrt512(hi, lo);
    }

    // ------------------------------------------------------------------ VNEAREST

    /// @notice The index j < k of the centroid C[j·d .. j·d+d) nearest to x (least
    ///         Σ trunc((x_i − C_{j·d+i})² / divisor)), ties to the lowest j. C.length must be k·d.
    function nearest(int256[] memory x, int256[] memory centroids, uint256 k, uint256 divisor, bool native)
        internal view returns (uint256)
    {
        if (!native) return nearestFallback(x, centroids, k, divisor);
        _checkNearest(x.length, centroids.length, k, divisor);
        (bool ok, uint256 r) = _scalarOf(VNEAREST, 2, divisor, k, x, centroids);
        if (!ok) { nearestFallback(x, centroids, k, divisor); revert(FAILED); }
        return r;
    }

    function nearestFallback(int256[] memory x, int256[] memory centroids, uint256 k, uint256 divisor)
        internal pure returns (uint256 best)
    {
        _checkNearest(x.length, centroids.length, k, divisor);
        uint256 d = x.length;
        if (d == 0) return 0; // every distance is 0: the lowest index
        bool bad;
        for (uint256 i; i < d; ++i) bad = bad || _outside(x[i]);
        uint256 bestHi;
        uint256 bestLo;
        for (uint256 j; j < k; ++j) {
            (bool b, uint256 hi, uint256 lo) = _sqDist(x, centroids, j * d, divisor);
            bad = bad || b;
            if (j == 0 || hi < bestHi || (hi == bestHi && lo < bestLo)) {
                (best, bestHi, bestLo) = (j, hi, lo);
            }
        }
        if (bad) revert(OUT_OF_RANGE);
    }

    // ------------------------------------------------------------------ VPERCEPTRON

    /// @notice w_i + trunc(x_i·rate / scale) for every i; scale ≥ 1.
    function perceptronUpdate(int256[] memory w, int256[] memory x, int256 rate, uint256 scale, bool native)
        internal view returns (int256[] memory)
    {
        if (!native) return perceptronUpdateFallback(w, x, rate, scale);
        _checkPair(w.length, x.length);
        _checkDivisor(scale);
        (bool ok, int256[] memory r) = _vectorOf(VPERCEPTRON, 2, uint256(rate), scale, w, x);
        if (!ok) { perceptronUpdateFallback(w, x, rate, scale); revert(FAILED); }
        return r;
    }

    function perceptronUpdateFallback(int256[] memory w, int256[] memory x, int256 rate, uint256 scale)
        internal pure returns (int256[] memory out)
    {
        _checkPair(w.length, x.length);
        _checkDivisor(scale);
        out = new int256[](w.length);
        bool bad;
        bool over;
        uint256 rateAbs = _abs(rate);
        for (uint256 i; i < w.length; ++i) {
            int256 wi = w[i];
            int256 xi = x[i];
            bad = bad || _outside(wi) || _outside(xi);
            (bool fits, uint256 q) = _mulDiv(_abs(xi), rateAbs, scale); // trunc = floor of magnitudes
            bool negative = (xi < 0) != (rate < 0);
            if (!fits || q > (negative ? 1 << 255 : (1 << 255) - 1)) {
                over = true;
                continue;
            }
            int256 term;
            unchecked { term = negative ? int256(0 - q) : int256(q); }
            (bool ok, int256 s) = _addSigned(wi, term);
            over = over || !ok;
            out[i] = s;
        }
        if (bad) revert(OUT_OF_RANGE);
        if (over) revert(OVERFLOW);
    }

    // ------------------------------------------------------------------ VCENTROID

    /// @notice trunc((c_i·n + x_i) / (n + 1)) for every i (a running mean after n samples).
    function centroidUpdate(int256[] memory c, int256[] memory x, uint256 n, bool native)
        internal view returns (int256[] memory)
    {
        if (!native) return centroidUpdateFallback(c, x, n);
        _checkPair(c.length, x.length);
        (bool ok, int256[] memory r) = _vectorOf(VCENTROID, 1, n, 0, c, x);
        if (!ok) { centroidUpdateFallback(c, x, n); revert(FAILED); }
        return r;
    }

    function centroidUpdateFallback(int256[] memory c, int256[] memory x, uint256 n)
        internal pure returns (int256[] memory out)
    {
        _checkPair(c.length, x.length);
        out = new int256[](c.length);
        bool bad;
        for (uint256 i; i < c.length; ++i) {
            int256 ci = c[i];
            int256 xi = x[i];
            if (_outside(ci) || _outside(xi)) {
                bad = true;
                continue;
            }
            out[i] = _centroid(ci, xi, n);
        }
        if (bad) revert(OUT_OF_RANGE);
    }

    // ------------------------------------------------------------------ VSPARSEDOT

    /// @notice Σ_j w[idx_j] (a repeated index counts each time).
    function sparseDot(int256[] memory w, uint256[] memory idx, bool native) internal view returns (int256) {
        if (!native) return sparseDotFallback(w, idx);
        _checkSparse(w.length, idx, idx.length);
        return _sparseDotNative(w, idx, new int256[](0), false);
    }

    /// @notice Σ_j w[idx_j]·vals_j.
    function sparseDot(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool native)
        internal view returns (int256)
    {
        if (!native) return sparseDotFallback(w, idx, vals);
        _checkSparse(w.length, idx, vals.length);
        return _sparseDotNative(w, idx, vals, true);
    }

    function sparseDotFallback(int256[] memory w, uint256[] memory idx) internal pure returns (int256) {
        _checkSparse(w.length, idx, idx.length);
        return _sparseDot(w, idx, new int256[](0), false);
    }

    function sparseDotFallback(int256[] memory w, uint256[] memory idx, int256[] memory vals)
        internal pure returns (int256)
    {
        _checkSparse(w.length, idx, vals.length);
        return _sparseDot(w, idx, vals, true);
    }

    // ------------------------------------------------------------------ VSPARSEADD

    /// @notice w with w[idx_j] += delta for each j, in order.
    function sparseAdd(int256[] memory w, uint256[] memory idx, int256 delta, bool native)
        internal view returns (int256[] memory)
    {
        if (!native) return sparseAddFallback(w, idx, delta);
        _checkSparse(w.length, idx, idx.length);
        return _sparseAddNative(w, idx, new int256[](0), delta, false);
    }

    /// @notice w with w[idx_j] += vals_j for each j, in order.
    function sparseAdd(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool native)
        internal view returns (int256[] memory)
    {
        if (!native) return sparseAddFallback(w, idx, vals);
        _checkSparse(w.length, idx, vals.length);
        return _sparseAddNative(w, idx, vals, 0, true);
    }

    function sparseAddFallback(int256[] memory w, uint256[] memory idx, int256 delta)
        internal pure returns (int256[] memory)
    {
        _checkSparse(w.length, idx, idx.length);
        return _sparseAdd(w, idx, new int256[](0), delta, false);
    }

    function sparseAddFallback(int256[] memory w, uint256[] memory idx, int256[] memory vals)
        internal pure returns (int256[] memory)
    {
        _checkSparse(w.length, idx, vals.length);
        return _sparseAdd(w, idx, vals, 0, true);
    }

    // ------------------------------------------------------------------ VARGMAX

    /// @notice The lowest index of the largest element; x must not be empty.
    function argmax(int256[] memory x, bool native) internal view returns (uint256) {
        if (!native) return argmaxFallback(x);
        _checkArgmax(x.length);
        (bool ok, uint256 r) = _scalarResult(_callOver(VARGMAX, 0, 0, 0, _at(x), _end(x)));
        if (!ok) { argmaxFallback(x); revert(FAILED); }
        return r;
    }

    function argmaxFallback(int256[] memory x) internal pure returns (uint256 best) {
        _checkArgmax(x.length);
        bool bad = _outside(x[0]);
        int256 top = x[0];
        for (uint256 i = 1; i < x.length; ++i) {
            int256 a = x[i];
            bad = bad || _outside(a);
            if (a > top) (best, top) = (i, a);
        }
        if (bad) revert(OUT_OF_RANGE);
    }

    // ------------------------------------------------------------------ VCOUNTEQ

    /// @notice The number of i with x_i == y_i.
    function countEqual(int256[] memory x, int256[] memory y, bool native) internal view returns (uint256) {
        if (!native) return countEqualFallback(x, y);
        _checkPair(x.length, y.length);
        (bool ok, uint256 r) = _scalarOf(VCOUNTEQ, 0, 0, 0, x, y);
        if (!ok) { countEqualFallback(x, y); revert(FAILED); }
        return r;
    }

    function countEqualFallback(int256[] memory x, int256[] memory y) internal pure returns (uint256 count) {
        _checkPair(x.length, y.length);
        bool bad;
        for (uint256 i; i < x.length; ++i) {
            int256 a = x[i];
            int256 b = y[i];
            bad = bad || _outside(a) || _outside(b);
            if (a == b) ++count;
        }
        if (bad) revert(OUT_OF_RANGE);
    }

    // ------------------------------------------------------------------ packed layout

    /// @notice `dot` of two packed vectors (bytes of 8-byte big-endian int64 elements).
    function dotPacked(bytes memory x, bytes memory y, bool native) internal view returns (int256) {
        if (!native) return dotFallback(unpack(x), unpack(y));
        _checkPair(_packedLength(x), _packedLength(y));
        uint256 start = _alloc(65 + x.length + y.length);
        uint256 p = _putPacked(_layout(start, PACKED), x);
        p = _putPacked(p, y);
        (bool ok, uint256 r) = _callScalar(VDOT, start, p);
        if (!ok) { dotFallback(unpack(x), unpack(y)); revert(FAILED); }
        return int256(r);
    }

    /// @notice `sqDist` of two packed vectors.
    function sqDistPacked(bytes memory x, bytes memory y, uint256 divisor, bool native) internal view returns (int256) {
        if (!native) return sqDistFallback(unpack(x), unpack(y), divisor);
        _checkPair(_packedLength(x), _packedLength(y));
        _checkDivisor(divisor);
        uint256 start = _alloc(97 + x.length + y.length);
        uint256 p = _putWord(_layout(start, PACKED), divisor);
        p = _putPacked(p, x);
        p = _putPacked(p, y);
        (bool ok, uint256 r) = _callScalar(VSQDIST, start, p);
        if (!ok) { sqDistFallback(unpack(x), unpack(y), divisor); revert(FAILED); }
        return int256(r);
    }

    /// @notice `norm` of a packed vector.
    function normPacked(bytes memory x, bool native) internal view returns (uint256) {
        if (!native) return normFallback(unpack(x));
        _checkLength(_packedLength(x));
        uint256 start = _alloc(33 + x.length);
        uint256 p = _putPacked(_layout(start, PACKED), x);
        (bool ok, uint256 r) = _callScalar(VNORM, start, p);
        if (!ok) { normFallback(unpack(x)); revert(FAILED); }
        return r;
    }

    /// @notice `nearest` with x and the k centroids packed.
    function nearestPacked(bytes memory x, bytes memory centroids, uint256 k, uint256 divisor, bool native)
        internal view returns (uint256)
    {
        if (!native) return nearestFallback(unpack(x), unpack(centroids), k, divisor);
        _checkNearest(_packedLength(x), _packedLength(centroids), k, divisor);
        uint256 start = _alloc(129 + x.length + centroids.length);
        uint256 p = _putWord(_layout(start, PACKED), divisor);
        p = _putWord(p, k);
        p = _putPacked(p, x);
        p = _putPacked(p, centroids);
        (bool ok, uint256 r) = _callScalar(VNEAREST, start, p);
        if (!ok) { nearestFallback(unpack(x), unpack(centroids), k, divisor); revert(FAILED); }
        return r;
    }

    /// @notice `argmax` of a packed vector.
    function argmaxPacked(bytes memory x, bool native) internal view returns (uint256) {
        if (!native) return argmaxFallback(unpack(x));
        _checkArgmax(_packedLength(x));
        uint256 start = _alloc(33 + x.length);
        uint256 p = _putPacked(_layout(start, PACKED), x);
        (bool ok, uint256 r) = _callScalar(VARGMAX, start, p);
        if (!ok) { argmaxFallback(unpack(x)); revert(FAILED); }
        return r;
    }

    /// @notice The elements of a packed vector (8-byte big-endian int64s).
    function unpack(bytes memory packed) internal pure returns (int256[] memory out) {
        uint256 n = _packedLength(packed);
        out = new int256[](n);
        assembly ("memory-safe") {
            let src := add(packed, 0x20)
            let dst := add(out, 0x20)
            for { let end := add(dst, shl(5, n)) } lt(dst, end) {
                src := add(src, 8)
                dst := add(dst, 0x20)
            } {
                mstore(dst, sar(192, mload(src))) // the 8 bytes at src, sign-extended
            }
        }
    }

    // ------------------------------------------------------------------ checks (both modes)

    function _checkLength(uint256 n) private pure {
        if (n > MAX_LENGTH) revert(TOO_LONG);
    }

    function _checkPair(uint256 a, uint256 b) private pure {
        _checkLength(a);
        _checkLength(b);
        if (a != b) revert(MISMATCH);
    }

    function _checkDivisor(uint256 divisor) private pure {
        if (divisor == 0) revert(ZERO_DIVISOR);
    }

    function _checkArgmax(uint256 n) private pure {
        _checkLength(n);
        if (n == 0) revert(EMPTY);
    }

    function _checkNearest(uint256 d, uint256 size, uint256 k, uint256 divisor) private pure {
        _checkLength(d);
        _checkLength(size);
        _checkDivisor(divisor);
        if (k == 0) revert(EMPTY);
        if (d == 0 ? size != 0 : (size % d != 0 || size / d != k)) revert(MISMATCH);
    }

    /// lengths of w, idx and vals (vals = idx without values), then every index below w.length
    function _checkSparse(uint256 d, uint256[] memory idx, uint256 valsLength) private pure {
        _checkLength(d);
        _checkLength(idx.length);
        _checkLength(valsLength);
        if (valsLength != idx.length) revert(MISMATCH);
        for (uint256 j; j < idx.length; ++j) {
            if (idx[j] >= d) revert(BAD_INDEX);
        }
    }

    function _packedLength(bytes memory packed) private pure returns (uint256) {
        if (packed.length % 8 != 0) revert(BAD_PACKED);
        return packed.length / 8;
    }

    // ------------------------------------------------------------------ fallback arithmetic

    function _outside(int256 a) private pure returns (bool) {
        return a != int256(int128(a));
    }

    function _abs(int256 a) private pure returns (uint256) {
        unchecked { return a < 0 ? 0 - uint256(a) : uint256(a); }
    }

    /// (hi, lo) + p, a signed 512-bit accumulator hi·2^256 + lo.
    function _add512(int256 hi, uint256 lo, int256 p) private pure returns (int256, uint256) {
        unchecked {
            uint256 next = lo + uint256(p);
            if (next < lo) ++hi;
            if (p < 0) --hi;
            return (hi, next);
        }
    }

    function _signedResult(bool bad, int256 hi, uint256 lo) private pure returns (int256) {
        if (bad) revert(OUT_OF_RANGE);
        if (hi != (int256(lo) < 0 ? int256(-1) : int256(0))) revert(OVERFLOW);
        return int256(lo);
    }

    function _addSigned(int256 a, int256 b) private pure returns (bool ok, int256 s) {
        unchecked { s = a + b; }
        ok = b >= 0 ? s >= a : s < a;
    }

    /// Σ trunc((x_i − v_{offset+i})² / divisor) as unsigned 512 bits, and whether an element of v
    /// (in that window) is outside int128. x's own elements are checked by the caller or here.
    function _sqDist(int256[] memory x, int256[] memory v, uint256 offset, uint256 divisor)
        private pure returns (bool bad, uint256 hi, uint256 lo)
    {
        // Assembly for the same reason as dotFallback; offset + x.length ≤ v.length is checked
        // by the callers.
        uint256 flags;
        assembly ("memory-safe") {
            let px := add(x, 0x20)
            let pv := add(add(v, 0x20), shl(5, offset))
            for { let end := add(px, shl(5, mload(x))) } lt(px, end) {
                px := add(px, 0x20)
                pv := add(pv, 0x20)
            } {
                let a := mload(px)
                let b := mload(pv)
                flags := or(flags, or(xor(a, signextend(15, a)), xor(b, signextend(15, b))))
                let diff := sub(a, b) // |a − b| < 2^128 for int128 a, b
                if slt(diff, 0) { diff := sub(0, diff) }
                let term := div(mul(diff, diff), divisor)
                lo := add(lo, term)
                hi := add(hi, lt(lo, term))
            }
        }
        bad = flags != 0;
    }

    function _centroid(int256 c, int256 x, uint256 n) private pure returns (int256) {
        // (c·n + x)/(n+1) = c + δ/(n+1) with δ = x − c. With q = floor(δ/(n+1)) and r = δ mod (n+1),
        // the numerator is negative iff c + q < 0, and then truncation rounds up when r ≠ 0.
        int256 delta = x - c; // |δ| < 2^128
        int256 q;
        bool remainder;
        if (n >= uint256(type(int256).max)) {
            // n + 1 ≥ 2^255 > |δ|
            q = delta < 0 ? int256(-1) : int256(0);
            remainder = delta != 0;
        } else {
            int256 d = int256(n + 1);
            q = delta / d;
            int256 r = delta % d;
            if (r < 0) q -= 1;
            remainder = r != 0;
        }
        int256 s = c + q;
        return (s < 0 && remainder) ? s + 1 : s;
    }

    function _sparseDot(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool hasValues)
        private pure returns (int256)
    {
        bool bad;
        for (uint256 i; i < w.length; ++i) bad = bad || _outside(w[i]);
        int256 hi;
        uint256 lo;
        unchecked {
            for (uint256 j; j < idx.length; ++j) {
                int256 wi = w[idx[j]];
                if (hasValues) {
                    int256 v = vals[j];
                    bad = bad || _outside(v);
                    wi *= v; // both int128: no wrap
                }
                (hi, lo) = _add512(hi, lo, wi);
            }
        }
        return _signedResult(bad, hi, lo);
    }

    function _sparseAdd(int256[] memory w, uint256[] memory idx, int256[] memory vals, int256 delta, bool hasValues)
        private pure returns (int256[] memory out)
    {
        bool bad;
        bool over;
        out = new int256[](w.length);
        for (uint256 i; i < w.length; ++i) {
            int256 wi = w[i];
            bad = bad || _outside(wi);
            out[i] = wi;
        }
        for (uint256 j; j < idx.length; ++j) {
            int256 v = delta;
            if (hasValues) {
                v = vals[j];
                bad = bad || _outside(v);
            }
            // With values, |Σ| < 2^144 never wraps; with one delta every addition to an element has
            // the same sign, so an intermediate overflow means the final result overflows.
            (bool ok, int256 s) = _addSigned(out[idx[j]], v);
            over = over || !ok;
            out[idx[j]] = s;
        }
        if (bad) revert(OUT_OF_RANGE);
        if (over) revert(OVERFLOW);
    }

    /// floor(a·b / denominator), and false when it does not fit in 256 bits (full 512-bit product).
    /// A product below 2^256 is divided here, without the call to `_div512`: perceptronUpdateFallback
    /// runs this once per element.
    function _mulDiv(uint256 a, uint256 b, uint256 denominator) private pure returns (bool, uint256) {
        unchecked {
            uint256 prod0 = a * b;
            uint256 prod1;
            assembly ("memory-safe") {
                let mm := mulmod(a, b, not(0))
                prod1 := sub(sub(mm, prod0), lt(mm, prod0))
            }
            if (prod1 == 0) return (true, prod0 / denominator);
            return _div512(prod1, prod0, denominator);
        }
    }

    /// floor((hi·2^256 + lo) / d) for unsigned 512 bits and d ≥ 1, and false when it needs more than
    /// 256 bits. Internal: VectorStore divides with it too.
    function _div512(uint256 hi, uint256 lo, uint256 d) internal pure returns (bool, uint256) {
        unchecked { // all of it: outside, `lo / d` calls Solidity's checked-division helper (~30 gas)
            if (hi == 0) return (true, lo / d);
            if (hi >= d) return (false, 0);
            uint256 remainder;
            assembly ("memory-safe") {
                // (hi·2^256 + lo) mod d; 2^256 mod d = (2^256 − d) mod d
                remainder := addmod(mulmod(hi, mod(sub(0, d), d), d), mod(lo, d), d)
                hi := sub(hi, gt(remainder, lo))
                lo := sub(lo, remainder)
            }
            uint256 twos = d & (0 - d);
            assembly ("memory-safe") {
                d := div(d, twos)
                lo := div(lo, twos)
                twos := add(div(sub(0, twos), twos), 1)
            }
            lo |= hi * twos;
            uint256 inverse = (3 * d) ^ 2;
            inverse *= 2 - d * inverse;
            inverse *= 2 - d * inverse;
            inverse *= 2 - d * inverse;
            inverse *= 2 - d * inverse;
            inverse *= 2 - d * inverse;
            inverse *= 2 - d * inverse;
            return (true, lo * inverse);
        }
    }

    /// floor(sqrt(hi·2^256 + lo)), bit by bit (the sum of squares stays below 2^271).
    function _sqrt512(uint256 hi, uint256 lo) private pure returns (uint256 r) {
        unchecked {
            for (uint256 b = 136; b > 0; ) {
                --b;
                uint256 c = r | (uint256(1) << b);
                uint256 pl = c * c;
                uint256 ph;
                assembly ("memory-safe") {
                    let mm := mulmod(c, c, not(0))
                    ph := sub(sub(mm, pl), lt(mm, pl))
                }
                if (ph < hi || (ph == hi && pl <= lo)) r = c;
            }
        }
    }

    // ------------------------------------------------------------------ native plumbing

    function _sparseDotNative(int256[] memory w, uint256[] memory idx, int256[] memory vals, bool hasValues)
        private view returns (int256)
    {
        uint256 start = _alloc(97 + 32 * (w.length + idx.length) + (hasValues ? 32 + 32 * vals.length : 0));
        uint256 p = _putWord(_layout(start, WORDS), hasValues ? 1 : 0);
        p = _putVec(p, w);
        p = _putUVec(p, idx);
        if (hasValues) p = _putVec(p, vals);
        (bool ok, uint256 r) = _callScalar(VSPARSEDOT, start, p);
        if (!ok) { _sparseDot(w, idx, vals, hasValues); revert(FAILED); }
        return int256(r);
    }

    function _sparseAddNative(int256[] memory w, uint256[] memory idx, int256[] memory vals, int256 delta, bool hasValues)
        private view returns (int256[] memory)
    {
        uint256 start = _alloc(129 + 32 * (w.length + idx.length) + (hasValues ? 32 + 32 * vals.length : 0));
        uint256 p = _putWord(_layout(start, WORDS), uint256(delta));
        p = _putWord(p, hasValues ? 1 : 0);
        p = _putVec(p, w);
        p = _putUVec(p, idx);
        if (hasValues) p = _putVec(p, vals);
        (bool ok, int256[] memory r) = _callVector(VSPARSEADD, start, p);
        if (!ok) { _sparseAdd(w, idx, vals, delta, hasValues); revert(FAILED); }
        return r;
    }

    /// `precompile` on layout ‖ the first `params` of (p1, p2) ‖ a ‖ b (words layout), scalar answer.
    function _scalarOf(address precompile, uint256 params, uint256 p1, uint256 p2, int256[] memory a,
                       int256[] memory b) private view returns (bool, uint256)
    {
        if (_end(a) == _at(b)) return _scalarResult(_callOver(precompile, params, p1, p2, _at(a), _end(b)));
        (uint256 start, uint256 end) = _copied(params, p1, p2, a, b);
        return _callScalar(precompile, start, end);
    }

    /// The same with a vector answer.
    function _vectorOf(address precompile, uint256 params, uint256 p1, uint256 p2, int256[] memory a,
                       int256[] memory b) private view returns (bool, int256[] memory)
    {
        if (_end(a) == _at(b)) return _vectorResult(_callOver(precompile, params, p1, p2, _at(a), _end(b)));
        (uint256 start, uint256 end) = _copied(params, p1, p2, a, b);
        return _callVector(precompile, start, end);
    }

    /// STATICCALL of layout ‖ the first `params` of (p1, p2) ‖ the memory [first, end), which holds
    /// arrays one after another (words layout), as consecutive allocations and ABI-decoded arguments
    /// leave them. The header is written over the bytes just before `first` and they are put back
    /// after the call: nothing is copied and memory does not grow. (Memory's gas grows with the
    /// square of its size: copying two 10,000-element inputs cost more than the Solidity loop.)
    function _callOver(address precompile, uint256 params, uint256 p1, uint256 p2, uint256 first, uint256 end)
        private view returns (bool ok)
    {
        assembly ("memory-safe") {
            // first >= 0x80 (memory arrays start after the reserved slots): the 3 words below exist.
            let saved1 := mload(sub(first, 0x60))
            let saved2 := mload(sub(first, 0x40))
            let saved3 := mload(sub(first, 0x20))
            let start := sub(first, add(1, shl(5, params)))
            mstore8(start, 0) // WORDS
            if params { mstore(add(start, 1), p1) }
            if gt(params, 1) { mstore(add(start, 0x21), p2) }
            ok := staticcall(gas(), precompile, start, sub(end, start), 0, 0)
            mstore(sub(first, 0x60), saved1)
            mstore(sub(first, 0x40), saved2)
            mstore(sub(first, 0x20), saved3)
        }
    }

    /// A fresh input [start, end) with a and b copied after the header (when they are apart).
    function _copied(uint256 params, uint256 p1, uint256 p2, int256[] memory a, int256[] memory b)
        private pure returns (uint256 start, uint256 end)
    {
        start = _alloc(65 + 32 * (params + a.length + b.length));
        uint256 p = _layout(start, WORDS);
        if (params > 0) p = _putWord(p, p1);
        if (params > 1) p = _putWord(p, p2);
        end = _putVec(_putVec(p, a), b);
    }

    function _at(int256[] memory v) private pure returns (uint256 p) {
        assembly ("memory-safe") { p := v }
    }

    /// Where memory array `v` (length word and elements) ends.
    function _end(int256[] memory v) private pure returns (uint256 e) {
        assembly ("memory-safe") { e := add(v, add(0x20, shl(5, mload(v)))) }
    }

    /// Allocates `size` bytes of memory for a precompile input.
    function _alloc(uint256 size) private pure returns (uint256 start) {
        assembly ("memory-safe") {
            start := mload(0x40)
            mstore(0x40, add(start, and(add(size, 31), not(31))))
        }
    }

    function _layout(uint256 p, uint8 layout) private pure returns (uint256) {
        assembly ("memory-safe") { mstore8(p, layout) }
        return p + 1;
    }

    function _putWord(uint256 p, uint256 value) internal pure returns (uint256) {
        assembly ("memory-safe") { mstore(p, value) }
        return p + 32;
    }

    /// The length word and the elements of a memory array, as they are (words layout).
    function _putVec(uint256 p, int256[] memory v) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(v)))
            mcopy(p, v, size)
            end := add(p, size)
        }
    }

    function _putUVec(uint256 p, uint256[] memory v) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            let size := add(0x20, shl(5, mload(v)))
            mcopy(p, v, size)
            end := add(p, size)
        }
    }

    /// A length word (bytes / 8) and the packed bytes as they are.
    function _putPacked(uint256 p, bytes memory v) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            let size := mload(v)
            mstore(p, shr(3, size))
            mcopy(add(p, 0x20), add(v, 0x20), size)
            end := add(add(p, 0x20), size)
        }
    }

    /// STATICCALL of the input [start, end) with a one-word answer, the input freed after; false
    /// when the precompile failed.
    function _callScalar(address precompile, uint256 start, uint256 end) private view returns (bool, uint256) {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), precompile, start, sub(end, start), 0, 0)
            mstore(0x40, start) // the input is no longer needed
        }
        return _scalarResult(ok);
    }

    /// STATICCALL returning `abi.encode(int256[])`, read over the spent input.
    function _callVector(address precompile, uint256 start, uint256 end)
        private view returns (bool, int256[] memory)
    {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), precompile, start, sub(end, start), 0, 0)
            mstore(0x40, start) // the input is no longer needed
        }
        return _vectorResult(ok);
    }

    /// The one-word answer of the last call. Success without one means there is no precompile at
    /// that address.
    function _scalarResult(bool ok) private pure returns (bool, uint256 r) {
        uint256 size;
        assembly ("memory-safe") {
            size := returndatasize()
            if eq(size, 0x20) {
                returndatacopy(0, 0, 0x20)
                r := mload(0)
            }
        }
        if (ok && size != 32) revert(UNAVAILABLE);
        return (ok, r);
    }

    /// The `abi.encode(int256[])` answer of the last call, as a new array.
    function _vectorResult(bool ok) private pure returns (bool, int256[] memory r) {
        bool wellFormed;
        assembly ("memory-safe") {
            let size := returndatasize()
            if and(ok, gt(size, 0x3f)) {
                // 0x20 ‖ length ‖ elements: keep length and elements as the array
                r := mload(0x40)
                returndatacopy(r, 0x20, sub(size, 0x20))
                wellFormed := eq(size, add(0x40, shl(5, mload(r))))
                mstore(0x40, add(r, sub(size, 0x20)))
            }
        }
        if (ok && !wellFormed) revert(UNAVAILABLE);
        return (ok, r);
    }
}

/// @notice Inherit to get `VECTOR_PRECOMPILES`, probed once at deployment, and pass it as the
///         `native` flag of VectorMath (and VectorStore) calls.
abstract contract VectorMathUser {
    /// @notice Whether this chain had the ML precompiles when the contract was deployed.
    bool internal immutable VECTOR_PRECOMPILES;

    constructor() {
        VECTOR_PRECOMPILES = VectorMath.precompilesAvailable();
    }
}
