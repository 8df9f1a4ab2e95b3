// The models' views: the list of the SUM models found on the chain, read again at each new block
// while it is shown, and one model's page (model-page.js).
import { addressForm, chain, ether, h, isAddress, link, refreshWhileShown, table } from "./dom.js";
import { modelPage } from "./model-page.js";

const addModelForm = () => addressForm("add-model", "model", "a CollaborativeTrainer64", "Open model");

async function modelTable() {
  const addresses = await chain.models.discover();
  const summaries = await Promise.all(addresses.map((address) => chain.models.summary(address)));
  return summaries.length === 0 ? h("p", {}, "No models on this chain yet: `sumchain model deploy` adds one.")
    : table(["name", "description", "model type", "incentive", "classes", "contributions", "current deposit"], summaries.map((model) => h("tr", { class: "model-row" },
      h("td", {}, link(`model/${model.address}`, model.name)),
      h("td", {}, model.description),
      h("td", {}, model.type),
      h("td", {}, model.incentive),
      h("td", {}, model.classes.join(", ")),
      h("td", {}, model.contributions),
      h("td", {}, ether(model.deposit)))));
}

export async function modelList() {
  let head = await chain.rpc.call("eth_blockNumber"); // read before the models: a block after it reads them again
  const list = h("div", { id: "model-list" }, await modelTable());
  refreshWhileShown(list, async () => {
    const now = await chain.rpc.call("eth_blockNumber");
    if (now === head) return;
    list.replaceChildren(await modelTable());
    head = now; // after the read: one that failed is tried again
  });
  return [
    h("h1", {}, "Models"),
    h("p", { class: "muted" }, "Found on the chain itself: the trainers named as new owners in their parts' OwnershipTransferred logs."),
    list,
    h("h2", {}, "A model by its address"),
    addModelForm(),
  ];
}

export async function model(address) {
  if (!isAddress(address)) return [h("p", { class: "error" }, `${address} is not an address (0x and 40 hex digits).`), addModelForm()];
  return modelPage(address);
}
