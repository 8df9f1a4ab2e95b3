// A model's page (#/model/0x…), what the original SUM demo's model page was: the model and its
// incentive mechanism with their waits, and the chosen account's own numbers; predict (free)
// and add data with its deposit, the sample encoded as the trainer's encoder says; and every
// contribution with Refund / Report buttons, or the contracts' own reason why not (yet). The
// parts that move are redrawn when a block is mined or another account is chosen.
import { addressLink, chain, duration, ether, field, gas, h, link, relative, short, table, utc } from "./dom.js";
import { ENCODERS, EncodingError, encoderNamed } from "./encoders.js";
import { NodeDown } from "./rpc.js";
import { Reverted } from "./wallet.js";
import { Trainer } from "./trainer.js";

const POLL_MS = 2000;
const SAMPLE_SHOWN = 8; // values of a contribution's sample shown in its row
const CLAIMS = [["refund", "Refund"], ["report", "Report"]];
const NOT_YOURS = "not your contribution";

// What each incentive mechanism is (contracts/sum/incentive/*.sol).
const MECHANISMS = {
  stakeable: ["Stakeable64: deposit, refund and take (self-assessment)",
    "Adding data costs a deposit, which falls with the square root of the time since the last contribution " +
    "(cost weight × 3600 / √seconds). After the refund wait its author takes the deposit back if the model still " +
    "agrees with the contribution; someone who has had good data refunded may report a contribution the model " +
    "disagrees with and take a share of its deposit. After the owner claim wait the model's owner, after the " +
    "any-address claim wait anyone, takes what is left."],
  points: ["Points64: points, no money",
    "Adding data is free. After the refund wait the first claim on a contribution counts and locks out every later " +
    "one: its author's refund, if the model agrees with it, earns a point (a verified contribution); someone " +
    "else's report, if the model disagrees with it, closes it."],
  "prediction market": ["PredictionMarket: a bounty for the accuracy contributions add on a hidden test set",
    "While the market is in its participation phase, contributors stake at least the minimum stake through " +
    "addData; the model is not trained then. After the market ends and its provider reveals the test set, the " +
    "reward phase trains the model on each contribution in turn and settles the stakes by the accuracy each " +
    "brought; once settled (reward collect) a contributor's refund collects its balance. It takes no reports."],
};

let shown = null; // the page on screen, told when the account changes

export async function modelPage(address) {
  const trainer = await Trainer.load(address);
  const page = new ModelPage(trainer, await trainer.info());
  if (!shown) chain.wallet.onChange(() => shown?.accountChanged());
  shown = page;
  await page.refresh();
  page.poll();
  return page.parts();
}

class ModelPage {
  constructor(trainer, info) {
    this.trainer = trainer;
    this.info = info;
    this.account = chain.wallet.account;
    this.block = null;
    this.root = h("div", { id: "model-page" });
    this.summary = h("div");
    this.mechanism = h("div");
    this.yours = h("div");
    this.contributions = h("div");
    this.deposit = h("span", { id: "deposit" });
    this.sampleResult = h("p", { id: "sample-result" });
    this.claimResult = h("p", { id: "claim-result" });
    this.queue = Promise.resolve();
  }

  parts() {
    const [title, about] = MECHANISMS[this.info.incentive];
    this.root.replaceChildren(
      h("h1", {}, this.info.name),
      h("p", {}, this.info.description),
      this.summary,
      h("h2", {}, `Incentive mechanism: ${title}`),
      h("p", { class: "about" }, about),
      this.mechanism,
      h("h2", {}, "Your numbers"),
      this.yours,
      h("h2", {}, "Predict and add data"),
      this.sampleForm(),
      h("h2", {}, "Contributions"),
      this.claimResult,
      this.contributions);
    return [this.root];
  }

  // ------------------------------------------------------------ the form
  sampleForm() {
    const named = encoderNamed(this.info.encoder);
    const encoder = h("select", { id: "encoder", name: "encoder", "aria-label": "encoder" },
      ENCODERS.map((e) => h("option", { value: e.name, selected: e === (named ?? ENCODERS[0]) }, e.label)));
    const input = h("textarea", { id: "sample", name: "sample", rows: 2, "aria-label": "sample" });
    const encoded = h("p", { id: "encoded", class: "mono muted" });
    const label = h("select", { id: "label", name: "label", "aria-label": "label" },
      this.info.classes.map((name, i) => h("option", { value: i }, `${i}: ${name}`)));
    const predict = h("button", { type: "button", id: "predict" }, "Predict (free)");
    const add = h("button", { type: "submit", id: "add" }, "Add data");
    const form = h("form", { id: "sample-form" },
      h("p", {}, h("label", {}, "Encoder ", encoder), " ",
        h("span", { class: "muted" }, named ? `the trainer's own: "${this.info.encoder}"`
          : `the trainer names "${this.info.encoder}", which this page cannot apply: choose one`)),
      h("p", {}, input), encoded,
      h("p", {}, predict, " ", h("label", {}, "as class ", label), " ", add, " ", this.deposit),
      this.sampleResult);
    const sample = () => ENCODERS.find((e) => e.name === encoder.value).encode(input.value, this.info.toFloat);
    const preview = () => {
      input.placeholder = ENCODERS.find((e) => e.name === encoder.value).placeholder;
      encoded.classList.remove("error");
      if (!input.value.trim()) return encoded.replaceChildren();
      try {
        encoded.textContent = `encoded: [${sample().join(", ")}]`;
      } catch (error) {
        encoded.textContent = `Sample: ${error.message}`;
        encoded.classList.add("error");
      }
    };
    encoder.addEventListener("change", preview);
    input.addEventListener("input", preview);
    preview();
    predict.addEventListener("click", () => this.act(this.sampleResult, [predict, add], async () => {
      const prediction = await this.trainer.predict(sample());
      return `prediction: ${this.className(prediction)}`;
    }, false));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.act(this.sampleResult, [predict, add], async () => {
        const added = await this.trainer.addData(sample(), Number(label.value));
        const c = added.contribution;
        return [`added as class ${this.className(c.label)} at ${utc(c.time)}, deposit ${ether(c.cost)}, gas ${gas(added.gasUsed)}: `,
          link(`tx/${added.hash}`, short(added.hash))];
      });
    });
    return form;
  }

  className(index) {
    return `${index} (${this.info.classes[index] ?? "no such class"})`;
  }

  // Run a button's action: its result in `where`, a refusal's reason or bad input as an error;
  // then, after a transaction, the parts that moved.
  async act(where, buttons, action, transaction = true) {
    buttons.forEach((button) => { button.disabled = true; });
    where.className = "";
    where.textContent = "…";
    try {
      where.replaceChildren(...[await action()].flat());
    } catch (error) {
      where.className = "error";
      if (error instanceof EncodingError) where.textContent = `Sample: ${error.message}`;
      else if (error instanceof Reverted) where.textContent = `${error.message}${error.gasUsed === null ? "" : ` (gas ${gas(error.gasUsed)})`}`;
      else where.textContent = error.message;
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
    if (transaction) this.refresh();
  }

  // ------------------------------------------------------------ what moves
  refresh() {
    this.queue = this.queue.then(() => this.redraw()).catch((error) => {
      if (!(error instanceof NodeDown)) this.contributions.replaceChildren(h("p", { class: "error" }, error.message));
    });
    return this.queue;
  }

  async redraw() {
    const account = chain.wallet.account;
    const [block, info, yours, contributions] = await Promise.all([
      chain.rpc.call("eth_getBlockByNumber", ["latest", false]),
      this.trainer.info(),
      account ? this.trainer.yours(account, this.info.incentive) : null,
      this.trainer.contributions(),
    ]);
    const rows = await Promise.all(contributions.reverse().map((c) => this.row(c, account, Number(block.timestamp))));
    this.info = info;
    this.account = account;
    this.block = block.number;
    this.summary.replaceChildren(h("table", { id: "model" },
      field("trainer", addressLink(this.trainer.address)),
      field("model type", info.type),
      field("incentive", info.incentive),
      field("classes", info.classes.join(", ")),
      field("encoder", info.encoder),
      field("contributions", info.contributions),
      field("current deposit", ether(info.deposit)),
      field("chain time", utc(block.timestamp))));
    this.mechanism.replaceChildren(this.mechanismTable(Number(block.timestamp)));
    this.deposit.textContent = `deposit ${ether(info.deposit)}`;
    const held = contributions.filter((c) => c.sender === account).reduce((sum, c) => sum + c.record.left, 0n);
    this.yours.replaceChildren(yours ? this.yoursTable(account, yours, held) : h("p", { class: "muted" }, "No account chosen: read only."));
    this.contributions.replaceChildren(rows.length === 0 ? h("p", { class: "muted" }, "No contributions yet.")
      : table(["added", "contributor", "sample", "label", "deposit", "left to claim", "claims", "refund / report"], rows, { id: "contributions" }));
  }

  mechanismTable(now) {
    const m = this.info.mechanism;
    const wait = (seconds) => `${duration(seconds)} (${seconds} s)`;
    const at = (seconds) => `${utc(seconds)} (${relative(seconds, now)})`;
    if (this.info.incentive === "prediction market") {
      return h("table", { id: "incentive" },
        field("incentive mechanism", addressLink(this.trainer.incentive)),
        field("phase", m.phase),
        field("minimum stake", ether(m.minStake)),
        field("a greater deposit", m.allowGreaterDeposit ? "is staked whole" : "is returned beyond the minimum stake"),
        field("reveal timeout", wait(m.revealTimeoutS)),
        field("bounty", ether(m.totalBounty)),
        field("earliest end", Number(m.marketEarliestEnd) ? at(m.marketEarliestEnd) : "not opened yet"),
        field("or after contributions", m.minNumContributions),
        field("reveal deadline", Number(m.revealDeadline) ? at(m.revealDeadline) : "the market has not ended"));
    }
    return h("table", { id: "incentive" },
      field("incentive mechanism", addressLink(this.trainer.incentive)),
      field("refund wait", wait(m.refundWaitS)),
      field("owner claim wait", wait(m.ownerClaimWaitS)),
      field("any-address claim wait", wait(m.anyAddressClaimWaitS)),
      field("model owner", addressLink(m.modelOwner)),
      m.costWeight === null ? [] : field("cost weight", `${m.costWeight} wei`),
      field("refunded as good, by all", m.totalGood));
  }

  yoursTable(account, yours, held) {
    const rows = [field("account", addressLink(account)), field("your contributions", yours.numSubmitted)];
    if (this.info.incentive === "points") rows.push(field("your points (verified contributions)", yours.numValid));
    else rows.push(field("refunded as good", yours.numValid));
    if (this.info.incentive === "stakeable") rows.push(field("your deposits still held", ether(held)));
    if (this.info.incentive === "prediction market") rows.push(field("your stake", ether(yours.stake)), field("yours to collect", ether(yours.toCollect)));
    return h("table", { id: "yours" }, rows);
  }

  async row(c, account, now) {
    const sample = c.sample === null ? "not in its transaction's input"
      : `[${c.sample.slice(0, SAMPLE_SHOWN).join(", ")}${c.sample.length > SAMPLE_SHOWN ? `, … ${c.sample.length} values` : ""}]`;
    return h("tr", { class: "contribution", "data-sender": c.sender, "data-time": c.time },
      h("td", {}, utc(c.time), h("br"), h("span", { class: "muted" }, relative(c.time, now))),
      h("td", { class: "hash" }, link(`address/${c.sender}`, short(c.sender)), c.sender === account ? h("span", { class: "you" }, " (you)") : ""),
      h("td", { class: "mono" }, sample, c.packed ? " (packed)" : ""),
      h("td", {}, this.className(c.label)),
      h("td", {}, ether(c.cost)),
      h("td", {}, ether(c.record.left)),
      h("td", {}, c.record.claims),
      h("td", { class: "claims" }, await this.claims(c, account, now)));
  }

  // A button for each claim the contracts would take from `account` now, else their reason.
  async claims(c, account, now) {
    if (!account) return "no account chosen";
    if (c.sample === null) return "its sample is not in its transaction's input: claim it from the CLI";
    const refusals = await Promise.all(CLAIMS.map(([action]) => (action === "refund" && c.sender !== account
      ? NOT_YOURS // the trainer would look for the record under the caller's address, and not find it
      : this.trainer.refusal(action, c, account))));
    return CLAIMS.map(([action, name], i) => h("div", { class: `claim ${action}` }, refusals[i] === null
      ? h("button", { type: "button", class: action, onclick: (event) => this.claim(action, name, c, event.target) }, name)
      : h("span", { class: "reason" }, `${name}: ${refusals[i]}${this.waitHint(c, action, account, now)}`)));
  }

  // When the next wait that bears on a refused claim ends, in chain time and from now: the
  // refund wait, which holds back refunds and reports alike; then, for a Stakeable64 report, the
  // owner claim wait (for the model owner) or the any-address claim wait, after which the
  // deposit left may be taken whatever the model says (one's own too).
  waitHint(c, action, account, now) {
    const m = this.info.mechanism;
    if (m.refundWaitS === undefined) return "";
    const ends = (wait) => Number(c.time) + Number(wait);
    const when = (wait, what) => ` (${what} ${utc(ends(wait))}, ${relative(ends(wait), now)})`;
    const own = c.sender === account;
    if (action === "refund" && !own) return "";
    if (now < ends(m.refundWaitS) && !(action === "report" && own)) return when(m.refundWaitS, "the refund wait ends at");
    if (action !== "report" || m.costWeight === null || c.record.left === 0n) return "";
    const wait = account === m.modelOwner ? m.ownerClaimWaitS : m.anyAddressClaimWaitS;
    return now < ends(wait) ? when(wait, "what is left may be taken after") : "";
  }

  claim(action, name, c, button) {
    return this.act(this.claimResult, [button], async () => {
      const sent = await this.trainer.send(action, c);
      const paid = sent.amount === null ? "" : `, paid ${ether(sent.amount)}`;
      return [`${name} of the ${utc(c.time)} contribution by ${short(c.sender)}: done${paid}, gas ${gas(sent.gasUsed)}: `,
        link(`tx/${sent.hash}`, short(sent.hash))];
    });
  }

  accountChanged() {
    if (this.root.isConnected && chain.wallet.account !== this.account) this.refresh();
  }

  // Redraw when a block is mined (time moved, a claim was made elsewhere), while the page is shown.
  poll() {
    setTimeout(async () => {
      if (!this.root.isConnected) return; // another page is shown
      try {
        if (chain.rpc.up && (await chain.rpc.call("eth_blockNumber")) !== this.block) await this.refresh();
      } catch {
        // the banner says the node is down; the page is drawn afresh when it is back
      }
      this.poll();
    }, POLL_MS);
  }
}
