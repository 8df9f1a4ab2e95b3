// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Forwards raw inputs to the vector store (VSTORE, 0x0510) in every kind of frame, so that
/// tests can act as owner contracts. A failed call to the store is reported (ok = false),
/// not re-raised, unless a function says otherwise.
contract StoreUser {
    address constant VSTORE = address(0x0510);

    /// A CALL to the store (owner = this contract).
    function call(bytes calldata input) public returns (bool ok, bytes memory output) {
        (ok, output) = VSTORE.call(input);
    }

    /// A STATICCALL to the store.
    function staticcall(bytes calldata input) external view returns (bool ok, bytes memory output) {
        (ok, output) = VSTORE.staticcall(input);
    }

    /// A DELEGATECALL to the store (msg.sender would be this contract's caller).
    function delegatecall(bytes calldata input) external returns (bool ok, bytes memory output) {
        (ok, output) = VSTORE.delegatecall(input);
    }

    /// A CALL to the store from a frame under a STATICCALL (the frame inherits the static flag).
    function callUnderStatic(bytes calldata input) external view returns (bool ok, bytes memory output) {
        (bool outer, bytes memory result) = address(this).staticcall(abi.encodeCall(this.call, (input)));
        if (!outer) return (false, "");
        (ok, output) = abi.decode(result, (bool, bytes));
    }

    /// CALL the store, require success, then revert: the write must be undone.
    function callThenRevert(bytes calldata input) public {
        (bool ok, ) = VSTORE.call(input);
        require(ok, "store call failed");
        revert("undo");
    }

    /// Write in a child frame that reverts, then carry on: returns whether the child reverted.
    function writeInRevertedFrame(bytes calldata input) external returns (bool reverted) {
        try this.callThenRevert(input) {
            reverted = false;
        } catch {
            reverted = true;
        }
    }

    /// CALL the store and revert (with its output as the reason) unless it succeeded.
    function callOrRevert(bytes calldata input) external returns (bytes memory output) {
        bool ok;
        (ok, output) = VSTORE.call(input);
        require(ok, "store call failed");
    }

    /// Call ``target`` with ``data`` (another StoreUser, so that this contract is the caller).
    function forward(address target, bytes calldata data) external returns (bool ok, bytes memory output) {
        (ok, output) = target.call(data);
    }

    /// Gas one store CALL used, measured from inside (the call gets ``gasLimit``).
    function measure(bytes calldata input, uint256 gasLimit) external returns (bool ok, uint256 used) {
        uint256 before = gasleft();
        (ok, ) = VSTORE.call{gas: gasLimit}(input);
        used = before - gasleft();
    }

    /// Several store calls in one transaction, each given ``gasEach``: mode 0 CALLs the store,
    /// 1 STATICCALLs it, 2 has StoreUser ``other`` CALL it (so that ``other`` is the owner).
    function batch(bytes[] calldata inputs, uint8[] calldata modes, address other, uint256 gasEach)
        external
        returns (bool[] memory oks, bytes[] memory outputs)
    {
        oks = new bool[](inputs.length);
        outputs = new bytes[](inputs.length);
        for (uint256 i = 0; i < inputs.length; i++) {
            if (modes[i] == 0) {
                (oks[i], outputs[i]) = VSTORE.call{gas: gasEach}(inputs[i]);
            } else if (modes[i] == 1) {
                (oks[i], outputs[i]) = VSTORE.staticcall{gas: gasEach}(inputs[i]);
            } else {
                (bool reached, bytes memory result) =
                    other.call{gas: gasEach + 200_000}(abi.encodeCall(this.callWithGas, (inputs[i], gasEach)));
                require(reached, "relay failed");
                (oks[i], outputs[i]) = abi.decode(result, (bool, bytes));
            }
        }
    }

    function callWithGas(bytes calldata input, uint256 gasLimit) external returns (bool ok, bytes memory output) {
        (ok, output) = VSTORE.call{gas: gasLimit}(input);
    }
}
