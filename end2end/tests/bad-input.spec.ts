// The browser side of the bad-input suite (issue 12): corrupt browser
// storage and a hostile timeline, in Chromium against a real daemon.
//
// Corrupt storage: each `@paseo:*` key the app reads (the registry, the
// drafts, the session snapshots, the preferences) is set to garbage JSON,
// the wrong JSON type, a half-right value or a huge value, next to valid
// values of the other keys. The app must start (hydrated, no error), say
// what it set aside or dropped (a console warning naming the key), keep the
// user's words (the registry and the drafts are copied byte for byte under
// a `:corrupt:<ms>` key; snapshots are a cache and are dropped), and lose
// nothing else (the other keys unchanged, the host online, the draft shown).
//
// Hostile timeline: agent text (markdown replies, user messages, titles)
// with raw HTML, `<script>`, event handlers and `javascript:`-like links in
// every spelling markdown allows, and huge payloads, renders inert: no
// script runs, no `on*` attribute and no link other than http(s)/mailto
// reaches the DOM, and the page stays usable.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { Page, expect, test } from "@playwright/test";

import { Host, registry, REGISTRY_KEY, startHosts, stopHosts, webUrl } from "./support/world";

let hosts: Host[] = [];
let agentId = "";

test.beforeAll(async () => {
  hosts = await startHosts(1);
  agentId = await hosts[0].client.createAgent(hosts[0].cwd, "hello", "Storage check");
  await hosts[0].client.waitForFinish(agentId);
});

test.afterAll(async () => {
  await stopHosts(hosts);
});

/** Console warnings and every problem (console.error, page errors, HTTP >= 400). */
function listen(page: Page) {
  const warnings: string[] = [];
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "warning") warnings.push(msg.text());
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
  });
  return { warnings, problems };
}

async function storage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      out[key] = localStorage.getItem(key)!;
    }
    return out;
  });
}

/** Replaces the whole storage with `values`, then loads `route` afresh.
 *  The storage is written from a blank page of the same origin, so no
 *  running app can save over it (it saves its snapshot on pagehide). */
async function restart(page: Page, values: Record<string, string>, route: string) {
  await page.route("**/__blank", (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html><title>blank</title>" }));
  await page.goto(webUrl("/__blank"));
  await page.evaluate((v) => {
    localStorage.clear();
    for (const [k, value] of Object.entries(v)) localStorage.setItem(k, value);
  }, values);
  await page.goto(webUrl(route));
  await expect(page.locator("body[data-hydrated], section.agents[data-hydrated=true], section.agent-page").first()).toBeVisible();
}

const HUGE = 1_000_000;

test("corrupt browser storage: the app starts, says what it set aside, and loses nothing else", async ({ page }) => {
  test.setTimeout(120_000);
  const { warnings, problems } = listen(page);
  const host = hosts[0];
  const profile = registry(hosts)[0];
  const validRegistry = JSON.stringify([profile]);
  const agentRoute = `/agent/${host.profileId}/${agentId}`;

  // Valid values of every key, made by the app itself: a draft typed on the
  // agent's page, and the session snapshot it caches.
  await page.goto(webUrl("/"));
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, validRegistry] as const);
  await page.goto(webUrl(agentRoute));
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
  await page.locator(".composer-input").fill("my unsent words");
  const draftKey = `@paseo:drafts:${host.profileId}`;
  const snapshotKey = `@paseo:session-snapshot:${host.profileId}`;
  // The snapshot is written on pagehide (and on changes); poll the app's
  // own writes.
  await expect
    .poll(async () => {
      await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
      const s = await storage(page);
      return !!s[draftKey]?.includes("my unsent words") && !!s[snapshotKey];
    }, { timeout: 15_000 })
    .toBe(true);
  const valid = await storage(page);

  const counts: Record<string, number> = {};
  const count = (cls: string) => (counts[cls] = (counts[cls] ?? 0) + 1);

  // 1. The registry: never dropped. Set aside byte for byte, re-seeded
  //    (or, for a half-right list, the readable profiles kept).
  const registryCases: Array<[string, string]> = [
    ["garbage JSON", "{definitely not json"],
    ["truncated JSON", validRegistry.slice(0, validRegistry.length / 2)],
    ["wrong type: number", "42"],
    ["wrong type: string", JSON.stringify(validRegistry)],
    ["wrong type: null", "null"],
    ["wrong type: object", JSON.stringify(profile)],
    ["entries of the wrong types", `[1,"a",null,{"id":5}]`],
    ["one good profile among bad entries", JSON.stringify([7, profile, { id: ["x"] }])],
    ["huge garbage", "[" + "x".repeat(HUGE)],
    ["huge string", JSON.stringify("x".repeat(HUGE))],
  ];
  for (const [name, value] of registryCases) {
    warnings.length = 0;
    await restart(page, { ...valid, [REGISTRY_KEY]: value }, "/");
    await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
    const after = await storage(page);
    const backups = Object.entries(after).filter(([k]) => k.startsWith(`${REGISTRY_KEY}:corrupt:`));
    expect(backups.map(([, v]) => v), `registry, ${name}: set aside byte for byte`).toEqual([value]);
    expect(warnings.some((w) => w.includes(REGISTRY_KEY) || w.includes("daemon registry")), `registry, ${name}: said so`).toBe(true);
    const profiles = JSON.parse(after[REGISTRY_KEY]);
    expect(Array.isArray(profiles) && profiles.length >= 1, `registry, ${name}: usable again`).toBe(true);
    if (name === "one good profile among bad entries") {
      expect(profiles).toEqual([profile]);
      await expect(page.locator(`li.host[data-profile-id="${host.profileId}"]`)).toHaveAttribute("data-status", "online");
    }
    // Nothing else touched: the draft (the user's words) is as it was.
    expect(after[draftKey], `registry, ${name}: drafts untouched`).toBe(valid[draftKey]);
    count("registry");
  }

  // A registry too large to copy aside (localStorage holds about 5 M
  // characters per origin here): it must stay in place, not be
  // overwritten, and the app still starts (seeded for this page only).
  {
    const value = "[" + "q".repeat(3_000_000);
    warnings.length = 0;
    await restart(page, { [REGISTRY_KEY]: value }, "/");
    await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("li.host")).toHaveCount(1);
    const after = await storage(page);
    expect(after[REGISTRY_KEY] === value, "registry, too large to copy: left in place").toBe(true);
    expect(Object.keys(after).filter((k) => k.startsWith(`${REGISTRY_KEY}:corrupt:`))).toEqual([]);
    expect(warnings.some((w) => w.includes("could not be copied aside")), "registry, too large to copy: said so").toBe(true);
    count("registry");
  }

  // 2. Drafts (set aside, byte for byte) and snapshots (a cache: dropped,
  //    with a warning), one of each per start; the registry stays valid and
  //    the host online.
  const bookCases: Array<[string, string]> = [
    ["garbage JSON", "{nope"],
    ["wrong type: string", JSON.stringify("my words, as a string")],
    ["wrong field types", JSON.stringify({ drafts: { [agentId]: 5 }, queues: "soon" })],
    ["wrong type: number", "1e999"],
    ["huge garbage", "{" + "y".repeat(HUGE)],
  ];
  const snapshotCases: Array<[string, string]> = [
    ["garbage JSON", "{nope"],
    ["a future version", JSON.stringify({ v: 99 })],
    ["wrong field types", JSON.stringify({ v: 1, agents: "x", timelines: 3 })],
    ["wrong type: array", "[]"],
    ["huge garbage", "[" + "z".repeat(HUGE)],
  ];
  for (let i = 0; i < bookCases.length; i++) {
    const [bookName, book] = bookCases[i];
    const [snapName, snapshot] = snapshotCases[i];
    warnings.length = 0;
    await restart(page, { [REGISTRY_KEY]: validRegistry, [draftKey]: book, [snapshotKey]: snapshot }, agentRoute);
    await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
    await expect(page.locator(".timeline .item-assistant").first()).toBeVisible();
    const after = await storage(page);
    const bookBackups = Object.entries(after).filter(([k]) => k.startsWith(`${draftKey}:corrupt:`));
    expect(bookBackups.map(([, v]) => v), `drafts, ${bookName}: set aside byte for byte`).toEqual([book]);
    expect(warnings.some((w) => w.includes(draftKey)), `drafts, ${bookName}: said so`).toBe(true);
    expect(warnings.some((w) => w.includes(snapshotKey)), `snapshot, ${snapName}: said so`).toBe(true);
    expect(after[snapshotKey] ?? null, `snapshot, ${snapName}: the unreadable cache is gone`).not.toBe(snapshot);
    expect(after[REGISTRY_KEY], "the registry untouched").toBe(validRegistry);
    // The composer works: a new draft is stored again.
    await page.locator(".composer-input").fill("typed after the damage");
    count("drafts");
    count("snapshots");
  }

  // 3. Preferences: unreadable values read as the default; nothing breaks.
  const prefCases: Array<[string, string]> = [
    ["@paseo:theme", "{corrupt"],
    ["@paseo:notifications", JSON.stringify({ on: [1, 2] })],
    ["@paseo:notified", "{not a list"],
  ];
  for (const [key, value] of prefCases) {
    await restart(page, { ...valid, [key]: value }, "/");
    await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator(`li.host[data-profile-id="${host.profileId}"]`)).toHaveAttribute("data-status", "online");
    const after = await storage(page);
    expect(after[REGISTRY_KEY]).toBe(valid[REGISTRY_KEY]);
    expect(after[draftKey]).toBe(valid[draftKey]);
    count("preferences");
  }

  console.log(`bad input, browser storage: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  expect(problems).toEqual([]);
});

test("a hostile timeline renders inert: HTML, scripts, javascript: links in every spelling, huge payloads", async ({ page }) => {
  test.setTimeout(120_000);
  const { problems } = listen(page);
  const host = hosts[0];
  const hostile = [
    "# Heading <img src=x onerror=\"window.__pwned='img'\">",
    "<script>window.__pwned='script'</script>",
    "<svg onload=\"window.__pwned='svg'\"><circle r=1></circle></svg>",
    "<iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    "<a href=\"javascript:window.__pwned='raw-a'\">raw anchor</a>",
    "[plain](javascript:window.__pwned='md')",
    "[cased](JaVaScRiPt:window.__pwned='cased')",
    "[spaced]( javascript:window.__pwned='spaced')",
    "[encoded](&#106;avascript:window.__pwned='entity')",
    "[escaped](java&#x09;script:window.__pwned='tab')",
    "[vb](vbscript:msgbox(1)) [data](data:text/html,<script>1</script>) [file](file:///etc/passwd)",
    "<javascript:window.__pwned='autolink'>",
    "[ref][evil]\n\n[evil]: javascript:window.__pwned='ref'",
    "![image](javascript:window.__pwned='image')",
    "<details open ontoggle=\"window.__pwned='details'\">x</details>",
    "<style>body{display:none}</style>",
    "`<script>inside code</script>`",
    "[ok](https://example.com/ok) <https://example.com/auto> [mail](mailto:a@example.com)",
  ].join("\n\n");
  writeFileSync(path.join(host.cwd, "hostile.md"), hostile);
  const title = `<img src=x onerror="window.__pwned='title'"> Hostile`;
  // HOSTILE: the test agent's thought, plan and tool calls (titles, inputs,
  // outputs, paths, URLs) carry the same payloads.
  const agent = await host.client.createAgent(host.cwd, "HOSTILE REPLY_FILE=hostile.md", title);
  await host.client.waitForFinish(agent, 60_000);

  await page.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(registry(hosts))] as const);
  await page.goto(webUrl("/"));
  await expect(page.locator(`li.agent-row[data-agent-id="${agent}"]`)).toContainText("Hostile");
  await page.goto(webUrl(`/agent/${host.profileId}/${agent}`));
  const reply = page.locator(".timeline .item-assistant").first();
  await expect(reply).toContainText("<script>window.__pwned='script'</script>");
  await expect(reply).toContainText("mail");
  await expect(page.locator(".timeline .item-tool")).toHaveCount(4);
  await expect(page.locator(".timeline .item-todo")).toContainText("<script>");
  await expectInert(page);

  // Huge payloads streamed into the open page: a ~256 KiB reply in 64-char
  // chunks (about 4,100 rows), then a hostile 512 KiB user message (one row).
  const huge = Array.from({ length: 4096 }, (_, i) => `line ${i} ${"w".repeat(52)}`).join("\n") + "\n\nTHE END";
  writeFileSync(path.join(host.cwd, "huge.md"), huge);
  await host.client.request({ type: "send_agent_message_request", agentId: agent, text: "REPLY_FILE=huge.md", messageId: "huge-reply" });
  await host.client.waitForFinish(agent, 60_000);
  const userText = `<script>window.__pwned='user'</script> [u](javascript:window.__pwned='user-md') ${"u".repeat(512 * 1024)} USER END`;
  await host.client.request({ type: "send_agent_message_request", agentId: agent, text: userText, messageId: "hostile-user" });
  await host.client.waitForFinish(agent, 60_000);
  await expect(page.locator(".timeline .item-assistant", { hasText: "THE END" })).toHaveCount(1, { timeout: 60_000 });
  await expect(page.locator(".timeline .item-user").last()).toContainText("USER END", { timeout: 60_000 });
  await expectInert(page);
  // Still usable: the composer takes text.
  await page.locator(".composer-input").fill("still usable");
  await expect(page.locator(".composer-input")).toHaveValue("still usable");
  console.log("bad input, hostile timeline: 18 hostile markdown constructs, 1 hostile title, 1 hostile user message, 1 thought, 1 plan, 4 tool calls; 256 KiB reply (4,100 rows), 512 KiB user row");
  expect(problems).toEqual([]);
});

/** Nothing in the page is active: no script, frame, image or style from
 *  agent text, no `on*` attribute anywhere, no link that is not http(s) or
 *  mailto, no script ran, the page still shows. */
async function expectInert(page: Page) {
  const inert = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll("body *"));
    return {
      scripts: document.querySelectorAll(".timeline script, .timeline iframe, .timeline svg, .timeline img, .timeline style, .timeline object, .timeline embed").length,
      handlers: all.flatMap((el) => Array.from(el.attributes).filter((a) => a.name.startsWith("on")).map((a) => `${el.tagName}[${a.name}]`)),
      links: Array.from(document.querySelectorAll(".timeline a, .timeline [href], .timeline [src]")).map((a) => a.getAttribute("href") ?? a.getAttribute("src")),
      badHrefs: Array.from(document.querySelectorAll("[href],[src],[action],[formaction]"))
        .map((el) => el.getAttribute("href") ?? el.getAttribute("src") ?? el.getAttribute("action") ?? el.getAttribute("formaction") ?? "")
        .filter((v) => /^\s*(javascript|vbscript|data|file):/i.test(v.replace(/[\u0000-\u001f]/g, ""))),
      pwned: (window as any).__pwned,
      bodyShown: getComputedStyle(document.body).display !== "none",
    };
  });
  expect(inert.scripts).toBe(0);
  expect(inert.handlers).toEqual([]);
  expect(inert.badHrefs).toEqual([]);
  expect(inert.links.every((l) => l !== null && /^(https:\/\/example\.com\/|mailto:)/.test(l))).toBe(true);
  expect(inert.pwned).toBeUndefined();
  expect(inert.bodyShown).toBe(true);
}
