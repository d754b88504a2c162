// A fleet of real daemons with the test agent for the chaos and load tests:
// daemons that can be SIGKILLed and restarted on the same port and home,
// agents kept streaming turns through each daemon's own protocol (the
// driver reconnects after every restart), a seeded PRNG for replayable kill
// schedules, the browser-vs-daemon comparison by seq range, and the check
// that no agent process outlived its daemon.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { DaemonClient } from "./daemon";
import { Running, startDaemonAt } from "./processes";
import { freePort } from "./world";

/** mulberry32: a small seeded PRNG, so a seed replays a kill schedule. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `CHAOS_SEED`, else a fresh one (printed by the caller). */
export function chaosSeed(): number {
  const given = process.env.CHAOS_SEED;
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`CHAOS_SEED must be a non-negative integer, got ${given}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** Resolves when `check` returns a value other than undefined, polling,
 *  or fails with `what` at the deadline. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One daemon of the fleet: its process and a protocol client, replaced on
 *  every restart. Waiters see each change (up or down). */
export class FleetHost {
  daemon?: Running & { home: string };
  client?: DaemonClient;
  /** Crash point the running process was started with, if any. */
  crashPoint?: string;
  kills = 0;
  crashes = 0;
  starts = 0;
  private changed: Array<() => void> = [];
  /** The process we SIGKILLed ourselves (not a crash point's doing). */
  private killedByUs?: Running["process"];

  constructor(
    readonly index: number,
    readonly profileId: string,
    readonly label: string,
    readonly port: number,
    readonly home: string,
    readonly cwd: string,
    private readonly env: Record<string, string>,
  ) {}

  get url() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Up: the process runs and our client is connected. */
  get up(): boolean {
    return !!this.daemon && this.daemon.process.exitCode === null && this.daemon.process.signalCode === null && !!this.client && !this.client.closed;
  }

  private notify() {
    for (const wake of this.changed.splice(0)) wake();
  }

  /** Resolves at the next change, or after `ms` at most. */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.changed.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Starts the daemon (optionally with a crash point) and connects. A
   *  daemon that dies at its crash point before we connected is started
   *  again without one. */
  async start(crashPoint?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const env = { ...this.env, ...(crashPoint ? { PASEO_TEST_CRASH_AT: crashPoint } : {}) };
      try {
        this.daemon = await startDaemonAt(`127.0.0.1:${this.port}`, this.home, env);
        this.starts++;
        this.crashPoint = crashPoint;
        const daemon = this.daemon;
        daemon.process.once("exit", (_code, signal) => {
          if (signal === "SIGKILL" && this.crashPoint && this.killedByUs !== daemon.process) this.crashes++;
          this.notify();
        });
        this.client = await DaemonClient.connect(this.daemon.url);
        this.client.onClose(() => this.notify());
        this.notify();
        return;
      } catch (err) {
        if (attempt >= 5) throw new Error(`daemon ${this.index} did not come back: ${err}`);
        this.client?.close();
        await this.daemon?.stop("SIGKILL");
        crashPoint = undefined;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** SIGKILL from outside (counted only if the process was still alive). */
  async kill(): Promise<void> {
    const daemon = this.daemon;
    if (!daemon) return;
    const alive = daemon.process.exitCode === null && daemon.process.signalCode === null;
    this.killedByUs = daemon.process;
    this.client?.close();
    await daemon.stop("SIGKILL");
    if (alive) this.kills++;
    this.notify();
  }

  /** A client of the running daemon, waiting up to `ms` for one. */
  async whenUp(ms: number): Promise<DaemonClient> {
    const deadline = Date.now() + ms;
    while (!this.up) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`daemon ${this.index} not up within ${ms} ms`);
      await this.nextChange(Math.min(left, 250));
    }
    return this.client!;
  }

  async stop(): Promise<void> {
    this.client?.close();
    await this.daemon?.stop("SIGTERM");
  }
}

export async function startFleet(count: number, mark: string, labels: (i: number) => string): Promise<FleetHost[]> {
  const hosts: FleetHost[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const home = mkdtempSync(path.join(tmpdir(), "paseo-e2e-fleet-home-"));
    const cwd = mkdtempSync(path.join(tmpdir(), `paseo-e2e-fleet-work-${i}-`));
    const host = new FleetHost(i, `daemon_fleet${i}_${(0xf10000 + i).toString(16)}`, labels(i), port, home, cwd, {
      // Agent processes inherit the daemon's environment: this finds ours.
      PASEO_E2E_FLEET: mark,
    });
    await host.start();
    hosts.push(host);
  }
  return hosts;
}

export function fleetRegistry(hosts: FleetHost[]) {
  const now = "2026-12-06T00:00:00.000Z";
  return hosts.map((h) => ({ id: h.profileId, label: h.label, wsUrl: h.url, createdAt: now, updatedAt: now }));
}

/** Keeps one agent streaming turns until `stop()`: send, wait for the
 *  finish, again; a killed daemon fails the current step, and the driver
 *  waits for the restart and goes on with the next turn. */
export class Driver {
  turns = 0;
  failedSteps = 0;
  private stopping = false;
  private done: Promise<void>;

  constructor(
    readonly host: FleetHost,
    readonly agentId: string,
    private readonly prompt: (turn: number) => string,
  ) {
    this.done = this.run();
  }

  private async run() {
    while (!this.stopping) {
      try {
        const client = await this.host.whenUp(60_000);
        if (this.stopping) break;
        this.turns++;
        await client.request({
          type: "send_agent_message_request",
          agentId: this.agentId,
          text: this.prompt(this.turns),
          messageId: `chaos-${this.agentId}-${this.turns}`,
        });
        await client.request({ type: "wait_for_finish_request", agentId: this.agentId, timeoutMs: 30_000 }, 40_000);
      } catch {
        this.failedSteps++;
        // The daemon went away: wait for the next change (its restart).
        if (!this.stopping && !this.host.up) await this.host.nextChange(1_000);
      }
    }
  }

  /** Stops after the current step. */
  async stop() {
    this.stopping = true;
    await this.done;
  }
}

/** Agent processes started by a daemon of this fleet (found by the marker
 *  variable they inherit), with their parent pid. */
export function fleetAgentProcesses(mark: string): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("paseo-test-agent")) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (!environ.split("\0").includes(`PASEO_E2E_FLEET=${mark}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      found.push({ pid: Number(entry), ppid });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

export interface Mounted {
  start: number;
  end: number;
  kind: string;
  text: string;
}

/** What the daemon's rows say a mounted item must be. */
const KIND_OF_ROW: Record<string, string> = {
  user_message: "user",
  assistant_message: "assistant",
  reasoning: "reasoning",
  tool_call: "tool",
  error: "error",
  todo: "todo",
  compaction: "compaction",
};

function squash(text: string) {
  return text.replace(/\s+/g, " ").trim();
}

function expectedText(kind: string, rows: any[]): string | undefined {
  switch (kind) {
    case "user":
    case "assistant":
      return squash(rows.map((r) => r.item.text ?? "").join(""));
    case "reasoning":
      return squash("Thinking" + rows.map((r) => r.item.text ?? "").join(""));
    case "error":
      return squash(rows.map((r) => r.item.message ?? "").join(""));
    default:
      return undefined;
  }
}

export interface Comparison {
  items: number;
  rows: number;
  lost: number;
  duplicated: number;
  mismatched: string[];
}

/** Compares the mounted items of one timeline with the daemon's own rows:
 *  every seq between the first and last mounted one is covered exactly once
 *  (`lost` counts daemon rows no item covers, and mounted seqs the daemon
 *  does not have; `duplicated` counts seqs covered twice or more), each item
 *  has the kind of its rows, and its text is theirs. */
export function compareWithDaemon(items: Mounted[], rows: any[]): Comparison {
  const mismatched: string[] = [];
  if (items.length === 0) return { items: 0, rows: 0, lost: 0, duplicated: 0, mismatched: ["no item mounted"] };
  const first = Math.min(...items.map((i) => i.start));
  const last = Math.max(...items.map((i) => i.end));
  const cover = new Map<number, number>();
  for (const item of items) {
    if (item.end < item.start) mismatched.push(`item ${item.start}-${item.end} runs backwards`);
    for (let s = item.start; s <= item.end; s++) cover.set(s, (cover.get(s) ?? 0) + 1);
  }
  const bySeq = new Map<number, any>();
  for (const row of rows) {
    if (row.seqEnd < first || row.seqStart > last) continue;
    for (let s = row.seqStart; s <= row.seqEnd; s++) bySeq.set(s, row);
  }
  let lost = 0;
  let duplicated = 0;
  for (let s = first; s <= last; s++) {
    const count = cover.get(s) ?? 0;
    const onDaemon = bySeq.has(s);
    if (onDaemon && count === 0) lost++;
    if (!onDaemon && count > 0) lost++; // shown, but the daemon has no such row
    if (count > 1) duplicated += count - 1;
  }
  for (let i = 1; i < items.length; i++) {
    if (items[i].start !== items[i - 1].end + 1) mismatched.push(`item at ${items[i].start} does not follow ${items[i - 1].end}`);
  }
  for (const item of items) {
    const mine = rows.filter((r) => r.seqStart >= item.start && r.seqEnd <= item.end);
    const kinds = new Set(mine.map((r) => KIND_OF_ROW[r.item.type] ?? "unknown"));
    if (kinds.size !== 1 || !kinds.has(item.kind)) {
      mismatched.push(`item ${item.start}-${item.end} is ${item.kind}, its rows are ${[...kinds].join("+")}`);
      continue;
    }
    const want = expectedText(item.kind, mine);
    if (want !== undefined && squash(item.text) !== want) {
      mismatched.push(`item ${item.start}-${item.end} (${item.kind}) shows ${JSON.stringify(item.text.slice(0, 80))}, the daemon ${JSON.stringify(want.slice(0, 80))}`);
    }
  }
  const rowsInRange = rows.filter((r) => r.seqStart >= first && r.seqEnd <= last).length;
  return { items: items.length, rows: rowsInRange, lost, duplicated, mismatched };
}

/** Mounted timeline items of a page: seq ranges, kind and text. */
export const MOUNTED_ITEMS = (nodes: Element[]) =>
  nodes.map((n) => ({
    start: Number(n.getAttribute("data-seq-start")),
    end: Number(n.getAttribute("data-seq-end")),
    kind: (n.className.match(/item-(\w+)/) ?? [])[1] ?? "",
    text: (n.textContent ?? "").trim(),
  }));
