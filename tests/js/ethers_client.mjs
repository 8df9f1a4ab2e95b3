// ethers v6 against a running sumchain node, as a dApp or a Hardhat script would use it.
//
//   node tests/js/ethers_client.mjs HTTP_URL WS_URL PROBE_ARTIFACT.json
//
// The artifact is {"abi": [...], "bytecode": "0x..."} of tests/contracts/Probe.sol.
// Prints one JSON line {"ok": true, "checks": [...]} and exits 0, or prints
// {"ok": false, "error": ..., "checks": [...passed so far]} and exits 1.
import { readFileSync } from "node:fs";
import { ethers } from "ethers";

const [url, wsUrl, artifactPath] = process.argv.slice(2);
if (!url || !wsUrl || !artifactPath) {
  console.error("usage: node ethers_client.mjs HTTP_URL WS_URL PROBE_ARTIFACT.json");
  process.exit(2);
}

const DEV0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DEV1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const GWEI = 10n ** 9n;

const checks = [];

// ethers retries some failures forever (it polls eth_getTransactionByHash after eth_sendTransaction
// until it gets a transaction): fail the whole run instead of hanging.
const DEADLINE_MS = 60_000;
const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, error: `timed out after ${DEADLINE_MS} ms (last check passed: ${checks.at(-1)})`, checks }));
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

function check(name, condition, detail) {
  if (!condition) {
    throw new Error(`check ${name} failed: ${typeof detail === "function" ? detail() : detail ?? ""}`);
  }
  checks.push(name);
}
const show = (value) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() + "n" : v));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The error a promise rejects with (failing the check if it resolves). */
async function rejection(name, promise) {
  try {
    const value = await promise;
    throw new Error(`check ${name} failed: expected an error, got ${show(value)}`);
  } catch (error) {
    if (error.message?.startsWith(`check ${name} failed`)) throw error;
    return error;
  }
}

/**
 * ethers sends eth_subscribe / eth_newFilter in the background of contract.on() and provider.on();
 * this lets the script wait for the node's answer, so that a transaction is sent only once the
 * node has the subscription or filter. answered(method) resolves with {params, result}.
 */
function watchAnswers(rpcProvider) {
  const waiting = new Map();
  const plainSend = rpcProvider.send.bind(rpcProvider);
  rpcProvider.send = async (method, params) => {
    const result = await plainSend(method, params);
    for (const resolve of waiting.get(method) ?? []) resolve({ params, result });
    waiting.delete(method);
    return result;
  };
  return (method) => new Promise((resolve) => {
    waiting.set(method, [...(waiting.get(method) ?? []), resolve]);
  });
}

const { abi, bytecode } = JSON.parse(readFileSync(artifactPath, "utf8"));

const provider = new ethers.JsonRpcProvider(url, undefined, { pollingInterval: 100, cacheTimeout: -1 }); // no 250 ms result cache: balances are read before and after
let wsProvider = null;

async function main() {
  // ---------------------------------------------------------------- network, accounts
  const network = await provider.getNetwork();
  check("chain_id", network.chainId === 31337n, () => `chainId ${network.chainId}`);

  const accounts = await provider.listAccounts();
  check("accounts", accounts.length === 10 && accounts[0].address === DEV0 && accounts[1].address === DEV1,
    () => show(accounts.map((a) => a.address)));
  const signer = await provider.getSigner(0); // eth_sendTransaction / personal_sign / eth_signTypedData_v4
  const wallet = new ethers.Wallet(DEV0_KEY, provider); // eth_sendRawTransaction
  check("signers", signer.address === DEV0 && wallet.address === DEV0, () => `${signer.address} ${wallet.address}`);

  const startBlock = await provider.getBlockNumber();

  // ---------------------------------------------------------------- value transfers
  {
    const before = await provider.getBalance(DEV1);
    const tx = await signer.sendTransaction({ to: DEV1, value: ethers.parseEther("1") });
    const receipt = await tx.wait();
    check("send_transaction", receipt.status === 1 && receipt.hash === tx.hash && receipt.from === DEV0
      && receipt.to === DEV1 && receipt.gasUsed === 21000n && receipt.blockNumber === startBlock + 1,
      () => show(receipt));
    const after = await provider.getBalance(DEV1);
    check("send_transaction_balance", after - before === ethers.parseEther("1"), () => `${before} -> ${after}`);
    const fetched = await provider.getTransaction(tx.hash);
    check("get_transaction", fetched.hash === tx.hash && fetched.from === DEV0 && fetched.to === DEV1
      && fetched.value === ethers.parseEther("1") && fetched.blockNumber === receipt.blockNumber,
      () => show(fetched));
  }
  {
    const before = await provider.getBalance(DEV1);
    const nonce = await provider.getTransactionCount(DEV0, "pending");
    const tx = await wallet.sendTransaction({ to: DEV1, value: ethers.parseEther("0.5") });
    check("raw_transaction_fields", tx.nonce === nonce && tx.type === 2 && tx.chainId === 31337n,
      () => show({ nonce: tx.nonce, expected: nonce, type: tx.type, chainId: tx.chainId }));
    const receipt = await tx.wait();
    check("send_raw_transaction", receipt.status === 1 && receipt.hash === tx.hash && receipt.gasUsed === 21000n,
      () => show(receipt));
    const after = await provider.getBalance(DEV1);
    check("send_raw_transaction_balance", after - before === ethers.parseEther("0.5"), () => `${before} -> ${after}`);
  }

  // ---------------------------------------------------------------- contract deployment and calls
  const factory = new ethers.ContractFactory(abi, bytecode, wallet);
  const deployed = await factory.deploy();
  await deployed.waitForDeployment();
  const address = await deployed.getAddress();
  const deployReceipt = await deployed.deploymentTransaction().wait();
  check("deploy", deployReceipt.status === 1 && deployReceipt.contractAddress === address
    && (await provider.getCode(address)).length > 2, () => show(deployReceipt));

  const probe = new ethers.Contract(address, abi, signer); // transactions through eth_sendTransaction
  const storeTx = await probe.store(1, 42);
  const storeReceipt = await storeTx.wait();
  check("store", storeReceipt.status === 1, () => show(storeReceipt));
  const stored = await probe.values(1);
  check("read_value", stored === 42n, () => `values(1) = ${stored}`);

  const storedLogs = storeReceipt.logs.map((entry) => probe.interface.parseLog(entry)).filter(Boolean);
  check("receipt_event", storedLogs.length === 1 && storedLogs[0].name === "Stored"
    && storedLogs[0].args.who === DEV0 && storedLogs[0].args.key === 1n && storedLogs[0].args.value === 42n,
    () => show(storedLogs));

  const byWallet = probe.connect(wallet);
  const walletStore = await (await byWallet.store(2, 43)).wait();
  check("store_raw", walletStore.status === 1 && (await probe.values(2)) === 43n, () => show(walletStore));

  const events = await probe.queryFilter(probe.filters.Stored(DEV0, 1n), startBlock, "latest");
  check("query_filter", events.length === 1 && events[0].args.value === 42n
    && events[0].transactionHash === storeTx.hash && events[0].blockNumber === storeReceipt.blockNumber,
    () => show(events.map((e) => [e.transactionHash, e.args])));
  const allEvents = await probe.queryFilter("Stored", startBlock);
  check("query_filter_all", allEvents.length === 2 && allEvents.map((e) => e.args.key).join() === "1,2",
    () => show(allEvents.map((e) => e.args)));

  // ---------------------------------------------------------------- reverts
  {
    const error = await rejection("revert_reason", probe.fail("nope"));
    check("revert_reason", error.code === "CALL_EXCEPTION" && error.reason === "nope",
      () => `code ${error.code}, reason ${show(error.reason)}, message ${error.message}`);
  }
  {
    const error = await rejection("revert_estimate_reason", probe.fail.estimateGas("nope"));
    check("revert_estimate_reason", error.code === "CALL_EXCEPTION" && error.reason === "nope",
      () => `code ${error.code}, reason ${show(error.reason)}, message ${error.message}`);
  }
  {
    const error = await rejection("custom_error", probe.failCustom(7));
    const parsed = error.data ? probe.interface.parseError(error.data) : null;
    check("custom_error", error.code === "CALL_EXCEPTION" && error.revert?.name === "Custom"
      && error.revert.args[0] === 7n && parsed?.name === "Custom" && parsed.args.code === 7n,
      () => `code ${error.code}, revert ${show(error.revert)}, data ${error.data}, message ${error.message}`);
  }
  {
    const error = await rejection("panic", probe.divide(1, 0));
    check("panic", error.code === "CALL_EXCEPTION" && error.revert?.name === "Panic" && BigInt(error.revert.args[0]) === 0x12n && error.reason === "Panic due to DIVIDE_BY_ZERO(18)",
      () => `code ${error.code}, revert ${show(error.revert)}, message ${error.message}`);
  }

  {
    // A transaction that reverts on chain: mined with status 0, and wait() throws.
    const tx = await probe.fail.send("nope", { gasLimit: 100000 });
    const error = await rejection("revert_transaction", tx.wait());
    check("revert_transaction", error.code === "CALL_EXCEPTION" && error.receipt?.status === 0
      && error.receipt.hash === tx.hash, () => `code ${error.code}, message ${error.message}`);
  }

  // ---------------------------------------------------------------- gas and fees
  {
    const transfer = await provider.estimateGas({ from: DEV0, to: DEV1, value: 1n });
    check("estimate_gas_transfer", transfer === 21000n, () => `${transfer}`);
    const storeGas = await probe.store.estimateGas(3, 4);
    check("estimate_gas_call", storeGas > 21000n && storeGas < 100000n, () => `${storeGas}`);
    const sent = await (await probe.store(3, 4, { gasLimit: storeGas })).wait();
    check("estimate_gas_enough", sent.status === 1 && sent.gasUsed <= storeGas, () => show(sent));
  }
  {
    const fees = await provider.getFeeData();
    const latest = await provider.getBlock("latest");
    check("fee_data", fees.maxPriorityFeePerGas === GWEI && fees.gasPrice > 0n
      && fees.maxFeePerGas === latest.baseFeePerGas * 2n + GWEI, () => show({ fees, baseFee: latest.baseFeePerGas }));
  }

  // ---------------------------------------------------------------- blocks
  {
    const head = await provider.getBlockNumber();
    const block = await provider.getBlock("latest", true);
    check("block_prefetched", block.number === head && block.transactions.length === 1
      && block.prefetchedTransactions.length === 1
      && block.prefetchedTransactions[0].hash === block.transactions[0]
      && block.prefetchedTransactions[0].blockNumber === head
      && block.hash === (await provider.getBlock(head)).hash,
      () => show({ head, number: block.number, transactions: block.transactions }));
    const parent = await provider.getBlock(block.parentHash);
    check("block_by_hash", parent.number === head - 1 && parent.hash === block.parentHash, () => show(parent));
  }

  // ---------------------------------------------------------------- signatures
  {
    const message = "hello sumchain";
    const signature = await signer.signMessage(message); // personal_sign
    check("personal_sign", ethers.verifyMessage(message, signature) === DEV0
      && signature === await wallet.signMessage(message), () => signature);
    const ethSign = await provider.send("eth_sign", [DEV0, ethers.hexlify(ethers.toUtf8Bytes(message))]);
    check("eth_sign", ethSign === signature, () => `${ethSign} != ${signature}`);
  }
  {
    const domain = { name: "Probe", version: "1", chainId: 31337, verifyingContract: address };
    const types = {
      Mail: [
        { name: "from", type: "Person" },
        { name: "to", type: "Person" },
        { name: "contents", type: "string" },
        { name: "amount", type: "uint256" },
      ],
      Person: [
        { name: "name", type: "string" },
        { name: "wallet", type: "address" },
      ],
    };
    const value = {
      from: { name: "Alice", wallet: DEV0 },
      to: { name: "Bob", wallet: DEV1 },
      contents: "hi",
      amount: 10n ** 20n,
    };
    const signature = await signer.signTypedData(domain, types, value); // eth_signTypedData_v4
    check("sign_typed_data", ethers.verifyTypedData(domain, types, value, signature) === DEV0
      && signature === await wallet.signTypedData(domain, types, value), () => signature);
  }

  // ---------------------------------------------------------------- events over HTTP: filters
  {
    // JsonRpcProvider delivers contract events with eth_newFilter + eth_getFilterChanges
    const answered = watchAnswers(provider);
    const filterCreated = answered("eth_newFilter");
    const received = new Promise((resolve) => {
      probe.on("Stored", (who, key, value, payload) => resolve({ who, key, value, payload }));
    });
    const filter = await withTimeout(filterCreated, 5000, "eth_newFilter");
    check("http_new_filter", /^0x[0-9a-f]+$/.test(filter.result), () => show(filter));
    const tx = await probe.store(66, 88);
    await tx.wait();
    const event = await withTimeout(received, 5000, "the Stored event through eth_getFilterChanges");
    check("http_filter_event", event.who === DEV0 && event.key === 66n && event.value === 88n
      && event.payload.log.transactionHash === tx.hash, () => show({ ...event, payload: event.payload.log }));
    const uninstalled = answered("eth_uninstallFilter");
    await probe.removeAllListeners();
    const uninstall = await withTimeout(uninstalled, 5000, "eth_uninstallFilter");
    check("http_uninstall_filter", uninstall.params[0] === filter.result && uninstall.result === true, () => show(uninstall));
    provider.send = Object.getPrototypeOf(provider).send.bind(provider);
  }

  // ---------------------------------------------------------------- WebSocket
  wsProvider = new ethers.WebSocketProvider(wsUrl, undefined, { cacheTimeout: -1 });
  const wsNetwork = await wsProvider.getNetwork();
  check("ws_chain_id", wsNetwork.chainId === 31337n && (await wsProvider.getBlockNumber()) === await provider.getBlockNumber(),
    () => `${wsNetwork.chainId}`);

  const wsAnswered = watchAnswers(wsProvider);
  const logsSubscribed = wsAnswered("eth_subscribe");
  const wsProbe = new ethers.Contract(address, abi, wsProvider);
  const received = new Promise((resolve) => {
    wsProbe.on("Stored", (who, key, value, payload) => resolve({ who, key, value, payload }));
  });
  const logsSubscription = await withTimeout(logsSubscribed, 5000, "eth_subscribe logs");
  check("ws_subscribe", logsSubscription.params[0] === "logs" && /^0x[0-9a-f]+$/.test(logsSubscription.result),
    () => show(logsSubscription));

  const eventTx = await probe.store(77, 99);
  await eventTx.wait();
  const event = await withTimeout(received, 5000, "the Stored event over WebSocket");
  check("ws_event", event.who === DEV0 && event.key === 77n && event.value === 99n
    && event.payload.log.transactionHash === eventTx.hash, () => show({ ...event, payload: event.payload.log }));
  await wsProbe.removeAllListeners();

  const headsSubscribed = wsAnswered("eth_subscribe");
  const blockSeen = new Promise((resolve) => { wsProvider.once("block", resolve); });
  const headsSubscription = await withTimeout(headsSubscribed, 5000, "eth_subscribe newHeads");
  const blockTx = await (await signer.sendTransaction({ to: DEV1, value: 1n })).wait();
  const blockNumber = await withTimeout(blockSeen, 5000, "a new block over WebSocket");
  check("ws_new_heads", headsSubscription.params[0] === "newHeads" && blockNumber === blockTx.blockNumber,
    () => show({ headsSubscription, blockNumber, expected: blockTx.blockNumber }));
  await wsProvider.removeAllListeners();

  const wsBalance = await wsProvider.getBalance(DEV1);
  check("ws_call", wsBalance === await provider.getBalance(DEV1), () => `${wsBalance}`);
}

let status = 0;
try {
  await main();
  console.log(JSON.stringify({ ok: true, checks }));
} catch (error) {
  status = 1;
  console.log(JSON.stringify({ ok: false, error: String(error?.stack ?? error), checks }));
} finally {
  provider.destroy();
  if (wsProvider) await wsProvider.destroy();
}
process.exit(status);
