// The npm packages the page uses, bundled by `make install` (esbuild) into static/build/vendor.js:
// ethers for ABI encoding, keccak and EIP-1193 wallets; Chart.js for the simulation runs' curves.
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);

export { ethers } from "ethers";
export { Chart };
