// Three real daemons with the test agent, their registry profiles, and the
// checks every browser test shares (no console.error, no HTTP >= 400).
import { mkdtempSync, mkdirSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Page } from "@playwright/test";

import { DaemonClient } from "./daemon";
import { Running, startDaemonAt } from "./processes";

export const REGISTRY_KEY = "@paseo:daemon-registry";

export interface Host {
  profileId: string;
  label: string;
  port: number;
  url: string;
  home: string;
  cwd: string;
  daemon: Running & { home: string };
  client: DaemonClient;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const LABELS = ["Laptop", "Workstation", "GPU box"];

export async function startHosts(count = 3): Promise<Host[]> {
  const hosts: Host[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const home = mkdtempSync(path.join(tmpdir(), "paseo-e2e-home-"));
    const cwd = mkdtempSync(path.join(tmpdir(), `paseo-e2e-work-${i}-`));
    mkdirSync(cwd, { recursive: true });
    const daemon = await startDaemonAt(`127.0.0.1:${port}`, home);
    const client = await DaemonClient.connect(daemon.url);
    hosts.push({
      profileId: `daemon_e2e${i}_${(0xa00000 + i).toString(16)}`,
      label: LABELS[i] ?? `Host ${i}`,
      port,
      url: daemon.url,
      home,
      cwd,
      daemon,
      client,
    });
  }
  return hosts;
}

/** Kills a host's daemon (SIGKILL unless told) and forgets its client. */
export async function stopHost(host: Host, signal: NodeJS.Signals = "SIGKILL") {
  host.client.close();
  await host.daemon.stop(signal);
}

/** Starts a stopped host's daemon again on the same port and home. */
export async function restartHost(host: Host) {
  host.daemon = await startDaemonAt(`127.0.0.1:${host.port}`, host.home);
  host.client = await DaemonClient.connect(host.daemon.url);
}

export async function stopHosts(hosts: Host[]) {
  for (const host of hosts) {
    host.client.close();
    await host.daemon.stop();
  }
}

/** The registry a browser would hold for these hosts. */
export function registry(hosts: Host[]) {
  const now = "2026-12-05T00:00:00.000Z";
  return hosts.map((h) => ({
    id: h.profileId,
    label: h.label,
    wsUrl: `ws://127.0.0.1:${h.port}/ws`,
    createdAt: now,
    updatedAt: now,
  }));
}

/** Seeds the registry before the app loads (once per browser context). */
export async function seedRegistry(page: Page, hosts: Host[]) {
  await page.addInitScript(
    ([key, value]) => {
      if (!localStorage.getItem(key)) localStorage.setItem(key, value);
    },
    [REGISTRY_KEY, JSON.stringify(registry(hosts))] as const,
  );
}

/** Collects console errors, page errors and HTTP >= 400 responses. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

export function webUrl(rest = "/"): string {
  return `${process.env.PASEO_WEB_URL}${rest}`;
}
