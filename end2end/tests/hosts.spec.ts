import { expect, test } from "@playwright/test";

import { FALLBACK_DAEMON, assertPortFree, startDaemon } from "./support/processes";

const REGISTRY_KEY = "@paseo:daemon-registry";
/** The hub's reconnect backoff cap (30 s, hub/src/backoff.rs) with its
 *  jitter and a margin. */
const HUB_BACKOFF_CAP_MS = 45_000;

test.describe("the home page with the local daemon", () => {
  test("shows Local Host online, then offline, then online again without a reload", async ({ page }) => {
    const consoleErrors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    page.on("response", (res) => {
      if (res.status() >= 400) consoleErrors.push(`${res.status()} ${res.url()}`);
    });

    await assertPortFree(FALLBACK_DAEMON.host, FALLBACK_DAEMON.port);
    let daemon = await startDaemon();
    try {
      await page.goto(process.env.PASEO_WEB_URL!);
      await expect(page.locator("section.hosts")).toHaveAttribute("data-hydrated", "true");

      const host = page.locator("li.host", { hasText: "Local Host" });
      await expect(host).toHaveCount(1);
      // The hub's connection to the fallback URL may still be in backoff
      // from an earlier spec (bad-input re-seeds Local Host while nothing
      // listens on 6767; the connection outlives its last watcher by the
      // 30 s grace period): its next attempt can be up to the cap, 30 s
      // + 20 % jitter, away.
      await expect(host).toHaveAttribute("data-status", "online", { timeout: HUB_BACKOFF_CAP_MS });

      // The registry was seeded with the fallback profile.
      const registry = await page.evaluate((key) => localStorage.getItem(key), REGISTRY_KEY);
      expect(registry).not.toBeNull();
      const profiles = JSON.parse(registry!);
      expect(profiles).toHaveLength(1);
      expect(profiles[0]).toMatchObject({ label: "Local Host", wsUrl: "ws://localhost:6767/ws" });
      expect(profiles[0].id).toMatch(/^daemon_[0-9a-z]+_[0-9a-f]{6}$/);
      expect(typeof profiles[0].createdAt).toBe("string");

      // Mark the document: a reload would lose the mark.
      await page.evaluate(() => ((window as any).__paseoNoReload = true));

      await daemon.stop();
      await expect(host).toHaveAttribute("data-status", /^(offline|connecting|error)$/);

      daemon = await startDaemon(daemon.home);
      await expect(host).toHaveAttribute("data-status", "online", { timeout: HUB_BACKOFF_CAP_MS });
      expect(await page.evaluate(() => (window as any).__paseoNoReload)).toBe(true);
      expect(consoleErrors).toEqual([]);
    } finally {
      await daemon.stop();
    }
  });

  test("a corrupt registry is kept aside and re-seeded, not lost", async ({ page }) => {
    await page.goto(process.env.PASEO_WEB_URL!);
    await page.evaluate((key) => localStorage.setItem(key, "{definitely not json"), REGISTRY_KEY);
    await page.reload();
    await expect(page.locator("section.hosts")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("li.host", { hasText: "Local Host" })).toHaveCount(1);
    const backups = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith("@paseo:daemon-registry:corrupt:"))
        .map((k) => localStorage.getItem(k)),
    );
    expect(backups).toEqual(["{definitely not json"]);
  });
});
