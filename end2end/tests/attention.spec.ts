// Attention across hosts: the inbox with permissions from two hosts (one
// answered there, the agent going on), a browser notification raised while
// another agent is open and not again after a reload, the palette jumping
// to an agent on the third host by keyboard alone, and a timeline phrase
// found by search.
import { expect, Page, test } from "@playwright/test";

import { Host, seedRegistry, startHosts, stopHosts, watchForProblems, webUrl } from "./support/world";

let hosts: Host[] = [];

test.beforeAll(async () => {
  hosts = await startHosts(3);
});

test.afterAll(async () => {
  await stopHosts(hosts);
});

async function open(page: Page, path: string) {
  await seedRegistry(page, hosts);
  await page.goto(webUrl(path));
  await expect(page.locator("header.top .nav-inbox")).toBeVisible();
}

test("the inbox holds permissions from two hosts; one answered there lets its agent go on", async ({ page }) => {
  const problems = watchForProblems(page);
  const a = await hosts[0].client.createAgent(hosts[0].cwd, "please EDIT_FILE", "Edit on the laptop");
  const b = await hosts[1].client.createAgent(hosts[1].cwd, "please EDIT_FILE", "Edit on the workstation");
  await open(page, "/inbox");
  const entries = page.locator(".inbox-entry.inbox-permission");
  await expect(entries).toHaveCount(2);
  await expect(page.locator(".nav-inbox .count")).toHaveAttribute("data-count", "2");
  await expect(page).toHaveTitle(/^\(2\)/);
  const onWorkstation = page.locator(`.inbox-entry.inbox-permission[data-agent-id="${b}"]`);
  await expect(onWorkstation).toContainText(hosts[1].label);
  await expect(onWorkstation.locator("a.inbox-agent")).toHaveAttribute("href", `/agent/${hosts[1].profileId}/${b}`);
  await page.screenshot({ path: "../docs/screenshots/inbox-desktop.png", fullPage: true });

  await onWorkstation.getByRole("button", { name: /allow once/i }).click();
  await expect(onWorkstation).toHaveCount(0);
  expect(await hosts[1].client.waitForFinish(b)).toBe("idle");
  const [, rows] = await hosts[1].client.timeline(b);
  expect(rows.some((r: any) => r.item.type === "tool_call" && r.item.status === "completed")).toBe(true);
  // Having finished unseen, it is listed as such; the laptop's prompt stays.
  await expect(page.locator(`.inbox-entry.inbox-finished[data-agent-id="${b}"]`)).toBeVisible();
  const onLaptop = page.locator(`.inbox-entry.inbox-permission[data-agent-id="${a}"]`);
  await expect(onLaptop).toBeVisible();
  await onLaptop.getByRole("button", { name: /reject/i }).click();
  await hosts[0].client.waitForFinish(a);
  expect(problems).toEqual([]);
});

test("a notification is raised while another agent is open, once, not again after a reload", async ({ page }) => {
  const problems = watchForProblems(page);
  await page.addInitScript(() => {
    const w = window as any;
    w.__notes = [];
    class FakeNotification {
      static permission = "granted";
      static requestPermission() {
        return Promise.resolve("granted");
      }
      onclick: unknown = null;
      constructor(title: string, options: any) {
        w.__notes.push({ title, body: options?.body, tag: options?.tag });
      }
      close() {}
    }
    w.Notification = FakeNotification;
  });
  await open(page, "/settings");
  // The host cards come from this browser's registry, which is read only
  // once the page (the lazy /settings chunk included) has hydrated: from
  // then on the button's handler is attached.
  await expect(page.locator(`.host-card[data-profile-id="${hosts[0].profileId}"]`)).toBeVisible();
  await page.getByRole("button", { name: "Enable notifications" }).click();
  await expect(page.locator(".notify-toggle")).toHaveAttribute("data-state", "on");

  // Another agent is open…
  const seen = await hosts[2].client.createAgent(hosts[2].cwd, "hello", "Being watched");
  await hosts[2].client.waitForFinish(seen);
  await page.goto(webUrl(`/agent/${hosts[2].profileId}/${seen}`));
  await expect(page.locator("section.agent-page")).toBeVisible();
  // …when an agent on another host asks for permission.
  const asking = await hosts[0].client.createAgent(hosts[0].cwd, "please EDIT_FILE", "Asks while away");
  await expect.poll(() => page.evaluate(() => (window as any).__notes.length)).toBeGreaterThanOrEqual(1);
  const notes = await page.evaluate(() => (window as any).__notes);
  const mine = notes.filter((n: any) => n.tag.includes(asking));
  expect(mine).toHaveLength(1);
  expect(mine[0].body).toContain("Asks while away");
  expect(mine[0].body).toContain(hosts[0].label);

  // In the page, a toast says the same, clear of the open agent's composer.
  const toast = page.locator(`.toast a[href="/agent/${hosts[0].profileId}/${asking}"]`);
  await expect(toast).toContainText(`Asks while away needs your input on ${hosts[0].label}`);
  const [toastBox, composerBox] = [await page.locator(".toasts").boundingBox(), await page.locator(".composer").boundingBox()];
  expect(toastBox && composerBox).toBeTruthy();
  // Toasts stack under the header, above the composer (at the bottom
  // they covered its buttons).
  expect(toastBox!.y + toastBox!.height).toBeLessThan(composerBox!.y);
  // Following it opens that agent, and the toast about it goes at once
  // (not when it would have expired, seconds later).
  await toast.click();
  await expect(page).toHaveURL(new RegExp(`/agent/${hosts[0].profileId}/${asking}$`));
  await expect(page.locator(".toast")).toHaveCount(0, { timeout: 1_000 });

  await page.reload();
  await expect(page.locator(".nav-inbox .count")).not.toHaveAttribute("data-count", "0");
  expect(await page.evaluate(() => (window as any).__notes.length)).toBe(0);
  expect(problems).toEqual([]);
});

test("the palette jumps to an agent on the third host by keyboard alone, and search finds a phrase", async ({ page }) => {
  const problems = watchForProblems(page);
  const target = await hosts[2].client.createAgent(hosts[2].cwd, "CHUNKS=3", "Tune the GPU kernels");
  await hosts[2].client.waitForFinish(target);
  const phrase = await hosts[1].client.createAgent(hosts[1].cwd, "remember the word zanzibar-42", "Word keeper");
  await hosts[1].client.waitForFinish(phrase);

  await open(page, "/");
  await expect(page.locator(`li.agent-row[data-agent-id="${target}"]`)).toBeVisible();
  await page.keyboard.press("Control+k");
  const input = page.locator(".palette-input");
  await expect(input).toBeFocused();
  await page.keyboard.type("gpu kernels");
  await expect(page.locator(".palette-choice.selected")).toHaveAttribute("data-choice", `agent:${hosts[2].profileId}:${target}`);
  await page.screenshot({ path: "../docs/screenshots/palette-desktop.png" });
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/agent/${hosts[2].profileId}/${target}$`));

  // Text the browser holds: open the word keeper once, then search for it.
  await page.goto(webUrl(`/agent/${hosts[1].profileId}/${phrase}`));
  await expect(page.locator(".timeline .item-user").first()).toContainText("zanzibar-42");
  await page.keyboard.press("Control+k");
  await page.keyboard.type("zanzibar");
  const hit = page.locator('.palette-choice[data-choice^="text:"]').first();
  await expect(hit).toContainText("zanzibar-42");
  await hit.click();
  await expect(page).toHaveURL(new RegExp(`/agent/${hosts[1].profileId}/${phrase}\\?seq=\\d+$`));
  await expect(page.locator(".timeline .item.focused")).toContainText("zanzibar-42");
  expect(problems).toEqual([]);
});

test("settings, inbox and palette fit a phone in both themes; the theme switch sticks", async ({ page }) => {
  const problems = watchForProblems(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, "/settings");
  const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  for (const theme of ["Dark", "Light"] as const) {
    await page.goto(webUrl("/settings"));
    await page.locator(".settings-theme").getByText(theme, { exact: true }).click();
    await expect(page.locator("html")).toHaveAttribute("data-theme", theme.toLowerCase());
    const t = theme.toLowerCase();
    expect(await noSideScroll()).toBe(true);
    await page.screenshot({ path: `../docs/screenshots/settings-phone-${t}.png`, fullPage: true });
    await page.goto(webUrl("/inbox"));
    await expect(page.locator("html")).toHaveAttribute("data-theme", t);
    expect(await noSideScroll()).toBe(true);
    await page.screenshot({ path: `../docs/screenshots/inbox-phone-${t}.png`, fullPage: true });
    await page.keyboard.press("Control+k");
    await expect(page.locator(".palette-input")).toBeFocused();
    expect(await noSideScroll()).toBe(true);
    await page.screenshot({ path: `../docs/screenshots/palette-phone-${t}.png` });
    await page.keyboard.press("Escape");
  }
  // Back to the system's choice.
  await page.goto(webUrl("/settings"));
  await page.locator(".settings-theme").getByText("System", { exact: true }).click();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /.+/);
  expect(problems).toEqual([]);
});

test("shortcuts: ? lists them, i opens the inbox, and nothing fires while typing", async ({ page }) => {
  const problems = watchForProblems(page);
  await open(page, "/");
  await expect(page.locator("section.agents")).toHaveAttribute("data-hydrated", "true");
  await page.keyboard.press("?");
  await expect(page.locator(".shortcuts-help")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.locator(".shortcuts-help")).toHaveCount(0);
  // Typing "i" in the search field stays in the field.
  const search = page.locator(".filters input").first();
  await search.click();
  await page.keyboard.type("i");
  await expect(page).toHaveURL(webUrl("/"));
  await search.press("Escape");
  await page.locator("body").click();
  await page.keyboard.press("i");
  await expect(page).toHaveURL(webUrl("/inbox"));
  expect(problems).toEqual([]);
});
