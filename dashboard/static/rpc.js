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
    let answer;
    try {
      const response = await fetch(this.url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
      answer = await response.json();
      if (response.status === 502) throw new NodeDown(answer.error ? answer.error.message : "the node does not answer");
    } catch (error) {
      this.health(false);
      throw error instanceof NodeDown ? error : new NodeDown(`the node does not answer (${error.message})`);
    }
    this.health(true);
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
