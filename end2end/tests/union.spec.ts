// The union of three real daemons, the agent screen, and actions that go to
// the daemon that owns the agent. State is made over the daemon protocol
// except where the UI is what is tested; the browser is compared with the
// daemon's own log.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, Page, test } from "@playwright/test";

import {
  Host,
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
  // Laptop: one finished agent; Workstation: one; GPU box: one asking permission.
  const a = await hosts[0].client.createAgent(hosts[0].cwd, "hello", "Refactor the parser");
  await hosts[0].client.waitForFinish(a);
  const b = await hosts[1].client.createAgent(hosts[1].cwd, "hello", "Write the docs");
  await hosts[1].client.waitForFinish(b);
  await hosts[2].client.createAgent(hosts[2].cwd, "please EDIT_FILE", "Edit the notes");
});

test.afterAll(async () => {
  await stopHosts(hosts);
});

async function openUnion(page: Page) {
  await seedRegistry(page, hosts);
  await page.goto(webUrl("/"));
  await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
}

function row(page: Page, host: Host, agentId?: string) {
  const selector = agentId
    ? `li.agent-row[data-profile-id="${host.profileId}"][data-agent-id="${agentId}"]`
    : `li.agent-row[data-profile-id="${host.profileId}"]`;
  return page.locator(selector);
}

/** Items mounted in the timeline: seq ranges and their text. */
async function mountedItems(page: Page) {
  return page.$$eval(".timeline [data-seq-start]", (nodes) =>
    nodes.map((n) => ({
      start: Number(n.getAttribute("data-seq-start")),
      end: Number(n.getAttribute("data-seq-end")),
      kind: (n.className.match(/item-(\w+)/) ?? [])[1],
      text: (n.textContent ?? "").trim(),
    })),
  );
}

/** Mounted ranges are contiguous and disjoint, and cover exactly the
 *  daemon's rows between the first and last mounted seq, with their text. */
function assertMatchesDaemon(items: Awaited<ReturnType<typeof mountedItems>>, rows: any[]) {
  expect(items.length).toBeGreaterThan(0);
  for (let i = 1; i < items.length; i++) {
    expect(items[i].start, `item ${i} follows item ${i - 1}`).toBe(items[i - 1].end + 1);
  }
  const first = items[0].start;
  const last = items[items.length - 1].end;
  const inRange = rows.filter((r) => r.seqStart >= first && r.seqEnd <= last);
  expect(inRange[0].seqStart).toBe(first);
  expect(inRange[inRange.length - 1].seqEnd).toBe(last);
  for (const item of items) {
    const mine = inRange.filter((r) => r.seqStart >= item.start && r.seqEnd <= item.end);
    expect(mine.length, `rows of ${item.start}-${item.end}`).toBe(item.end - item.start + 1);
    if (item.kind === "assistant" || item.kind === "user") {
      const text = mine.map((r) => r.item.text).join("").trim();
      expect(item.text.replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));
    }
  }
}

test("the union lists every host's agents with their host, needs-input first", async ({ page }) => {
  const problems = watchForProblems(page);
  await openUnion(page);
  for (const host of hosts) {
    await expect(page.locator(`li.host[data-profile-id="${host.profileId}"]`)).toHaveAttribute("data-status", "online");
    await expect(row(page, host)).toHaveCount(1);
    await expect(row(page, host).locator(".host-chip")).toHaveText(host.label);
  }
  // The agent waiting for a permission comes first.
  const first = page.locator("li.agent-row").first();
  await expect(first).toHaveAttribute("data-profile-id", hosts[2].profileId);
  await expect(first.locator(".needs-input")).toBeVisible();
  await page.screenshot({ path: "../docs/screenshots/union.png", fullPage: true });
  // Filters: by host, and by text.
  await page.getByLabel("Filter by host").selectOption(hosts[1].profileId);
  await expect(page.locator("li.agent-row")).toHaveCount(1);
  await page.getByLabel("Filter by host").selectOption("");
  await page.getByLabel("Search agents by title or folder").fill("parser");
  await expect(page.locator("li.agent-row")).toHaveCount(1);
  await expect(page.locator("li.agent-row .agent-title")).toHaveText("Refactor the parser");
  expect(problems).toEqual([]);
});

test("an agent created from the dialog on the second host streams a turn that matches the daemon's log", async ({ page }) => {
  const problems = watchForProblems(page);
  await openUnion(page);
  await expect(page.locator(`li.host[data-profile-id="${hosts[1].profileId}"]`)).toHaveAttribute("data-status", "online");
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.locator("select[name=host]").selectOption(hosts[1].profileId);
  await expect(dialog.locator("select[name=provider] option[value=test]")).toHaveCount(1);
  await dialog.locator("select[name=provider]").selectOption("test");
  await dialog.locator("input[name=cwd]").fill(hosts[1].cwd);
  await dialog.locator("textarea[name=prompt]").fill("stream please CHUNKS=50");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(new RegExp(`/agent/${hosts[1].profileId}/[^/]+$`));
  const agentId = page.url().split("/").pop()!;
  const screen = page.locator("section.agent-page");
  await expect(screen).toHaveAttribute("data-agent-id", agentId);
  await expect(screen).toHaveAttribute("data-status", "idle");
  await expect(page.locator(".timeline .item-assistant").last()).toContainText("c50");
  const [, rows] = await hosts[1].client.timeline(agentId);
  assertMatchesDaemon(await mountedItems(page), rows);
  expect(problems).toEqual([]);
});

test("a permission answered in the UI lets the agent go on; one answered elsewhere disappears", async ({ page }) => {
  const problems = watchForProblems(page);
  const agentId = await hosts[0].client.createAgent(hosts[0].cwd, "please EDIT_FILE", "Ask first");
  await openUnion(page);
  await row(page, hosts[0], agentId).locator("a").click();
  const prompt = page.locator(".prompt");
  await expect(prompt).toHaveCount(1);
  await page.screenshot({ path: "../docs/screenshots/permission.png", fullPage: true });
  await prompt.locator("button.allow").first().click();
  await expect(prompt).toHaveCount(0);
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-status", "idle");
  await expect(page.locator(".timeline .item-tool .tool-completed")).toHaveCount(1);

  // Another client answers: the prompt leaves this page with its resolution.
  const other = await hosts[0].client.createAgent(hosts[0].cwd, "please EDIT_FILE", "Ask again");
  await page.goto(webUrl(`/agent/${hosts[0].profileId}/${other}`));
  await expect(page.locator(".prompt")).toHaveCount(1);
  const requestId = await page.locator(".prompt").getAttribute("data-request-id");
  hosts[0].client.send({
    type: "agent_permission_response",
    agentId: other,
    requestId,
    response: { behavior: "deny" },
  });
  await expect(page.locator(".prompt")).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("a hostile reply renders inert", async ({ page }) => {
  const problems = watchForProblems(page);
  writeFileSync(
    path.join(hosts[0].cwd, "hostile.md"),
    [
      "# Totally normal",
      "<script>window.__pwned = 1</script>",
      "<img src=x onerror=\"window.__pwned = 2\">",
      "[click](javascript:window.__pwned=3) [data](data:text/html,<script>1</script>)",
      "<a href=\"javascript:window.__pwned=4\">raw link</a>",
      "[fine](https://example.com)",
    ].join("\n\n"),
  );
  const agentId = await hosts[0].client.createAgent(hosts[0].cwd, "REPLY_FILE=hostile.md", "Hostile");
  await hosts[0].client.waitForFinish(agentId);
  await seedRegistry(page, hosts);
  await page.goto(webUrl(`/agent/${hosts[0].profileId}/${agentId}`));
  const reply = page.locator(".timeline .item-assistant").last();
  await expect(reply).toContainText("Totally normal");
  await expect(reply).toContainText("<script>");
  expect(await reply.locator("script, img, iframe").count()).toBe(0);
  const hrefs = await page.$$eval(".timeline a", (as) => as.map((a) => a.getAttribute("href")));
  expect(hrefs).toEqual(["https://example.com"]);
  const onAttrs = await page.$$eval(".timeline *", (els) =>
    els.flatMap((el) => Array.from(el.attributes).filter((a) => a.name.startsWith("on")).map((a) => a.name)),
  );
  expect(onAttrs).toEqual([]);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(problems).toEqual([]);
});

test("a draft and two queued messages survive a reload and are delivered once, in order", async ({ page }) => {
  const problems = watchForProblems(page);
  const agentId = await hosts[1].client.createAgent(hosts[1].cwd, undefined, "Queue me");
  await seedRegistry(page, hosts);
  await page.goto(webUrl(`/agent/${hosts[1].profileId}/${agentId}`));
  const screen = page.locator("section.agent-page");
  await expect(screen).toHaveAttribute("data-host-status", "online");
  const input = page.locator(".composer-input");
  await input.fill("slow one PLEASE_BE_SLOW");
  await input.press("Enter");
  await expect(screen).toHaveAttribute("data-status", "running");
  await input.fill("first queued");
  await input.press("Enter");
  await input.fill("second queued");
  await input.press("Enter");
  await input.fill("an unsent draft");
  await expect(page.locator("ol.queue li.queued")).toHaveCount(2);
  await page.reload();
  await expect(page.locator("ol.queue li.queued")).toHaveCount(2);
  await expect(page.locator(".composer-input")).toHaveValue("an unsent draft");
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-status", "running");
  await page.getByRole("button", { name: "Stop the running turn" }).click();
  await expect(page.locator("ol.queue li.queued")).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-status", "idle");
  const [, rows] = await hosts[1].client.timeline(agentId);
  const users = rows.filter((r) => r.item.type === "user_message").map((r) => r.item.text);
  expect(users).toEqual(["slow one PLEASE_BE_SLOW", "first queued", "second queued"]);
  expect(problems).toEqual([]);
});

test("one status change and 50 streamed chunks touch only their own row and items", async ({ page }) => {
  const problems = watchForProblems(page);
  await openUnion(page);
  await expect(page.locator("li.agent-row")).not.toHaveCount(0);
  const target = hosts[0];
  // A finished, unseen agent with the newest activity: running, then
  // finished again, it keeps its place (so nothing else has to move).
  const agentId = await target.client.createAgent(target.cwd, "hello", "Fine grained");
  await target.client.waitForFinish(agentId);
  await expect(row(page, target, agentId)).toHaveAttribute("data-attention", "true");
  await expect(row(page, target, agentId)).toHaveAttribute("data-status", "idle");
  const position = () =>
    page.$$eval("li.agent-row", (rows) => rows.map((r) => r.getAttribute("data-agent-id")));
  const before = await position();
  // Mark every row; observe the list.
  await page.evaluate(() => {
    const w = window as any;
    w.__rows = Array.from(document.querySelectorAll("li.agent-row"));
    w.__mutations = [];
    w.__observer = new MutationObserver((records) => w.__mutations.push(...records));
    w.__observer.observe(document.querySelector("ul.agent-list")!, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await target.client.request({ type: "send_agent_message_request", agentId, text: "hi", messageId: `m-${Date.now()}` });
  await target.client.waitForFinish(agentId);
  await expect(row(page, target, agentId)).toHaveAttribute("data-status", "idle");
  expect(await position()).toEqual(before);
  const outside = await page.evaluate((id) => {
    const w = window as any;
    w.__observer.disconnect();
    const changed = document.querySelector(`li.agent-row[data-agent-id="${id}"]`);
    const bad = w.__mutations.filter((m: MutationRecord) => {
      if (changed && (changed === m.target || changed.contains(m.target))) return false;
      // The list may move the changed row itself, nothing else.
      if (m.type === "childList") {
        const nodes = [...Array.from(m.addedNodes), ...Array.from(m.removedNodes)];
        return nodes.some((n) => n !== changed && n.nodeType === 1);
      }
      return true;
    });
    const others = (w.__rows as Element[]).filter((r) => r.getAttribute("data-agent-id") !== id);
    (window as any).__bad = bad.slice(0, 6).map((m: MutationRecord) => `${m.type} on ${(m.target as Element).outerHTML?.slice(0, 120) ?? m.target.nodeName} +${Array.from(m.addedNodes).map((n) => (n as Element).outerHTML?.slice(0, 80) ?? n.nodeName).join(",")} -${Array.from(m.removedNodes).map((n) => (n as Element).outerHTML?.slice(0, 80) ?? n.nodeName).join(",")} attr=${m.attributeName}`);
    return { bad: bad.length, detached: others.filter((r) => !r.isConnected).length, others: others.length };
  }, agentId);
  const bad = await page.evaluate(() => (window as any).__bad);
  if (outside.bad) console.log("mutations outside the changed row:\n" + bad.join("\n"));
  expect(outside.others).toBeGreaterThan(0);
  expect(outside).toEqual({ bad: 0, detached: 0, others: outside.others });

  // 50 streamed chunks re-render only the growing message.
  await row(page, target, agentId).locator("a").click();
  await expect(page.locator(".timeline [data-seq-start]")).not.toHaveCount(0);
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-status", "idle");
  await page.evaluate(() => {
    const w = window as any;
    w.__items = Array.from(document.querySelectorAll(".timeline [data-seq-start]"));
    w.__mutations = [];
    w.__observer = new MutationObserver((records) => w.__mutations.push(...records));
    w.__observer.observe(document.querySelector(".timeline")!, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const itemsBefore = await page.locator(".timeline [data-seq-start]").count();
  await target.client.request({ type: "send_agent_message_request", agentId, text: "CHUNKS=50@100", messageId: `m-${Date.now()}` });
  await target.client.waitForFinish(agentId);
  await expect(page.locator(".timeline .item-assistant").last()).toContainText("c50");
  const result = await page.evaluate(() => {
    const w = window as any;
    w.__observer.disconnect();
    const old: Element[] = w.__items;
    const touchedOld = w.__mutations.filter((m: MutationRecord) =>
      old.some((el) => el === m.target || el.contains(m.target)),
    );
    return { detached: old.filter((el) => !el.isConnected).length, touchedOld: touchedOld.length };
  });
  expect(result).toEqual({ detached: 0, touchedOld: 0 });
  expect(await page.locator(".timeline [data-seq-start]").count()).toBeGreaterThan(itemsBefore);
  const [, rows] = await target.client.timeline(agentId);
  assertMatchesDaemon(await mountedItems(page), rows);
  expect(problems).toEqual([]);
});

test("a killed daemon stays listed offline, blocks actions with the reason, and comes back live without a reload", async ({ page }) => {
  const problems = watchForProblems(page);
  const host = hosts[2];
  await openUnion(page);
  await expect(row(page, host).first()).toHaveAttribute("data-host-status", "online");
  const agentId = await row(page, host).first().getAttribute("data-agent-id");
  await page.evaluate(() => ((window as any).__noReload = true));
  await stopHost(host);
  await expect(row(page, host).first()).toHaveAttribute("data-host-status", /^(offline|error|connecting)$/);
  await expect(row(page, host)).not.toHaveCount(0);
  await page.screenshot({ path: "../docs/screenshots/host-offline.png", fullPage: true });
  // After a reload the offline host's agents come from the browser's snapshot.
  const listed = await row(page, host).count();
  await page.reload();
  await expect(page.locator(`li.host[data-profile-id="${host.profileId}"]`)).toHaveAttribute("data-status", /^(offline|error)$/);
  await expect(row(page, host)).toHaveCount(listed);
  await expect(row(page, host).first()).toHaveAttribute("data-host-status", /^(offline|error)$/);
  await page.evaluate(() => ((window as any).__noReload = true));

  // Creating there is blocked, saying why.
  await page.getByRole("button", { name: "New agent" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.locator("select[name=host]").selectOption(host.profileId);
  await expect(dialog.locator(".inline-note")).toContainText("Can't create here");
  await expect(dialog.getByRole("button", { name: "Create agent" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Its agent route shows the stale timeline with the placeholder.
  await page.locator(`li.agent-row[data-agent-id="${agentId}"] a`).click();
  await expect(page.locator(".placeholder.offline")).toBeVisible();
  await expect(page.locator(".composer button.send")).toBeDisabled();

  await restartHost(host);
  await expect(page.locator(".placeholder.offline")).toHaveCount(0, { timeout: 45_000 });
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  // The browser logs the host's transitions as warnings, never errors.
  expect(problems).toEqual([]);
});

test("unknown hosts and legacy links answer inline", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, hosts);
  const response = await page.goto(webUrl("/agent/daemon_nope_000000/agent-x"));
  expect(response?.status()).toBe(200);
  await expect(page.locator("[data-state=unknown-host]")).toBeVisible();

  await page.goto(webUrl("/"));
  await expect(row(page, hosts[0]).first()).toBeVisible();
  const someAgent = await row(page, hosts[0]).first().getAttribute("data-agent-id");
  const legacy = await page.goto(webUrl(`/agent/${someAgent}`));
  expect(legacy?.status()).toBe(200);
  await expect(page).toHaveURL(new RegExp(`/agent/${hosts[0].profileId}/${someAgent}$`));
  await page.goto(webUrl("/agent/no-such-agent"));
  await expect(page.locator("[data-state=not-found]")).toBeVisible();
  expect(problems).toEqual([]);
});

test("when the tab's own channel drops every host reads stale, then live again", async ({ page }) => {
  const problems = watchForProblems(page);
  let refuse = false;
  const sockets: any[] = [];
  await page.routeWebSocket(/\/live$/, (ws) => {
    if (refuse) {
      ws.close({ code: 1011, reason: "test: channel refused" });
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await openUnion(page);
  const host = page.locator(`li.host[data-profile-id="${hosts[0].profileId}"]`);
  await expect(host).toHaveAttribute("data-status", "online");
  refuse = true;
  for (const ws of sockets) await ws.close({ code: 1012, reason: "test: drop" });
  await expect(host).toHaveAttribute("data-status", "stale");
  await expect(page.locator(".banner-channel")).toBeVisible();
  refuse = false;
  await expect(host).toHaveAttribute("data-status", "online", { timeout: 45_000 });
  await expect(page.locator(".banner-channel")).toHaveCount(0);
  expect(problems.filter((p) => !p.includes("WebSocket"))).toEqual([]);
});

test("at phone width and in both color schemes nothing scrolls sideways", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, hosts);
  const agentId = await hosts[0].client.createAgent(hosts[0].cwd, "USE_TODO please EDIT_FILE", "Phone check");
  for (const colorScheme of ["dark", "light"] as const) {
    for (const [width, height, name] of [[390, 844, "phone"], [1280, 800, "desktop"]] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height });
      await page.goto(webUrl("/"));
      await expect(page.locator("li.agent-row").first()).toBeVisible();
      await page.screenshot({ path: `../docs/screenshots/${name}-${colorScheme}-union.png`, fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.goto(webUrl(`/agent/${hosts[0].profileId}/${agentId}`));
      await expect(page.locator(".prompt")).toHaveCount(1);
      await page.screenshot({ path: `../docs/screenshots/${name}-${colorScheme}-agent.png`, fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await expect(page.locator(".composer-input")).toBeVisible();
    }
  }
  expect(problems).toEqual([]);
});

test("two tabs on one agent: the queue is shared and sent once", async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  const problems = [...watchForProblems(a), ...watchForProblems(b)];
  const agentId = await hosts[1].client.createAgent(hosts[1].cwd, undefined, "Two tabs");
  for (const page of [a, b]) {
    await seedRegistry(page, hosts);
    await page.goto(webUrl(`/agent/${hosts[1].profileId}/${agentId}`));
    await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
  }
  await a.locator(".composer-input").fill("keep busy PLEASE_BE_SLOW");
  await a.locator(".composer-input").press("Enter");
  await expect(b.locator("section.agent-page")).toHaveAttribute("data-status", "running");
  await a.locator(".composer-input").fill("only once");
  await a.locator(".composer-input").press("Enter");
  // The other tab sees the queued message too.
  await expect(b.locator("ol.queue li.queued")).toHaveCount(1);
  await b.getByRole("button", { name: "Stop the running turn" }).click();
  await expect(a.locator("ol.queue li.queued")).toHaveCount(0, { timeout: 60_000 });
  await expect(b.locator("ol.queue li.queued")).toHaveCount(0, { timeout: 60_000 });
  await hosts[1].client.waitForFinish(agentId);
  const [, rows] = await hosts[1].client.timeline(agentId);
  const users = rows.filter((r) => r.item.type === "user_message").map((r) => r.item.text);
  expect(users).toEqual(["keep busy PLEASE_BE_SLOW", "only once"]);
  expect(problems).toEqual([]);
});
