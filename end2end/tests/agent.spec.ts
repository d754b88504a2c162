// The agent screen beyond the union: every item kind the protocol has, a
// 10,000-row timeline with a bounded number of mounted items, resuming a
// stored session from the dialog, and the legacy route's "several" and
// "still connecting" outcomes. Three real daemons with the test agent.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { expect, Page, test } from "@playwright/test";

import {
  Host,
  REGISTRY_KEY,
  freePort,
  registry,
  restartHost,
  seedRegistry,
  startHosts,
  stopHost,
  stopHosts,
  watchForProblems,
  webUrl,
} from "./support/world";

let hosts: Host[] = [];

test.beforeAll(async () => {
  hosts = await startHosts(3);
});

test.afterAll(async () => {
  await stopHosts(hosts);
});

async function openAgent(page: Page, host: Host, agentId: string, query = "") {
  await seedRegistry(page, hosts);
  await page.goto(webUrl(`/agent/${host.profileId}/${agentId}${query}`));
  await expect(page.locator("section.agent-page")).toBeVisible();
}

/** Mounted seq ranges, in DOM order. */
async function mounted(page: Page) {
  return page.$$eval(".timeline [data-seq-start]", (nodes) =>
    nodes.map((n) => [Number(n.getAttribute("data-seq-start")), Number(n.getAttribute("data-seq-end"))]),
  );
}

function assertContiguous(ranges: number[][]) {
  for (let i = 1; i < ranges.length; i++) {
    expect(ranges[i][0], `item ${i} follows item ${i - 1}`).toBe(ranges[i - 1][1] + 1);
  }
}

test("every item kind renders by kind: tools, plan, compaction", async ({ page }) => {
  const problems = watchForProblems(page);
  const host = hosts[0];
  const id = await host.client.createAgent(host.cwd, "USE_TODO COMPACT TOOLS", "All the kinds");
  await host.client.waitForFinish(id);
  await openAgent(page, host, id);

  const timeline = page.locator(".timeline");
  await expect(timeline.locator(".item-compaction")).toHaveCount(1);
  await expect(timeline.locator(".item-compaction")).toContainText("compacted");
  await expect(timeline.locator(".item-todo")).toContainText("1/2");
  // One tool item per kind, each with its own detail.
  await expect(timeline.locator(".item-tool")).toHaveCount(6);
  const tool = (name: string) => timeline.locator(".item-tool").filter({ hasText: name });
  await tool("cargo test --quiet").locator("summary").click();
  await expect(tool("cargo test --quiet")).toContainText("12 passed");
  await expect(tool("cargo test --quiet")).toContainText("exit 0");
  await tool("README.md").locator("summary").click();
  await expect(tool("README.md")).toContainText("Read me first.");
  await tool("TODO").locator("summary").click();
  await expect(tool("TODO")).toContainText("src/main.rs:3");
  await tool("Plan the change").locator("summary").click();
  await expect(tool("Plan the change")).toContainText("First the parser");
  await tool("example.com").locator("summary").click();
  await expect(tool("example.com")).toContainText("Example Domain");
  await tool("Custom tool").locator("summary").click();
  await expect(tool("Custom tool")).toContainText('"answer": 42');

  // The compaction marker is one item spanning both of its rows.
  const [, rows] = await host.client.timeline(id);
  const compaction = rows.filter((r: any) => r.item.type === "compaction");
  expect(compaction.length).toBe(2);
  const marker = timeline.locator(".item-compaction");
  await expect(marker).toHaveAttribute("data-seq-start", String(compaction[0].seqStart));
  await expect(marker).toHaveAttribute("data-seq-end", String(compaction[1].seqEnd));
  expect(problems).toEqual([]);
});

test("a 10,000-row timeline mounts a bounded number of items, at the bottom and at row 1", async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchForProblems(page);
  const host = hosts[1];
  const id = await host.client.createAgent(host.cwd, "ITEMS=10000", "Long history");
  await host.client.waitForFinish(id);
  const [, rows] = await host.client.timeline(id);
  expect(rows.length).toBeGreaterThanOrEqual(10_000);
  const lastSeq = rows[rows.length - 1].seqEnd;

  await openAgent(page, host, id);
  await expect(page.locator(`.timeline [data-seq-end="${lastSeq}"]`)).toBeVisible();
  let ranges = await mounted(page);
  expect(ranges.length).toBeLessThanOrEqual(300);
  assertContiguous(ranges);

  // Open at row 1: pages load back to it, and still only a window is mounted.
  await page.goto(webUrl(`/agent/${host.profileId}/${id}?seq=1`));
  const first = page.locator('.timeline [data-seq-start="1"]');
  await expect(first).toBeVisible({ timeout: 120_000 });
  await expect(first).toHaveClass(/focused/);
  ranges = await mounted(page);
  expect(ranges.length).toBeGreaterThan(0);
  expect(ranges.length).toBeLessThanOrEqual(300);
  assertContiguous(ranges);
  expect(ranges[0][0]).toBe(1);
  // Stepping later keeps the window bounded and contiguous.
  await page.locator(".load-later").click();
  await expect(page.locator('.timeline [data-seq-start="1"]')).toHaveCount(0);
  ranges = await mounted(page);
  expect(ranges.length).toBeLessThanOrEqual(300);
  assertContiguous(ranges);
  // And "jump to latest" goes back to the newest rows.
  await page.locator(".jump-latest").click();
  await expect(page.locator(`.timeline [data-seq-end="${lastSeq}"]`)).toBeVisible();
  expect((await mounted(page)).length).toBeLessThanOrEqual(300);
  expect(problems).toEqual([]);
});

test("a stored session is resumed from the dialog, back in the list of its host", async ({ page }) => {
  const problems = watchForProblems(page);
  const host = hosts[2];
  const id = await host.client.createAgent(host.cwd, "hello", "Worth resuming");
  await host.client.waitForFinish(id);
  await host.client.request({ type: "archive_agent_request", agentId: id });

  await seedRegistry(page, hosts);
  await page.goto(webUrl("/"));
  await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.locator("select[name=host]").selectOption(host.profileId);
  await dialog.getByText("Resume", { exact: true }).click();
  await dialog.locator("select[name=resume]").selectOption(id);
  await dialog.getByRole("button", { name: "Resume agent" }).click();
  // Our daemon reopens the agent holding that session (Paseo's may make a
  // new one): either way the route is that host's and the agent is live.
  await expect(page).toHaveURL(new RegExp(`/agent/${host.profileId}/[^/]+$`));
  const resumed = page.url().split("/").pop()!;
  await expect(page.locator(".timeline .item-assistant").first()).toContainText("Hi there!");
  const fetched = await host.client.request({ type: "fetch_agent_request", agentId: resumed });
  expect(fetched.payload.agent.archivedAt ?? null).toBeNull();
  // And it works: a new turn runs.
  await page.locator(".composer textarea").fill("hello again");
  await page.keyboard.press("Enter");
  await expect(page.locator(".timeline .item-user").last()).toContainText("hello again");
  expect(problems).toEqual([]);
});

/**
 * Copies an agent's record while its daemon still runs: the daemon writes by
 * `*.tmp` + rename, so a temporary file may vanish between listing and copy.
 * Final files are always whole; temporaries are skipped.
 */
function copyRecord(from: string, to: string) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name.endsWith(".tmp")) continue;
    const [src, dest] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) copyRecord(src, dest);
    else if (entry.isFile()) copyFileSync(src, dest);
  }
}

test("legacy links: several hosts holding one agent get a picker; unanswered hosts read connecting", async ({ page }) => {
  const problems = watchForProblems(page);
  const [a, b] = [hosts[0], hosts[1]];
  const id = await a.client.createAgent(a.cwd, "hello", "Twice held");
  await a.client.waitForFinish(id);
  // The same agent's record copied into the second daemon's home.
  await stopHost(b);
  copyRecord(path.join(a.home, "agents", id), path.join(b.home, "agents", id));
  await restartHost(b);

  await seedRegistry(page, hosts);
  await page.goto(webUrl("/"));
  await expect(page.locator(`li.agent-row[data-profile-id="${b.profileId}"][data-agent-id="${id}"]`)).toBeVisible();
  const response = await page.goto(webUrl(`/agent/${id}`));
  expect(response?.status()).toBe(200);
  const picker = page.locator("[data-state=pick]");
  await expect(picker).toBeVisible();
  await expect(picker.locator("a")).toHaveCount(2);
  await expect(picker).toContainText(a.label);
  await expect(picker).toContainText(b.label);
  await picker.locator(`a[href="/agent/${b.profileId}/${id}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/agent/${b.profileId}/${id}$`));
  expect(problems).toEqual([]);
});

test("a legacy link waits while a host has not answered", async ({ browser }) => {
  // A host that accepts TCP and never answers: it stays "connecting".
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  const port = await freePort();
  await new Promise<void>((r) => silent.listen(port, "127.0.0.1", r));
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchForProblems(page);
  try {
    const profiles = [
      ...registry([hosts[0]]),
      { id: "daemon_silent_0000aa", label: "Silent box", wsUrl: `ws://127.0.0.1:${port}/ws`, createdAt: "2026-12-05T00:00:00.000Z", updatedAt: "2026-12-05T00:00:00.000Z" },
    ];
    await page.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(profiles)] as const);
    const response = await page.goto(webUrl("/agent/agent-nobody-has"));
    expect(response?.status()).toBe(200);
    await expect(page.locator("[data-state=connecting]")).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    sockets.forEach((s) => s.destroy());
    silent.close();
  }
});
