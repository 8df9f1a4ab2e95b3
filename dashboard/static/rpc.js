// JSON-RPC over HTTP POST to one URL (the node's root, or the dashboard's /rpc proxy), and the
// node's health: a request that cannot reach the node marks it down, the next answer marks it up.

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export class NodeDown extends Error {}

export class Rpc {
  constructor(url, onHealth) {
    this.url = url;
    this.onHealth = onHealth;
    this.up = null;
    this.nextId = 1;
  }

  async call(method, params = []) {
    const body = JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params });
    let response;
    try {
      response = await fetch(this.url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    } catch (error) {
      this.health(false);
      throw new NodeDown(`the node does not answer (${error.message})`);
    }
    const text = await response.text();
    if (response.status === 502) { // the proxy's word that the node behind it does not answer
      this.health(false);
      throw new NodeDown(text);
    }
    this.health(true);
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new RpcError(null, `the node answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    if (answer.error) throw new RpcError(answer.error.code, answer.error.message, answer.error.data);
    return answer.result;
  }

  health(up) {
    if (this.up !== up) {
      this.up = up;
      this.onHealth(up);
    }
  }
}
