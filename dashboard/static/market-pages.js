// The bounty market's views: the market (its token, the user's balance, the faucet, the requests,
// a new request from a labelled CSV) and a request (its state, deadlines, submissions, winner, what
// comes next, and the steps: submit, reveal, claim, advance, withdraw). Each step does what the
// Python bindings' step does (contracts/bindings/market.py), its transactions sent by the wallet.
import { addressForm, addressLink, chain, field, h, isAddress, link, relative, table, utc } from "./dom.js";
import { BountyMarket, FieldError, fetchConfig, fileBase64, post } from "./market.js";
import { NodeDown } from "./rpc.js";
import { Reverted } from "./wallet.js";

// The outcome of the last step, shown above the page it was taken on (kept across its redraw).
let notice = null;

function noticeBox() {
  const box = h("div", { id: "market-notice" });
  if (notice && notice.hash === location.hash) box.replaceChildren(h("p", { class: notice.kind }, ...notice.parts));
  return box;
}

function say(kind, ...parts) {
  notice = { hash: location.hash, kind, parts };
  document.getElementById("market-notice")?.replaceChildren(...noticeBox().childNodes);
}

// The market's routes: #/market, #/market/0x… and #/market/0x…/N (absent parts match "").
export const MARKET_ROUTE = /^market\/?([^/]*)\/?(\d*)$/;

let watching = false;
let drawnFor = null; // the account the view was drawn for: choosing another redraws it

export function marketView(address, id) {
  if (!watching) {
    watching = true;
    chain.wallet.onChange(() => {
      if (MARKET_ROUTE.test(route()) && chain.wallet.account !== drawnFor) redraw();
    });
  }
  drawnFor = chain.wallet.account;
  if (id) return requestPage(address, id);
  return address ? marketPage(address) : marketHome();
}

const route = () => location.hash.replace(/^#\/?/, "");

// The view of the route now, drawn again (after a step, or for another account).
async function redraw() {
  const [, address, id] = route().match(MARKET_ROUTE) ?? [];
  if (address === undefined) return;
  const view = document.getElementById("view");
  try {
    view.replaceChildren(...(await marketView(address, id)));
  } catch (error) {
    if (!(error instanceof NodeDown)) view.replaceChildren(h("p", { class: "error" }, error.message));
  }
}

// Run one step of a button or form: its outcome shown on the page drawn again, or its error (a
// revert with its reason) shown where it is.
function step(name, action) {
  return async (event) => {
    event?.preventDefault();
    say("muted", `${name}…`);
    try {
      const outcome = await action();
      notice = { hash: location.hash, kind: "ok", parts: [outcome].flat() };
      await redraw();
    } catch (error) {
      if (error instanceof NodeDown) return; // the banner says so
      say("error", error instanceof Reverted ? `${name}: reverted: ${error.reason}` : `${name}: ${error.message}`);
    }
  };
}

// A download of a secret the dashboard kept, for the user's own copy.
function secretDownload(kind, commitment, secret) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(secret, null, 2)], { type: "application/json" }));
  return h("a", { href: url, download: `${kind}-${commitment}.json`, class: "secret-download" }, `download the ${kind} secret`);
}

const contentLink = (address, text) => h("a", { href: `api/content/${address}`, download: address }, text ?? address);

const openForm = () => addressForm("open-market", "market", "a BountyMarket", "Open market");

// #/market: the market `sumchain market deploy` (Market.deploy) recorded for this chain, else a box.
async function marketHome() {
  const [config, chainId] = await Promise.all([fetchConfig(), chain.rpc.call("eth_chainId")]);
  const recorded = config.deployments[String(Number(chainId))];
  if (recorded) return marketPage(recorded.market, config);
  return [
    h("h1", {}, "Bounty market"),
    h("p", {}, `No market recorded for chain ${Number(chainId)} in ${config.home}/deployments.json: `,
      "`sumchain market deploy` deploys and records one; or open one by its address."),
    openForm(),
  ];
}

// #/market/0x…: the token, the user's balance and the faucet, the requests, and a new request.
async function marketPage(address, config = null) {
  if (!isAddress(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`), openForm()];
  config ??= await fetchConfig();
  const market = await BountyMarket.open(address, config);
  const me = chain.wallet.account;
  const [balance, count, now] = await Promise.all([me ? market.balance(me) : null, market.requestCount(), market.now()]);
  // Each request with what comes next (which, in a final state, depends on what is still owed).
  const requests = await Promise.all(Array.from({ length: count }, async (_, id) => {
    const r = await market.request(id);
    const submissions = config.finalStates.includes(r.state) ? await market.submissions(id) : [];
    return { ...r, next: next(r, submissions, now) };
  }));
  return [
    h("h1", {}, "Bounty market"),
    noticeBox(),
    h("table", { id: "market" },
      field("market", addressLink(market.address)),
      field("stake token", addressLink(market.token), ` (${market.symbol}, ${market.decimals} decimals)`),
      field("your account", h("span", { class: "you" }, me ?? "none")),
      field("your balance", balance === null ? "no account" : market.tokens(balance)),
      field("chain time", `${utc(now)} (what the contract sees now)`)),
    market.faucet ? faucetForm(market) : [],
    h("h2", {}, `Requests (${count})`),
    count === 0 ? h("p", {}, "No requests yet: create one below.")
      : table(["id", "state", "reward", "stake", "test rows", "submissions", "submissions close", "next", "context"],
        requests.reverse().map((r) => h("tr", { class: "request-row" },
          h("td", {}, link(`market/${market.address}/${r.id}`, r.id)),
          h("td", {}, r.state),
          h("td", {}, market.tokens(r.reward)),
          h("td", {}, market.tokens(r.trainerStake)),
          h("td", {}, r.testSize),
          h("td", {}, r.active),
          h("td", {}, `${utc(r.submissionDeadline)} (${relative(r.submissionDeadline, now)})`),
          h("td", {}, r.next),
          h("td", {}, r.context)))),
    h("h2", {}, "New request"),
    requestForm(market),
  ];
}

function faucetForm(market) {
  const limit = market.tokens(market.faucet.limit);
  const form = h("form", { id: "faucet" },
    h("label", {}, "Faucet (dev chains): mint ", h("input", { name: "amount", value: limit.split(" ")[0], size: 8, "aria-label": "faucet amount" }),
      ` ${market.symbol} to your account (at most ${limit} a call) `),
    h("button", { type: "submit" }, "Mint"));
  form.addEventListener("submit", step("faucet", async () => {
    await market.sendToken("faucet", [market.units(form.amount.value, "faucet amount")]);
    return `minted: your balance is ${market.tokens(await market.balance(chain.wallet.account))}`;
  }));
  return form;
}

function requestForm(market) {
  const { windows, testFraction, labelColumn } = market.config;
  const input = (name, label, attributes = {}) => h("label", {}, label, h("input", { name, ...attributes }));
  const form = h("form", { id: "new-request", class: "fields" },
    input("csv", "labelled CSV (a header row and a label column)", { type: "file", accept: ".csv,text/csv" }),
    input("labelColumn", "label column", { value: labelColumn }),
    input("testFraction", "test fraction (each class's share of test rows)", { value: testFraction }),
    input("reward", `reward (${market.symbol}, locked now)`, { placeholder: "100" }),
    input("stake", `stake (${market.symbol}, what each trainer stakes)`, { placeholder: "10" }),
    input("context", "context (public: what the model is for)"),
    Object.entries(windows).map(([name, value]) => input(`${name}Window`, `${name} window (s)`, { value })),
    h("button", { type: "submit" }, "Create request"));
  form.addEventListener("submit", step("create request", () => createRequest(market, form)));
  return form;
}

// A window's field in seconds, in the range Windows.check allows.
function seconds(form, name) {
  const text = form[`${name}Window`].value.trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n || BigInt(text) >= 2n ** 63n) {
    throw new FieldError(`${name} window: a whole number of seconds, 1 to 2^63-1, got "${text}"`);
  }
  return BigInt(text);
}

// Market.create_request: the split and the labels commitment for the id the request will take
// (kept by the route first), the reward approved, then createRequest. Should another request take
// that id first, ours could never be revealed: it is cancelled at once (the reward comes back).
async function createRequest(market, form) {
  const reward = market.units(form.reward.value, "reward");
  const stake = market.units(form.stake.value, "stake");
  const windows = Object.keys(market.config.windows).map((name) => seconds(form, name));
  const testFraction = Number(form.testFraction.value);
  if (!(testFraction > 0 && testFraction < 1)) throw new FieldError(`test fraction: between 0 and 1, got "${form.testFraction.value}"`);
  const csv = await fileBase64(form.csv, "labelled CSV");
  const expected = await market.requestCount();
  const prepared = await post("request", {
    csv, testFraction, labelColumn: form.labelColumn.value.trim(), chainId: market.chainId, market: market.address,
    requester: chain.wallet.account, requestId: expected,
  });
  await market.allow(reward);
  const { events } = await market.send("createRequest", [reward, stake, ...windows, form.context.value,
    prepared.trainingSet, prepared.testSet, prepared.testSize, prepared.labelsCommitment]);
  const id = Number(events.RequestCreated[0].id);
  if (id !== expected) {
    await market.send("cancelRequest", [id]);
    throw new Error(`another request took id ${expected} first: yours (id ${id}) was cancelled and its reward returned; create it again`);
  }
  location.hash = `#/market/${market.address}/${id}`;
  const classes = prepared.classes ? prepared.classes.join(", ") : "the labels are class indices";
  return [`request ${id} created: ${prepared.testSize} test rows, classes ${classes}; the labels and their salt are kept in ${prepared.secretPath} `,
    `(what \`sumchain market reveal ${id}\` reads) — `, secretDownload("labels", prepared.labelsCommitment, prepared.secret)];
}

// #/market/0x…/N: one request, what comes next, and the steps.
async function requestPage(address, idText) {
  if (!isAddress(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`)];
  const market = await BountyMarket.open(address, await fetchConfig());
  const id = Number(idText);
  if (!(await market.requestCount() > id)) return [h("p", { class: "error" }, `No request ${idText} on ${address}.`), link(`market/${address}`, "the market")];
  const [r, submissions, now] = await Promise.all([market.request(id), market.submissions(id), market.now()]);
  const winner = r.state === "Paid" ? await market.winner(id) : null;
  const when = (deadline) => `${utc(deadline)} (${relative(deadline, now)})`;
  const me = chain.wallet.account;
  return [
    h("h1", {}, `Request ${id}: ${r.state}`),
    h("p", {}, link(`market/${market.address}`, "← the market")),
    noticeBox(),
    h("table", { id: "request" },
      field("your account", h("span", { class: "you" }, me ?? "none")),
      field("requester", addressLink(r.requester)),
      field("reward", market.tokens(r.reward)),
      field("trainer stake", market.tokens(r.trainerStake)),
      field("context", r.context || "—"),
      field("training set", contentLink(r.trainingSet)),
      field("test set", contentLink(r.testSet), ` (${r.testSize} rows)`),
      field("labels", r.labels.length ? "revealed" : `committed ${r.labelsCommitment}`),
      field("chain time", `${utc(now)} (what the contract sees now)`),
      field("submissions close", when(r.submissionDeadline)),
      field("labels due by", when(r.labelsDeadline)),
      r.claimDeadline ? field("claims close", when(r.claimDeadline)) : [],
      r.state === "Verifying" ? field("candidate reveals by", when(r.verifyDeadline)) : []),
    winner ? h("p", { id: "winner" }, `Winner: submission ${winner.index} of `, addressLink(winner.trainer),
      `, paid ${market.tokens(winner.amount)}; its model `, contentLink(winner.model)) : [],
    h("p", { id: "next" }, "Next: ", next(r, submissions, now)),
    h("h2", {}, `Submissions (${submissions.length})`),
    submissions.length === 0 ? h("p", {}, "None yet.")
      : table(["index", "trainer", "state", "owed"], submissions.map((s) => h("tr", { class: `submission-row${s.trainer === me ? " mine" : ""}` },
        h("td", {}, s.index), h("td", { class: "mono" }, addressLink(s.trainer)), h("td", {}, submissionState(r, s)),
        h("td", {}, s.owed ? market.tokens(s.owed) : "—")))),
    h("h2", {}, "Steps"),
    h("div", { id: "steps" },
      h("button", { onclick: step("reveal", () => reveal(market, id)) }, "Reveal"),
      h("button", { onclick: step("claim", () => claim(market, id)) }, "Claim"),
      h("button", { onclick: step("advance", () => advance(market, id)) }, "Advance"),
      h("button", { onclick: step("withdraw", () => withdraw(market, id)) }, "Withdraw")),
    r.state === "Open" ? submitForm(market, r) : [],
  ];
}

// The CLI's status words for a submission (market_cli._submission_state).
function submissionState(r, s) {
  const claimed = `claimed ${s.correct}/${r.testSize}`;
  if (s.cancelled) return "cancelled";
  if (s.slashed) return `${claimed}, slashed`;
  if (r.state === "Verifying" && s.index === r.candidate) return `${claimed}, candidate`;
  if (r.state === "Paid" && s.index === r.candidate) return `${claimed}, won`;
  if (s.claimed) return claimed + (s.settled ? ", withdrawn" : "");
  if (r.state === "Claiming") return "not claimed yet";
  return r.labels.length ? "never claimed: stake forfeited" : "committed";
}

// What comes next, and whose step it is (market_cli._next, with the page's buttons).
function next(r, submissions, now) {
  switch (r.state) {
    case "Open": return `trainers submit (Submit, on the request's page) until ${utc(r.submissionDeadline)}`;
    case "AwaitingLabels":
      if (r.active === 0) return "nobody submitted: anyone may refund the requester (Advance)";
      if (now < r.labelsDeadline) return `the requester reveals the labels (Reveal) before ${utc(r.labelsDeadline)}`;
      return "the labels are late: anyone may punish the requester (Advance)";
    case "Claiming":
      if (now < r.claimDeadline) return `trainers claim (Claim) before ${utc(r.claimDeadline)}; then anyone advances`;
      return "claims are closed: anyone selects the best claim (Advance)";
    case "Verifying":
      if (now < r.verifyDeadline) return `the candidate reveals (Reveal) before ${utc(r.verifyDeadline)}`;
      return "the candidate is late: anyone may slash it (Advance)";
    default:
      return submissions.some((s) => s.owed) ? "final: trainers withdraw what they are owed (Withdraw)" : "final: nothing is owed";
  }
}

function submitForm(market, r) {
  const form = h("form", { id: "submit", class: "fields" },
    h("h2", {}, "Submit"),
    h("p", { class: "muted" }, "Predictions for the test set (", contentLink(r.testSet, "download it"),
      "), one per line in its row order (class names, or indices when the classes are whole numbers) or a JSON array; and your model file. ",
      `You stake ${market.tokens(r.trainerStake)}.`),
    h("label", {}, "predictions", h("input", { name: "predictions", type: "file" })),
    h("label", {}, "model file", h("input", { name: "model", type: "file" })),
    h("label", {}, "the training set's label column", h("input", { name: "labelColumn", value: market.config.labelColumn })),
    h("button", { type: "submit" }, "Submit"));
  form.addEventListener("submit", step("submit", () => submit(market, r, form)));
  return form;
}

// Market.submit: the commitments (kept by the route first), the stake approved, then submit.
async function submit(market, r, form) {
  const [predictions, model] = [await fileBase64(form.predictions, "predictions"), await fileBase64(form.model, "model file")];
  const prepared = await post("submission", {
    chainId: market.chainId, market: market.address, trainer: chain.wallet.account, requestId: r.id,
    trainingSet: r.trainingSet, testSize: r.testSize, labelColumn: form.labelColumn.value.trim(), predictions, model,
  });
  await market.allow(r.trainerStake);
  const { events } = await market.send("submit", [r.id, prepared.predictionsCommitment, prepared.modelCommitment]);
  const index = Number(events.Submitted[0].index);
  return [`submission ${index} on request ${r.id}: staked ${market.tokens(r.trainerStake)}, model ${prepared.model}; `,
    `the predictions, model and salts are kept in ${prepared.secretPath} — `,
    secretDownload("predictions", prepared.predictionsCommitment, prepared.secret)];
}

// Market.reveal: the requester's labels (AwaitingLabels), or the candidate's predictions and model (Verifying).
async function reveal(market, id) {
  const r = await market.request(id);
  const me = chain.wallet.account;
  if (r.state === "AwaitingLabels" && me === r.requester) {
    const secret = await market.secret("labels", r.labelsCommitment);
    await market.send("revealLabels", [id, secret.labels, secret.salt]);
    const after = await market.request(id);
    return `labels revealed: trainers claim until ${utc(after.claimDeadline)}`;
  }
  if (r.state === "Verifying") {
    const [candidate] = (await market.submissions(id)).filter((s) => s.index === r.candidate);
    if (candidate.trainer !== me) throw new Error(`submission ${candidate.index} of ${candidate.trainer} is the candidate, not yours`);
    const secret = await market.secret("predictions", candidate.predictionsCommitment);
    const { events } = await market.send("revealPredictions", [id, secret.predictions, secret.predictionsSalt, secret.model, secret.modelSalt]);
    return events.Paid ? `predictions and model revealed: paid ${market.tokens(events.Paid[0].amount)}`
      : "predictions revealed but they do not check out: slashed; the next claim is selected";
  }
  const why = {
    Open: `it is open for submissions until ${utc(r.submissionDeadline)}; then its requester reveals the labels`,
    AwaitingLabels: `its requester ${r.requester} reveals the labels now`,
    Claiming: `trainers claim their accuracy until ${utc(r.claimDeadline)}; then the best claim is selected and reveals`,
  }[r.state] ?? `it is ${r.state}`;
  throw new Error(`nothing for ${me} to reveal on request ${id}: ${why}`);
}

// Market.claim: each of the sender's unclaimed submissions claims its score against the revealed labels.
async function claim(market, id) {
  const r = await market.request(id);
  if (r.state !== "Claiming") throw new Error(`request ${id} is ${r.state}: accuracy is claimed in Claiming`);
  const me = chain.wallet.account;
  const mine = (await market.submissions(id)).filter((s) => s.trainer === me);
  if (!mine.length) throw new Error(`${me} has no submission on request ${id}`);
  const unclaimed = mine.filter((s) => !s.claimed && !s.cancelled);
  if (!unclaimed.length) throw new Error(`${me}'s submissions on request ${id} have all claimed (or were cancelled)`);
  const claims = [];
  for (const s of unclaimed) {
    const { correct } = await post("score", { chainId: market.chainId, market: market.address, commitment: s.predictionsCommitment, labels: r.labels });
    await market.send("claimAccuracy", [id, s.index, correct]);
    claims.push(`submission ${s.index}: claimed ${correct}/${r.testSize} correct`);
  }
  return claims.join("; ");
}

// Market.advance: the move whose window is over; the contract decides whether its time has come.
async function advance(market, id) {
  const r = await market.request(id);
  const move = {
    AwaitingLabels: r.active === 0 ? "refundUnanswered" : "timeoutLabels", Claiming: "selectCandidate", Verifying: "timeoutCandidate",
  }[r.state];
  if (r.state === "Open") throw new Error(`request ${id} is open for submissions until ${utc(r.submissionDeadline)} (chain time now ${utc(await market.now())})`);
  if (!move) throw new Error(`request ${id} is ${r.state}: nothing left to move`);
  await market.send(move, [id]);
  return `${move}: request ${id} is now ${(await market.request(id)).state}`;
}

// Market.withdraw: what each of the sender's submissions is owed (a final state only).
async function withdraw(market, id) {
  const me = chain.wallet.account;
  const owed = (await market.submissions(id)).filter((s) => s.trainer === me && s.owed > 0n);
  if (!owed.length) throw new Error(`nothing to withdraw for ${me} on request ${id} (${(await market.request(id)).state})`);
  const paid = [];
  for (const s of owed) {
    await market.send("withdraw", [id, s.index]);
    paid.push(`submission ${s.index}: withdrew ${market.tokens(s.owed)}`);
  }
  return paid.join("; ");
}
