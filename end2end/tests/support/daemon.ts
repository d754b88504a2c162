// A Paseo protocol client for tests: makes state over the daemon's own
// protocol (agents, prompts) and reads the daemon's durable log, so the
// browser is compared with the daemon, never with the hub's copy.
import WebSocket from "ws";

type Json = any;

export class DaemonClient {
  private ws: WebSocket;
  private next = 0;
  private log: Json[] = [];
  private waiters: Array<() => void> = [];
  /** The daemon's `srv_` id, from its server_info. */
  serverId = "";
  /** Set once the socket closed (e.g. the daemon was killed): every wait
   *  then fails at once instead of running into its timeout. */
  closed = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === "session") this.log.push(frame.message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on("close", () => {
      this.closed = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    // A killed daemon resets the connection; `close` follows.
    ws.on("error", () => {});
  }

  static async connect(url: string): Promise<DaemonClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const client = new DaemonClient(ws);
    ws.send(
      JSON.stringify({
        type: "hello",
        clientId: `cid_e2e_${Math.random().toString(16).slice(2)}`,
        clientType: "cli",
        protocolVersion: 1,
        appVersion: "0.1.65",
      }),
    );
    const info = await client.wait("server_info", (m) => m.payload?.status === "server_info");
    client.serverId = info.payload.serverId;
    return client;
  }

  async wait(what: string, pick: (m: Json) => boolean, timeoutMs = 30_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.log.findIndex(pick);
      if (at >= 0) return this.log.splice(at, 1)[0];
      if (this.closed) throw new Error(`daemon client: the socket closed before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`daemon client: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async request(message: Json, timeoutMs?: number): Promise<Json> {
    if (this.closed) throw new Error(`daemon client: the socket is closed (${message.type})`);
    const id = `e2e-${message.type}-${++this.next}`;
    this.ws.send(JSON.stringify({ type: "session", message: { ...message, requestId: id } }));
    return this.wait(`answer to ${message.type}`, (m) => m.payload?.requestId === id, timeoutMs);
  }

  /** Sends a session message that gets no answer. */
  send(message: Json) {
    this.ws.send(JSON.stringify({ type: "session", message }));
  }

  async createAgent(cwd: string, prompt?: string, title?: string): Promise<string> {
    const message: Json = { type: "create_agent_request", config: { provider: "test", cwd, title }, labels: {} };
    if (prompt) message.initialPrompt = prompt;
    const answer = await this.request(message);
    if (answer.payload.status !== "agent_created") throw new Error(`create failed: ${JSON.stringify(answer)}`);
    return answer.payload.agentId;
  }

  async waitForFinish(agentId: string, timeoutMs = 30_000): Promise<string> {
    const answer = await this.request({ type: "wait_for_finish_request", agentId, timeoutMs }, timeoutMs + 10_000);
    return answer.payload.status;
  }

  /** The daemon's own canonical log: [epoch, rows]. */
  async timeline(agentId: string): Promise<[string, Json[]]> {
    const answer = await this.request({
      type: "fetch_agent_timeline_request",
      agentId,
      direction: "after",
      cursor: null,
      limit: 0,
      projection: "canonical",
    });
    return [answer.payload.epoch, answer.payload.entries ?? []];
  }

  /** Runs `then` once the socket has closed. */
  onClose(then: () => void) {
    if (this.closed) then();
    else this.ws.once("close", then);
  }

  close() {
    this.ws.close();
  }
}
