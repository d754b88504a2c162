// Hosts in settings: added by hand and tested before saving (a good one, a
// wrong port, a wrong and a missing password), the same daemon under two
// URLs pointed out, removing every host bringing back "Local Host", and a
// shared `srv_` link resolving only through this browser's own profiles.
import { expect, Page, test } from "@playwright/test";

import { startDaemonAt } from "./support/processes";
import {
  Host,
  REGISTRY_KEY,
  freePort,
  registry,
  seedRegistry,
  startHosts,
  stopHosts,
  watchForProblems,
  webUrl,
} from "./support/world";

const PASSWORD = "e2e-s3cret-pw";
let hosts: Host[] = [];
let locked: Awaited<ReturnType<typeof startDaemonAt>>;
let lockedPort = 0;

test.beforeAll(async () => {
  hosts = await startHosts(2);
  lockedPort = await freePort();
  locked = await startDaemonAt(`127.0.0.1:${lockedPort}`, undefined, { PASEO_PASSWORD: PASSWORD });
});

test.afterAll(async () => {
  await stopHosts(hosts);
  await locked.stop();
});

async function openSettings(page: Page) {
  await page.goto(webUrl("/settings"));
  await expect(page.locator("section.settings")).toBeVisible();
  await expect(page.locator(".host-card").first()).toHaveAttribute("data-status", /online|connecting|offline|error/);
}

async function fillHost(page: Page, label: string, url: string, password = "") {
  const form = page.locator("form.host-editor");
  await form.locator("input[name=label]").fill(label);
  await form.locator("input[name=url]").fill(url);
  await form.locator("input[name=password]").fill(password);
  return form;
}

test("a host added by hand is tested before saving: good, wrong port, wrong and missing password", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, [hosts[0]]);
  await openSettings(page);
  await page.getByRole("button", { name: "Add host" }).click();

  // A wrong port: refused, said plainly.
  const closed = await freePort();
  let form = await fillHost(page, "Workstation", `ws://127.0.0.1:${closed}/ws`);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.locator(".probe-failed")).toHaveAttribute("data-kind", "refused");
  await expect(form.locator(".probe-failed")).toContainText("Connection refused");

  // The right one: the daemon's hostname, version and srv_ id.
  form = await fillHost(page, "Workstation", `ws://127.0.0.1:${hosts[1].port}/ws`);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.locator(".probe-ok")).toHaveAttribute("data-daemon-id", hosts[1].client.serverId);
  await expect(form.locator(".probe-ok")).toContainText(hosts[1].client.serverId);
  await form.getByRole("button", { name: "Save" }).click();
  const card = page.locator(".host-card", { hasText: "Workstation" });
  await expect(card).toHaveAttribute("data-status", "online");

  // A daemon with a password: missing, wrong, then right.
  await page.getByRole("button", { name: "Add host" }).click();
  form = await fillHost(page, "Locked box", `ws://127.0.0.1:${lockedPort}/ws`);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.locator(".probe-failed")).toHaveAttribute("data-kind", "password_required");
  form = await fillHost(page, "Locked box", `ws://127.0.0.1:${lockedPort}/ws`, "wrong-one");
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.locator(".probe-failed")).toHaveAttribute("data-kind", "wrong_password");
  form = await fillHost(page, "Locked box", `ws://127.0.0.1:${lockedPort}/ws`, PASSWORD);
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(form.locator(".probe-ok")).toBeVisible();
  await form.getByRole("button", { name: "Save" }).click();
  const lockedCard = page.locator(".host-card", { hasText: "Locked box" });
  await expect(lockedCard).toHaveAttribute("data-status", "online");
  // The password shows as dots, lives in the registry, and never in the page.
  await expect(lockedCard).toContainText("••••••••");
  const stored = await page.evaluate((k) => localStorage.getItem(k), REGISTRY_KEY);
  expect(stored).toContain(PASSWORD);
  await page.reload();
  await expect(lockedCard).toHaveAttribute("data-status", "online");
  expect(await page.content()).not.toContain(PASSWORD);
  await page.screenshot({ path: "../docs/screenshots/settings-desktop.png", fullPage: true });
  expect(problems).toEqual([]);
});

test("the same daemon under two URLs is pointed out", async ({ page }) => {
  const problems = watchForProblems(page);
  const twice = [
    ...registry([hosts[0]]),
    { ...registry([hosts[0]])[0], id: "daemon_e2e_twice_0a0a0a", label: "Laptop (by name)", wsUrl: `ws://localhost:${hosts[0].port}/ws` },
  ];
  await page.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(twice)] as const);
  await openSettings(page);
  await expect(page.locator(".duplicate-note")).toContainText("Laptop and Laptop (by name) reach the same daemon");
  expect(problems).toEqual([]);
});

test("removing every host brings back Local Host and says so", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, hosts);
  await openSettings(page);
  for (const host of hosts) {
    const card = page.locator(`.host-card[data-profile-id="${host.profileId}"]`);
    await card.getByRole("button", { name: "Remove…" }).click();
    await card.getByRole("button", { name: "Remove", exact: true }).click();
    await expect(card).toHaveCount(0);
  }
  await expect(page.locator("[data-notice=settings]")).toContainText("Local Host");
  await expect(page.locator(".host-card")).toHaveCount(1);
  await expect(page.locator(".host-card")).toContainText("Local Host");
  const stored = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), REGISTRY_KEY))!);
  expect(stored.map((p: any) => p.label)).toEqual(["Local Host"]);
  expect(problems.filter((p) => !p.includes("6767"))).toEqual([]);
});

test("a shared srv_ link resolves through this browser's own profile, and nowhere else", async ({ browser }) => {
  const host = hosts[1];
  const agentId = await host.client.createAgent(host.cwd, "hello", "Shared by link");
  await host.client.waitForFinish(agentId);
  const link = webUrl(`/agent/${host.client.serverId}/${agentId}`);

  // This browser reaches that daemon under a profile of its own.
  const mine = await browser.newContext();
  const page = await mine.newPage();
  const problems = watchForProblems(page);
  const renamed = [{ ...registry([host])[0], id: "daemon_mine_00b00b", label: "My workstation" }];
  await page.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(renamed)] as const);
  expect((await page.goto(link))?.status()).toBe(200);
  const screen = page.locator("section.agent-page");
  await expect(screen).toHaveAttribute("data-profile-id", "daemon_mine_00b00b");
  await expect(page.locator(".timeline .item-assistant").first()).toContainText("Hi there!");
  expect(problems).toEqual([]);
  await mine.close();

  // Another browser whose hosts do not include it: "unknown host", no data.
  const other = await browser.newContext();
  const stranger = await other.newPage();
  await stranger.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(registry([hosts[0]]))] as const);
  expect((await stranger.goto(link))?.status()).toBe(200);
  await expect(stranger.locator("[data-state=unknown-host]")).toBeVisible();
  expect(await stranger.content()).not.toContain("Shared by link");
  await other.close();
});
