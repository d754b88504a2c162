// Files and diffs on a host that is not the first: a folder listing and
// file previews, a diff that updates while the agent edits, a path outside
// the cwd answered inline, and an offline host's placeholder. State is made
// on disk and over the daemon protocol; the browser is what is tested.
import { execFileSync } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, Page, test } from "@playwright/test";

import { Host, restartHost, seedRegistry, startHosts, stopHost, stopHosts, watchForProblems, webUrl } from "./support/world";

let hosts: Host[] = [];
/** The second host: every file and diff check runs against it. */
let second: Host;

// A 1×1 PNG and a small SVG drawing.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">
<rect width="240" height="120" rx="16" fill="#6ea8fe"/><circle cx="60" cy="60" r="34" fill="#fff"/>
<rect x="112" y="38" width="100" height="14" rx="7" fill="#fff"/><rect x="112" y="68" width="70" height="14" rx="7" fill="#fff"/></svg>`;

const MAIN_RS = [
  "// The entry point: reads the config, then serves.",
  "fn main() {",
  '    let config = std::env::args().nth(1).unwrap_or_else(|| "paseo.toml".to_owned());',
  '    println!("serving with {config} — a line long enough to need the code block to scroll sideways on a phone");',
  "}",
  "",
].join("\n");

function git(cwd: string, ...args: string[]) {
  execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.com", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    stdio: "ignore",
  });
}

/** A checkout with committed files, a hidden one, images, a binary and a big file. */
function makeCheckout(cwd: string) {
  mkdirSync(path.join(cwd, "src"), { recursive: true });
  writeFileSync(path.join(cwd, "README.md"), "# Demo\n\nA project the agent works on.\n");
  writeFileSync(path.join(cwd, "src", "main.rs"), MAIN_RS);
  writeFileSync(path.join(cwd, ".env"), "SECRET=not-shown-by-default\n");
  writeFileSync(path.join(cwd, "pixel.png"), Buffer.from(PNG, "base64"));
  writeFileSync(path.join(cwd, "logo.svg"), SVG);
  writeFileSync(path.join(cwd, "data.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  writeFileSync(path.join(cwd, "big.log"), Buffer.alloc(5 * 1024 * 1024 + 10, "a"));
  writeFileSync(path.join(cwd, ".gitignore"), "big.log\ndata.bin\n.env\n");
  git(cwd, "init", "-q");
  git(cwd, "add", ".");
  git(cwd, "commit", "-q", "-m", "first");
  // Known times, so "last modified" has one right order.
  const at = (name: string, day: number) => utimesSync(path.join(cwd, name), new Date(2026, 0, day), new Date(2026, 0, day));
  at("README.md", 1);
  at("logo.svg", 9);
  at("pixel.png", 2);
}

test.beforeAll(async () => {
  hosts = await startHosts(2);
  second = hosts[1];
  makeCheckout(second.cwd);
  writeFileSync(path.join(hosts[0].cwd, "first.txt"), "on the first host\n");
});

test.afterAll(async () => {
  await stopHosts(hosts);
});

function filesUrl(host: Host, extra = "") {
  return webUrl(`/files/${host.profileId}?cwd=${encodeURIComponent(host.cwd)}${extra}`);
}

async function rowNames(page: Page) {
  return page.$$eval(".file-list .file-row:not([data-kind=parent])", (rows) => rows.map((r) => r.getAttribute("data-name")));
}

async function noSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

test("the second host's folder lists, sorts, shows hidden files and previews text, images, binary and big files", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, hosts);
  await page.goto(filesUrl(second));
  const screen = page.locator("section.files-page");
  await expect(screen).toHaveAttribute("data-state", "directory");
  await expect(screen).toHaveAttribute("data-profile-id", second.profileId);
  // Folders first, then by name; dot-files only on request.
  expect(await rowNames(page)).toEqual(["src", "big.log", "data.bin", "logo.svg", "pixel.png", "README.md"]);
  const readme = page.locator('.file-row[data-name="README.md"]');
  await expect(readme.locator(".file-size")).toHaveText(/^\d+ B$/);
  await expect(readme.locator(".file-time")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
  await page.getByLabel("Hidden files", { exact: false }).check();
  await expect(page.locator('.file-row[data-name=".env"]')).toBeVisible();
  await expect(page.locator('.file-row[data-name=".git"]')).toHaveAttribute("data-kind", "directory");
  await page.getByLabel("Hidden files", { exact: false }).uncheck();
  await page.getByLabel("Sort by").selectOption("time");
  const byTime = await rowNames(page);
  expect(byTime.indexOf("logo.svg")).toBeLessThan(byTime.indexOf("pixel.png"));
  expect(byTime.indexOf("pixel.png")).toBeLessThan(byTime.indexOf("README.md"));
  await page.getByLabel("Sort by").selectOption("name");
  for (const colorScheme of ["dark", "light"] as const) {
    for (const [width, height, name] of [[390, 844, "phone"], [1280, 800, "desktop"]] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: `../docs/screenshots/${name}-${colorScheme}-files.png`, fullPage: true });
      await noSidewaysScroll(page);
    }
  }

  // Into src, then its file: breadcrumbs and line numbers.
  await page.locator('.file-row[data-name="src"] a').click();
  await expect(page).toHaveURL(/path=src$/);
  await page.locator('.file-row[data-name="main.rs"] a').click();
  await expect(screen).toHaveAttribute("data-state", "file");
  await expect(page.locator(".crumbs .crumb")).toHaveText([path.basename(second.cwd), "src", "main.rs"]);
  await expect(page.locator(".code-view .code")).toContainText("fn main() {");
  await expect(page.locator(".code-view .gutter")).toHaveText("1\n2\n3\n4\n5");
  for (const colorScheme of ["dark", "light"] as const) {
    for (const [width, height, name] of [[390, 844, "phone"], [1280, 800, "desktop"]] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height });
      await expect(page.locator(".code-view")).toBeVisible();
      await page.screenshot({ path: `../docs/screenshots/${name}-${colorScheme}-file-preview.png`, fullPage: true });
      await noSidewaysScroll(page);
    }
  }
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 1280, height: 800 });
  // Back to the root by its crumb; the listing comes back.
  await page.locator(".crumbs a.crumb").first().click();
  await expect(screen).toHaveAttribute("data-state", "directory");

  await page.locator('.file-row[data-name="logo.svg"] a').click();
  const image = page.locator('.image-view[data-preview="image"] img');
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
  await page.screenshot({ path: "../docs/screenshots/desktop-image-preview.png", fullPage: true });
  await page.goBack();
  await page.locator('.file-row[data-name="pixel.png"] a').click();
  await expect.poll(() => page.locator(".image-view img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await page.goBack();
  await page.locator('.file-row[data-name="data.bin"] a').click();
  await expect(page.locator('[data-preview="binary"]')).toBeVisible();
  await page.goBack();
  await page.locator('.file-row[data-name="big.log"] a').click();
  await expect(page.locator('[data-preview="too-large"]')).toContainText("too large");
  expect(problems).toEqual([]);
});

test("the diff of the second host updates while its agent edits, without a reload", async ({ page }) => {
  const problems = watchForProblems(page);
  writeFileSync(path.join(second.cwd, "README.md"), "# Demo\n\nA project the agent works on.\nNow with a second line.\n");
  const agentId = await second.client.createAgent(second.cwd, undefined, "Edit the notes");
  await seedRegistry(page, hosts);
  // From the agent's page, its header links to the diff of its cwd.
  await page.goto(webUrl(`/agent/${second.profileId}/${agentId}`));
  await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
  await expect(page.locator(".agent-meta a.ws-link", { hasText: "Files" })).toHaveAttribute(
    "href",
    `/files/${second.profileId}?cwd=${second.cwd}`,
  );
  await page.locator(".agent-meta a.ws-link", { hasText: "Diff" }).click();
  await expect(page).toHaveURL(new RegExp(`/diff/${second.profileId}\\?cwd=`));
  const screen = page.locator("section.diff-page");
  await expect(screen).toHaveAttribute("data-state", "changes");
  const readme = page.locator('.diff-file[data-path="README.md"]');
  await expect(readme).toHaveAttribute("data-badge", "modified");
  await expect(readme).toHaveAttribute("data-additions", "1");
  await expect(readme.locator(".diff-body")).toContainText("Now with a second line.");
  await page.evaluate(() => ((window as any).__noReload = true));

  // The agent edits a file (its permission answered over the protocol).
  await second.client.request({ type: "send_agent_message_request", agentId, text: "please EDIT_FILE=notes.md", messageId: "m-edit-1" });
  const requestId = await pendingPermission(second, agentId);
  second.client.send({ type: "agent_permission_response", agentId, requestId, response: { behavior: "allow" } });
  const notes = page.locator('.diff-file[data-path="notes.md"]');
  await expect(notes).toHaveAttribute("data-badge", "new", { timeout: 20_000 });
  await expect(notes).toHaveAttribute("data-additions", "1");
  await expect(notes.locator(".diff-body")).toContainText("Edited by paseo-test-agent.");
  await expect(page.locator(".diff-totals")).toContainText("2 files changed");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);

  // A second edit of the same file: the counts move.
  await second.client.waitForFinish(agentId);
  await second.client.request({ type: "send_agent_message_request", agentId, text: "again EDIT_FILE=notes.md", messageId: "m-edit-2" });
  const again = await pendingPermission(second, agentId);
  second.client.send({ type: "agent_permission_response", agentId, requestId: again, response: { behavior: "allow" } });
  await expect(notes).toHaveAttribute("data-additions", "2", { timeout: 20_000 });

  // Collapse one file, then all, then expand all.
  await notes.locator("button.collapse").click();
  const rows = ".dr, .dr2";
  await expect(notes.locator(rows)).toHaveCount(0);
  await expect(notes.locator("button.collapse")).toHaveAttribute("aria-expanded", "false");
  await expect(readme.locator(rows)).not.toHaveCount(0);
  await page.getByRole("button", { name: "Collapse all" }).click();
  await expect(page.locator(".diff-file").locator(rows)).toHaveCount(0);
  await page.getByRole("button", { name: "Expand all" }).click();
  await expect(notes.locator(rows)).toHaveCount(2);

  for (const colorScheme of ["dark", "light"] as const) {
    for (const [width, height, name] of [[390, 844, "phone"], [1280, 800, "desktop"]] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height });
      const split = width >= 1100;
      await expect(page.locator(".diff-body").first()).toHaveClass(split ? /split/ : /unified/);
      await page.screenshot({ path: `../docs/screenshots/${name}-${colorScheme}-live-diff.png`, fullPage: true });
      await noSidewaysScroll(page);
    }
  }
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  expect(problems).toEqual([]);
});

/** The id of the agent's pending permission, once it asks. */
async function pendingPermission(host: Host, agentId: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const answer = await host.client.request({ type: "fetch_agent_request", agentId });
    const pending = answer.payload.agent?.pendingPermissions ?? [];
    if (pending.length > 0) return pending[0].id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the agent never asked for its edit");
}

test("a path outside the cwd is answered inline with the daemon's error, never content", async ({ page }) => {
  const problems = watchForProblems(page);
  await seedRegistry(page, hosts);
  for (const escape of ["../..", "/etc/passwd", "src/../../.."]) {
    await page.goto(filesUrl(second, `&path=${encodeURIComponent(escape)}`));
    const screen = page.locator("section.files-page");
    await expect(screen).toHaveAttribute("data-state", "refused");
    await expect(page.locator(".refused")).toHaveText("Access outside of workspace is not allowed");
    await expect(page.locator(".file-list, .code-view, .image-view")).toHaveCount(0);
  }
  await page.screenshot({ path: "../docs/screenshots/desktop-files-refused.png", fullPage: true });
  // A diff of a folder that is no checkout says so inline too.
  await page.goto(webUrl(`/diff/${second.profileId}?cwd=${encodeURIComponent(path.join(second.cwd, "..", "not-here"))}`));
  await expect(page.locator("section.diff-page")).toHaveAttribute("data-state", "refused");
  expect(problems).toEqual([]);
});

test("an offline host keeps what this tab saw under the placeholder, asks it nothing, and comes back", async ({ page }) => {
  const problems = watchForProblems(page);
  const host = hosts[0];
  await seedRegistry(page, hosts);
  await page.goto(filesUrl(host));
  const screen = page.locator("section.files-page");
  await expect(screen).toHaveAttribute("data-state", "directory");
  await expect(page.locator('.file-row[data-name="first.txt"]')).toBeVisible();
  await page.evaluate(() => ((window as any).__noReload = true));
  await stopHost(host);
  await expect(page.locator(".placeholder.offline")).toBeVisible();
  await expect(page.locator(".placeholder.offline")).toContainText(`${host.label} is`);
  // Stale content stays; the action that would ask the host is disabled.
  await expect(page.locator('.file-row[data-name="first.txt"]')).toBeVisible();
  await expect(page.getByRole("button", { name: "Refresh" })).toBeDisabled();
  await page.screenshot({ path: "../docs/screenshots/desktop-files-offline.png", fullPage: true });
  // A file this tab never opened: nothing to show, nothing asked.
  await page.locator('.file-row[data-name="first.txt"] a').click();
  await expect(page.locator(".empty")).toContainText("has not seen");
  await page.locator(".ws-actions a", { hasText: "Diff" }).click();
  await expect(page.locator("section.diff-page .placeholder.offline")).toBeVisible();
  await expect(page.locator("section.diff-page .empty")).toContainText("has not seen this diff");

  await restartHost(host);
  await expect(page.locator(".placeholder.offline")).toHaveCount(0, { timeout: 45_000 });
  // Back online: the subscription made while away delivers (not a checkout).
  await expect(page.locator("section.diff-page")).toHaveAttribute("data-state", "refused");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  expect(problems).toEqual([]);
});
