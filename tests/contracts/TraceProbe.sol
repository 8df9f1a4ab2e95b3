// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The contract TraceProbe calls: it stores, logs, and reverts with a reason on demand.
contract Echo {
    event Echoed(uint256 value);
    event Failing(string why);

    uint256 public last;

    function echo(uint256 value) external returns (uint256) {
        last = value;
        emit Echoed(value);
        return value * 2;
    }

    /// Logs, then reverts: a tracer must drop the log with the failed frame.
    function fail(string calldata why) external {
        emit Failing(why);
        revert(why);
    }

    /// Payable, so that TraceProbe can DELEGATECALL it while handling a payment.
    function double(uint256 value) external payable returns (uint256) {
        return value * 2;
    }
}

/// Every kind of call frame a tracer reports: CREATE, CREATE2, CALL, a reverted
/// CALL, STATICCALL (to a contract and to the SHA256 and identity precompiles),
/// DELEGATECALL, and logs around them.
contract TraceProbe {
    event Ran(uint256 doubled, bytes32 digest);

    Echo public echo;

    constructor() {
        echo = new Echo();
    }

    function run(uint256 value) external returns (bytes32 digest) {
        uint256 doubled = echo.echo(value);
        try echo.fail("no good") {} catch {}
        digest = sha256(abi.encode(doubled));
        (bool ok, bytes memory copy) = address(4).staticcall(abi.encode(value));
        require(ok && copy.length == 32, "identity failed");
        emit Ran(doubled, digest);
    }

    function spawn(bytes32 salt) external returns (address) {
        return address(new Echo{salt: salt}());
    }

    function borrow(uint256 value) external payable returns (uint256) {
        (bool ok, bytes memory result) = address(echo).delegatecall(abi.encodeCall(Echo.double, (value)));
        require(ok, "delegatecall failed");
        return abi.decode(result, (uint256));
    }

    function peek() external view returns (uint256) {
        return echo.last();
    }
}
