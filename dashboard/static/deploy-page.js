// The deploy page (#/deploy): a model file checked by the Python parser (api/model/check names
// the field at fault), its name, description and encoder, the incentive mechanism and its
// settings (defaults and check from IncentiveSettings), then the deployment, sent from the page's
// wallet transaction for transaction as contracts/bindings/deploy.py sends it: the same calls in
// the same order, chunks of the same sizes (api/deploy), halved while one does not fit under the
// gas cap or the initcode limit, ownership handed to the trainer last. Each transaction is a row
// of a live status table; the end links to the new model's page.
import { addressLink, api, chain, gas, h, link, postJson, short } from "./dom.js";
import { RpcError } from "./rpc.js";
import { Reverted, gasLimit } from "./wallet.js";

let plan = null; // api/deploy: chunk sizes, limits, calls by signature, incentive settings
const bytecodes = new Map(); // contract name -> creation code, from api/bytecode/NAME

// Too big for one transaction (deploy.py's OverGasCap): the chunk is halved.
class OverGasCap extends Error {}

// deploy.py's _span: "0-449", "450", "none".
const span = (first, end) => (end - first > 1 ? `${first}-${end - 1}` : end > first ? `${first}` : "none");

export async function deployPage() {
  plan ??= await api("api/deploy");
  let model = null; // the checked model, in contract units (integers as decimal strings)
  let fileName = ""; // the name a file gives (as the CLI's --name default), kept until the user types one
  const fileInput = h("input", { type: "file", id: "model-file", accept: ".json,application/json", "aria-label": "model file" });
  const summary = h("p", { id: "model-summary", class: "muted" }, "No model file yet: drop one here or choose it.");
  const name = h("input", { id: "model-name", "aria-label": "name", placeholder: "the file's name" });
  const description = h("input", { id: "model-description", "aria-label": "description" });
  const encoder = h("input", { id: "model-encoder", "aria-label": "encoder", value: "none" });
  const kinds = Object.keys(plan.incentive.fields);
  const kind = h("select", { id: "incentive", "aria-label": "incentive mechanism", onchange: () => drawSettings() },
    kinds.map((k) => h("option", { value: k, selected: k === plan.incentive.default }, k)));
  const settings = h("div", { id: "incentive-settings" });
  const button = h("button", { type: "submit", id: "deploy-button" }, "Deploy");
  const error = h("p", { id: "deploy-error", class: "error", hidden: true });
  const progress = h("div", { id: "deploy-progress" });

  function drawSettings() {
    settings.replaceChildren(...plan.incentive.fields[kind.value].map((setting) => h("label", {}, `${setting.label} `,
      typeof setting.default === "boolean"
        ? h("input", { type: "checkbox", name: setting.name, checked: setting.default })
        : h("input", { name: setting.name, value: setting.default, inputmode: "numeric" }))));
  }

  function showError(message) {
    error.hidden = !message;
    error.textContent = message ?? "";
  }

  async function load(file) {
    model = null;
    showError(null);
    summary.textContent = `Checking ${file.name}…`;
    try {
      const checked = await api("api/model/check", { method: "POST", body: await file.text() });
      if (checked.error) throw new Error(`${file.name}: ${checked.error}`);
      model = checked.model;
    } catch (failure) {
      summary.textContent = "";
      showError(failure.message);
      return;
    }
    summary.textContent = `${file.name}: ${model.type} (${model.contract}), classes ${model.classifications.join(", ")}`;
    if (!name.value || name.value === fileName) name.value = file.name.replace(/\.json$/i, "");
    fileName = file.name.replace(/\.json$/i, "");
    encoder.value = model.encoder ?? "none";
  }

  async function submit(event) {
    event.preventDefault();
    showError(null);
    if (!model) return showError("Choose a valid model file first.");
    if (!name.value.trim()) return showError("Field 'name': give the model a name.");
    if (!chain.wallet.account) return showError("No account to send from: the node has no dev accounts and no wallet is connected.");
    const values = Object.fromEntries(plan.incentive.fields[kind.value].map(({ name: field }) => {
      const input = settings.querySelector(`[name="${field}"]`);
      return [field, input.type === "checkbox" ? input.checked : input.value];
    }));
    button.disabled = true;
    const deployer = new Deployer();
    try {
      const incentive = await postJson("api/incentive/check", { kind: kind.value, ...values });
      if (incentive.error) return showError(`Incentive mechanism: ${incentive.error}`);
      progress.replaceChildren(deployer.table);
      const trainer = await deployer.deploy(model, name.value.trim(), description.value, encoder.value.trim() || "none", incentive);
      progress.append(h("p", { id: "deployed" }, `Deployed in ${deployer.count} transactions: `,
        link(`model/${trainer}`, `the model's page (${short(trainer)})`)));
    } catch (failure) {
      showError(`Failed at ${deployer.doing}: ${failure.reason ?? failure.message}`);
    } finally {
      button.disabled = false;
    }
  }

  fileInput.addEventListener("change", () => fileInput.files[0] && load(fileInput.files[0]));
  const form = h("form", { id: "deploy-form", onsubmit: submit },
    h("label", { class: "drop" }, "Model file (JSON, as `sumchain model deploy` reads) ", fileInput), summary,
    h("label", {}, "name ", name), h("label", {}, "description ", description), h("label", {}, "encoder ", encoder),
    h("label", {}, "incentive mechanism ", kind), settings, button, error);
  form.addEventListener("dragover", (event) => event.preventDefault());
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files[0]) load(event.dataTransfer.files[0]);
  });
  drawSettings();
  return [h("h1", {}, "Deploy a model"), form, progress];
}

// Sends the deployment's transactions, each sized to fit, one status row each (deploy.py's Deployer).
class Deployer {
  constructor() {
    this.rows = [];
    this.table = h("table", { id: "deploy-steps" },
      h("tr", {}, ["#", "action", "status", "transaction", "gas used", "contract created"].map((title) => h("th", {}, title))));
    this.doing = "the start"; // what is being fitted or sent, for a failure's message
  }

  get count() {
    return this.rows.length;
  }

  async deploy(model, name, description, encoder, incentive) {
    await Promise.all([model.contract, "DataHandler64", incentive.contract, "CollaborativeTrainer64"].map(fetchBytecode));
    const classifier = await this.classifier(model);
    const dataHandler = await this.create("DataHandler64", "DataHandler64", []);
    const mechanism = await this.create(incentive.contract, incentive.contract, incentive.args);
    const trainer = await this.create("CollaborativeTrainer64", "CollaborativeTrainer64",
      [name, description, encoder, dataHandler, mechanism, classifier]);
    for (const [part, contract, address] of [["classifier", model.contract, classifier],
      ["data handler", "DataHandler64", dataHandler], ["incentive mechanism", incentive.contract, mechanism]]) {
      await this.send(`transferOwnership of the ${part} to the trainer`, address, call(contract, "TRANSFER_OWNERSHIP", [trainer]));
    }
    return trainer;
  }

  // ------------------------------------------------------------ transactions
  // The gas `data` needs (Connection.estimate): Reverted when the contract refuses it, OverGasCap
  // when it does not fit in one transaction. When the node times the estimate out (a binary
  // search of many runs), one run at the cap decides, and the cap is the limit to send with.
  async estimate(to, data) {
    const size = (data.length - 2) / 2;
    if (to === undefined && size > plan.maxInitcodeSize) {
      throw new OverGasCap(`${gas(size)} bytes of creation code, over the ${gas(plan.maxInitcodeSize)}-byte limit (EIP-3860)`);
    }
    const cap = BigInt(plan.txGasCap);
    const request = { from: chain.wallet.account, to, data, gas: "0x" + cap.toString(16) };
    let estimate;
    try {
      estimate = BigInt(await chain.rpc.call("eth_estimateGas", [request]));
    } catch (error) {
      throwRefusal(error);
      try {
        await chain.rpc.call("eth_call", [request, "pending"]); // where the estimate ran
      } catch (callError) {
        throwRefusal(callError); // what returns is a timeout: one run is too long
        throw new OverGasCap(`one run takes longer than the node allows a call (${callError.message})`);
      }
      return cap;
    }
    if (estimate > cap) throw new OverGasCap(`needs ${gas(estimate)} gas, more than ${gas(cap)}`);
    return estimate;
  }

  async send(action, to, data, estimate = null) {
    this.doing = `"${action}"`;
    estimate ??= await this.estimate(to, data);
    const cells = [h("td", {}, "sending"), h("td", { class: "hash" }, "—"), h("td", {}, "—"), h("td", { class: "mono" }, "—")];
    this.rows.push(h("tr", { class: "deploy-step" }, h("td", {}, this.rows.length + 1), h("td", {}, action), cells));
    this.table.append(this.rows.at(-1));
    const [status, hash, gasUsed, created] = cells;
    try {
      const sent = await chain.wallet.send(action, { to, data, gas: gasLimit(estimate, BigInt(plan.txGasCap)) });
      status.textContent = "success";
      hash.replaceChildren(link(`tx/${sent.hash}`, short(sent.hash)));
      gasUsed.textContent = gas(sent.gasUsed);
      created.replaceChildren(addressLink(sent.receipt.contractAddress?.toLowerCase()));
      return sent.receipt;
    } catch (error) {
      status.textContent = `failed: ${error.reason ?? error.message}`;
      if (error.hash) hash.replaceChildren(link(`tx/${error.hash}`, short(error.hash)));
      throw error;
    }
  }

  async create(action, contract, args, estimate = null) {
    return (await this.send(action, undefined, creationCode(contract, args), estimate)).contractAddress.toLowerCase();
  }

  // The largest of size, size/2, size/4 ... 1 whose transaction fits: [that size, its gas].
  async fit(to, build, size, what) {
    this.doing = what;
    for (;;) {
      try {
        return [size, await this.estimate(to, build(size))];
      } catch (error) {
        if (!(error instanceof OverGasCap)) throw error;
        if (size <= 1) throw new OverGasCap(`${what}: even ${size} element(s) in one transaction: ${error.message}`);
        size = Math.floor(size / 2);
      }
    }
  }

  // items[start:] in chunks (encode(chunk, its first index)), each as large as fits.
  async chunks(to, items, start, size, encode, what) {
    while (start < items.length) {
      const from = start;
      const [fitted, estimate] = await this.fit(to, (n) => encode(items.slice(from, from + n), from), Math.min(size, items.length - start), what);
      size = fitted;
      await this.send(`${what} ${span(start, start + size)}`, to, encode(items.slice(start, start + size), start), estimate);
      start += size;
    }
  }

  // ------------------------------------------------------------ classifiers
  async classifier(model) {
    const address = await {
      DensePerceptron: () => this.densePerceptron(model),
      SparsePerceptron: () => this.sparsePerceptron(model),
      NaiveBayesClassifier: () => this.naiveBayes(model),
      NearestCentroidClassifier: () => this.nearestCentroid(model),
      SparseNearestCentroidClassifier: () => this.sparseNearestCentroid(model),
    }[model.contract]();
    await this.chunks(address, model.feature_indices, 0, plan.chunks.FEATURE_INDICES_CHUNK,
      (chunk) => call(model.contract, "ADD_FEATURE_INDICES", [chunk]), "addFeatureIndices: indices");
    return address;
  }

  async perceptronConstructor(model, initial) {
    const weights = model.weights ?? [];
    const args = (k) => [model.classifications, weights.slice(0, k), model.intercept, model.learning_rate];
    const [k, estimate] = await this.fit(undefined, (n) => creationCode(model.contract, args(n)),
      Math.min(initial, weights.length), `${model.contract} constructor`);
    const address = await this.create(`${model.contract} constructor: weights ${span(0, k)} of ${weights.length}`,
      model.contract, args(k), estimate);
    return [address, k];
  }

  async densePerceptron(model) {
    const [address, k] = await this.perceptronConstructor(model, plan.chunks.DENSE_WEIGHTS_CHUNK);
    await this.chunks(address, model.weights, k, plan.chunks.DENSE_WEIGHTS_CHUNK,
      (chunk) => call(model.contract, "INITIALIZE_DENSE_WEIGHTS", [chunk]), "initializeWeights: weights");
    return address;
  }

  async sparsePerceptron(model) {
    const [address, k] = await this.perceptronConstructor(model, plan.chunks.SPARSE_WEIGHTS_CHUNK);
    await this.chunks(address, model.weights ?? [], k, plan.chunks.SPARSE_WEIGHTS_CHUNK,
      (chunk, first) => call(model.contract, "INITIALIZE_SPARSE_RANGE", [first, chunk]), "initializeWeights: weights");
    await this.chunks(address, model.sparse_weights ?? [], 0, plan.chunks.SPARSE_PAIRS_CHUNK,
      (chunk) => call(model.contract, "INITIALIZE_SPARSE_WEIGHTS", [chunk]), "initializeSparseWeights: pairs");
    return address;
  }

  // A constructor taking a first chunk of each class's entries: all classes with as many entries
  // as fit; when even one entry each is too much, fewer classes (the rest go to addClass).
  // [address, number of classes, entries per class].
  async classConstructor(model, args, perClass, initial) {
    const n = model.classifications.length;
    const size = Math.min(initial, Math.max(...perClass.map((entries) => entries.length)));
    const what = `${model.contract} constructor`;
    let k, m, estimate;
    try {
      [k, estimate] = await this.fit(undefined, (entries) => creationCode(model.contract, args(n, entries)), size, what);
      m = n;
    } catch (error) {
      if (!(error instanceof OverGasCap)) throw error;
      k = Math.min(1, size);
      [m, estimate] = await this.fit(undefined, (classes) => creationCode(model.contract, args(classes, k)), n, what);
    }
    const address = await this.create(`${what}: classes ${span(0, m)} of ${n}, first ${k} entries each`,
      model.contract, args(m, k), estimate);
    return [address, m, k];
  }

  async naiveBayes(model) {
    const { classifications: names, class_counts: samples, feature_counts: counts } = model;
    const args = (m, k) => [names.slice(0, m), samples.slice(0, m), counts.slice(0, m).map((c) => c.slice(0, k)),
      model.total_num_features, model.smoothing_factor];
    const [address, m, k] = await this.classConstructor(model, args, counts, plan.chunks.NB_INITIAL_CHUNK);
    for (let c = 0; c < names.length; c++) {
      const start = c < m ? k : await this.addClass(address, c, counts[c], plan.chunks.NB_INITIAL_CHUNK,
        (chunk) => call(model.contract, "NB_ADD_CLASS", [samples[c], chunk, names[c]]));
      await this.chunks(address, counts[c], start, plan.chunks.NB_CHUNK,
        (chunk) => call(model.contract, "INITIALIZE_COUNTS", [chunk, c]), `initializeCounts: class ${c}, pairs`);
    }
    return address;
  }

  async nearestCentroid(model) {
    const { classifications: names, centroids, data_counts: counts } = model;
    const args = (m, k) => [names.slice(0, m), centroids.slice(0, m).map((c) => c.slice(0, k)), counts.slice(0, m)];
    const [address, m, k] = await this.classConstructor(model, args, centroids, plan.chunks.NCC_INITIAL_CHUNK);
    for (let c = 0; c < m; c++) {
      await this.chunks(address, centroids[c], k, plan.chunks.NCC_CHUNK,
        (chunk) => call(model.contract, "EXTEND_CENTROID", [chunk, c]), `extendCentroid: class ${c}, dimensions`);
    }
    // addClass takes a whole centroid: a class's dimension must match class 0's at once.
    for (let c = m; c < names.length; c++) {
      await this.send(`addClass: class ${c} '${names[c]}'`, address,
        call(model.contract, "NCC_ADD_CLASS", [centroids[c], names[c], counts[c]]));
    }
    return address;
  }

  async sparseNearestCentroid(model) {
    const { classifications: names, centroids, data_counts: counts } = model;
    const args = (m, k) => [names.slice(0, m), centroids.slice(0, m).map((c) => c.slice(0, k)), counts.slice(0, m)];
    const [address, m, k] = await this.classConstructor(model, args, centroids, plan.chunks.NCC_INITIAL_CHUNK);
    for (let c = 0; c < names.length; c++) {
      const start = c < m ? k : await this.addClass(address, c, centroids[c], plan.chunks.NCC_INITIAL_CHUNK,
        (chunk) => call(model.contract, "SPARSE_NCC_ADD_CLASS", [chunk, names[c], counts[c]]));
      await this.chunks(address, centroids[c], start, plan.chunks.NCC_CHUNK,
        (chunk) => call(model.contract, "EXTEND_SPARSE_CENTROID", [chunk, c]), `extendCentroid: class ${c}, pairs`);
    }
    return address;
  }

  // addClass with as many of the class's first entries as fit; how many it took.
  async addClass(address, c, entries, initial, encode) {
    const what = `addClass: class ${c}`;
    const size = Math.min(initial, entries.length);
    if (size === 0) {
      await this.send(what, address, encode([]));
      return 0;
    }
    const [k, estimate] = await this.fit(address, (n) => encode(entries.slice(0, n)), size, what);
    await this.send(`${what}, entries ${span(0, k)}`, address, encode(entries.slice(0, k)), estimate);
    return k;
  }
}

// An estimate's or call's error as Reverted (the contract refused) or OverGasCap (out of gas at
// the cap); a timeout returns, anything else is thrown as it is (contract.py _raise_refusal).
function throwRefusal(error) {
  if (!(error instanceof RpcError)) throw error; // the node is down, say
  const refusal = chain.wallet.refusal(error);
  if (refusal instanceof Reverted) throw refusal;
  const message = error.message.toLowerCase();
  if (plan.outOfGas.some((words) => message.includes(words))) {
    throw new OverGasCap(`needs more than ${gas(plan.txGasCap)} gas (${error.message})`);
  }
  if (!plan.timedOut.some((words) => message.includes(words))) throw error;
}

async function fetchBytecode(contract) {
  if (!bytecodes.has(contract)) bytecodes.set(contract, (await api(`api/bytecode/${contract}`)).bytecode);
}

// The init code that deploys `contract` with these constructor arguments.
function creationCode(contract, args) {
  return bytecodes.get(contract) + chain.abis.contract(contract).encodeDeploy(args).slice(2);
}

// A call to one of deploy.py's functions (by its name there) on `contract`.
function call(contract, name, args) {
  return chain.abis.contract(contract).encodeFunctionData(plan.functions[name], args);
}
