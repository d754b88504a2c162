// Exactly-once delivery across a daemon crash: the daemon is SIGKILLed
// (PASEO_TEST_CRASH_AT=send_durable) after the first queued message is
// durable but before it acknowledges it. After the restart the browser
// sees that message's row, drops it from the queue without resending, and
// sends the second: each message is in the daemon's log once, in order.
import { expect, test } from "@playwright/test";

import { DaemonClient } from "./support/daemon";
import { startDaemonAt } from "./support/processes";
import { REGISTRY_KEY, freePort, watchForProblems, webUrl } from "./support/world";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

test("a queued message SIGKILLed between its durable write and its ack is delivered once", async ({ page }) => {
  test.setTimeout(120_000);
  const port = await freePort();
  const home = mkdtempSync(path.join(tmpdir(), "paseo-e2e-crash-home-"));
  const cwd = mkdtempSync(path.join(tmpdir(), "paseo-e2e-crash-work-"));
  let daemon = await startDaemonAt(`127.0.0.1:${port}`, home, { PASEO_TEST_CRASH_AT: "send_durable" });
  let client = await DaemonClient.connect(daemon.url);
  try {
    const agentId = await client.createAgent(cwd, undefined, "Crash me once");
    client.close();
    const profile = {
      id: "daemon_crash_00c0c0",
      label: "Crashy box",
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      createdAt: "2026-12-06T00:00:00.000Z",
      updatedAt: "2026-12-06T00:00:00.000Z",
    };
    await page.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify([profile])] as const);
    const problems = watchForProblems(page);
    await page.goto(webUrl(`/agent/${profile.id}/${agentId}`));
    const screen = page.locator("section.agent-page");
    await expect(screen).toHaveAttribute("data-host-status", "online");

    const input = page.locator(".composer-input");
    await input.fill("first, survives the crash");
    await input.press("Enter");
    // The daemon dies after making it durable, before the ack.
    await expect(screen).not.toHaveAttribute("data-host-status", "online");
    await input.fill("second, sent after the restart");
    await input.press("Enter");
    // The first left the queue only because its durable row reached the
    // page before the crash (never on a failed send); the second waits.
    await expect(page.locator(".timeline .item-user", { hasText: "first, survives the crash" })).toHaveCount(1);
    await expect(page.locator("ol.queue li.queued")).toHaveCount(1);
    await expect(page.locator("ol.queue li.queued")).toContainText("second, sent after the restart");

    await daemon.stop("SIGKILL");
    daemon = await startDaemonAt(`127.0.0.1:${port}`, home);
    await expect(screen).toHaveAttribute("data-host-status", "online");
    await expect(page.locator("ol.queue li.queued")).toHaveCount(0, { timeout: 60_000 });

    client = await DaemonClient.connect(daemon.url);
    await client.waitForFinish(agentId);
    const [, rows] = await client.timeline(agentId);
    const users = rows.filter((r: any) => r.item.type === "user_message").map((r: any) => r.item.text);
    expect(users).toEqual(["first, survives the crash", "second, sent after the restart"]);
    // The first never ran: the daemon says so right after its row.
    const first = rows.findIndex((r: any) => r.item.type === "user_message");
    expect(rows[first + 1].item.type).toBe("error");
    expect(rows[first + 1].item.message).toContain("not run");
    // The page shows both, each once.
    await expect(page.locator(".timeline .item-user", { hasText: "first, survives the crash" })).toHaveCount(1);
    await expect(page.locator(".timeline .item-user", { hasText: "second, sent after the restart" })).toHaveCount(1);
    // The send the daemon died under is an HTTP 500 by design (the daemon
    // vanished mid-request), which Chromium also logs; nothing else fails.
    const sendFailures = problems.filter((p) => /^500 .*\/api\/agents\/send/.test(p));
    expect(sendFailures.length).toBeLessThanOrEqual(1);
    const chromeEcho = "console.error: Failed to load resource: the server responded with a status of 500 (Internal Server Error)";
    expect(problems.filter((p) => !sendFailures.includes(p) && p !== chromeEcho)).toEqual([]);
  } finally {
    client.close();
    await daemon.stop();
  }
});
