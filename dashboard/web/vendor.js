// The npm packages the page uses, bundled by `make install` (esbuild) into static/build/vendor.js:
// ethers for ABI encoding, keccak and EIP-1193 wallets; Chart.js for the simulation runs' curves;
// MurmurHash3 (x86, 32 bits, of a token's UTF-8 bytes) for the text encoder, the hash the original
// SUM demo's feature hashing used ("hey" -> 318325784).
import { Chart, registerables } from "chart.js";
import murmurHash3 from "murmurhash3js-revisited";

Chart.register(...registerables);

export { ethers } from "ethers";
export { Chart, murmurHash3 };
