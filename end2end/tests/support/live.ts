// A scripted live channel: what a browser tab does on `/live` (hello, watch,
// follow), without a browser, so the load test can open many. It records
// every timeline seq range it receives per agent, and counts what would be
// wrong: a range received twice or out of order, a reset, an error.
import { readFileSync } from "node:fs";
import WebSocket from "ws";

type Json = any;

export interface Profile {
  id: string;
  label: string;
  wsUrl: string;
}

export class LiveClient {
  /** Ranges per `profile/agent`, in arrival order. */
  readonly ranges = new Map<string, Array<[number, number]>>();
  /** Snapshots per profile (one on first contact; more after a resync). */
  readonly snapshots = new Map<string, number>();
  readonly status = new Map<string, string>();
  /** Ranges that did not come right after the previous one of their
   *  timeline (a repeat, an overlap or a hole), as text. */
  readonly disorder: string[] = [];
  readonly errors: string[] = [];
  resets = 0;
  deltas = 0;
  messages = 0;
  bytes = 0;
  closeCode?: number;
  private waiters: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      this.messages++;
      this.bytes += data.length;
      this.apply(JSON.parse(data.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on("close", (code) => {
      this.closeCode = code;
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on("error", (err) => this.errors.push(`socket: ${err.message}`));
  }

  /** Opens `/live` as a same-origin tab would, waits for `hello`, sends
   *  `watch` with `profiles` and a `follow` for each of `follows`. */
  static async open(webUrl: string, profiles: Profile[], follows: Array<{ profileId: string; agentId: string }>): Promise<LiveClient> {
    const ws = new WebSocket(`${webUrl.replace(/^http/, "ws")}/live`, { origin: webUrl, perMessageDeflate: false });
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    await client.until("hello", () => client.token !== undefined, 10_000);
    client.send({
      type: "watch",
      profiles: profiles.map((p) => ({ profile_id: p.id, label: p.label, ws_url: p.wsUrl })),
    });
    for (const f of follows) client.send({ type: "follow", profile_id: f.profileId, agent_id: f.agentId });
    return client;
  }

  token?: string;

  private apply(m: Json) {
    switch (m.type) {
      case "hello":
        this.token = m.tab_token;
        break;
      case "state":
        this.status.set(m.profile_id, m.status);
        break;
      case "snapshot":
        this.snapshots.set(m.profile_id, (this.snapshots.get(m.profile_id) ?? 0) + 1);
        break;
      case "timeline_delta": {
        this.deltas++;
        const key = `${m.profile_id}/${m.agent_id}`;
        const list = this.ranges.get(key) ?? [];
        for (const item of m.items) {
          const prev = list[list.length - 1];
          if (prev && item.seq_start !== prev[1] + 1) this.disorder.push(`${key}: ${item.seq_start}-${item.seq_end} after ${prev[0]}-${prev[1]}`);
          list.push([item.seq_start, item.seq_end]);
        }
        this.ranges.set(key, list);
        break;
      }
      case "timeline_reset":
        this.resets++;
        break;
      case "error":
        this.errors.push(`error: ${m.message}`);
        break;
    }
  }

  send(message: Json) {
    this.ws.send(JSON.stringify(message));
  }

  /** The last seq received for `profile/agent` (0 if none). */
  lastSeq(profileId: string, agentId: string): number {
    const list = this.ranges.get(`${profileId}/${agentId}`);
    return list?.length ? list[list.length - 1][1] : 0;
  }

  /** Stops reading from the socket (the kernel buffers fill, then the
   *  server's writes to this channel block). */
  pause() {
    (this.ws as any)._socket.pause();
  }

  resume() {
    (this.ws as any)._socket.resume();
  }

  /** The local port of this client's socket (to find it in /proc/net/tcp). */
  get localPort(): number {
    return (this.ws as any)._socket.localPort;
  }

  async until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`live client: no ${what} within ${timeoutMs} ms`);
      if (this.closeCode !== undefined) throw new Error(`live client: closed (${this.closeCode}) before ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close() {
    this.ws.close();
  }
}

/** Bytes queued in the kernel on each side of a loopback TCP connection
 *  (`/proc/net/tcp`): the server socket's send queue (`tx_queue`: written,
 *  not yet acknowledged by the peer) and the client socket's receive queue
 *  (`rx_queue`: arrived, not read). */
export function tcpQueues(serverPort: number, clientPort: number): { serverSend: number; clientReceive: number } {
  let serverSend = -1;
  let clientReceive = -1;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [local, remote, , queues] = [f[1], f[2], f[3], f[4]];
    const [tx, rx] = queues.split(":").map((q) => parseInt(q, 16));
    if (local.endsWith(`:${hex(serverPort)}`) && remote.endsWith(`:${hex(clientPort)}`)) serverSend = tx;
    if (local.endsWith(`:${hex(clientPort)}`) && remote.endsWith(`:${hex(serverPort)}`)) clientReceive = rx;
  }
  return { serverSend, clientReceive };
}

/** Resident set size (KiB) and CPU time (seconds, user + system) of `pid`. */
export function processUsage(pid: number): { rssKiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); the slice starts at 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssKiB, cpuSeconds: ticks / 100 };
}
