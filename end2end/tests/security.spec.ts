import { expect, test } from "@playwright/test";

import { Host, seedRegistry, startHosts, stopHosts, watchForProblems, webUrl } from "./support/world";

// The page hydrates under the server's Content-Security-Policy: the inline
// hydration script carries the response's nonce, the wasm bundle and its
// split chunks load from /pkg, the live channel connects, and Chromium
// reports no CSP violation anywhere (home, a lazy route reached by a link,
// an agent page loaded directly).
test.describe("security headers", () => {
  let hosts: Host[] = [];
  test.beforeAll(async () => {
    hosts = await startHosts(1);
  });
  test.afterAll(async () => {
    await stopHosts(hosts);
  });

  test("the page hydrates under the CSP with no violation", async ({ page }) => {
    const problems = watchForProblems(page);
    page.on("console", (msg) => {
      if (/Content Security Policy/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
    });
    await page.addInitScript(() => {
      (window as any).__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        (window as any).__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await seedRegistry(page, hosts);
    const [host] = hosts;
    const agentId = await host.client.createAgent(host.cwd, "hello", "Under the CSP");
    await host.client.waitForFinish(agentId);

    const response = await page.goto(webUrl("/"));
    const csp = response!.headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self' 'nonce-");
    expect(csp).toContain("'wasm-unsafe-eval'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response!.headers()["x-frame-options"]).toBe("DENY");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    const html = await response!.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);

    await expect(page.locator("section.hosts")).toHaveAttribute("data-hydrated", "true");
    // The live channel is up (connect-src 'self' allows the same-origin socket).
    await expect(page.locator(`li.host[data-status="online"]`, { hasText: host.label })).toHaveCount(1);

    // A lazy route by a link: its chunk is fetched and instantiated.
    await page.locator("a.nav-settings").click();
    await expect(page.locator("section.settings-hosts")).toBeVisible();
    await expect(page.locator("section.settings-hosts")).toContainText(host.label);

    // An agent route loaded directly: it hydrates after its chunk arrives.
    await page.goto(webUrl(`/agent/${host.profileId}/${agentId}`));
    await expect(page.locator("[data-seq-start]").first()).toBeVisible();

    expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);
    expect(problems).toEqual([]);
  });

  // The release build writes `.br` and `.gz` beside every wasm, js and css
  // file (cargo xtask); the server sends the one the browser accepts.
  test("the bundle crosses the network precompressed, in the encoding the browser accepts", async ({ page, request }) => {
    const cases: [string, string | undefined][] = [
      ["br, gzip", "br"],
      ["gzip", "gzip"],
      ["identity", undefined],
    ];
    for (const [accept, encoding] of cases) {
      const res = await request.get(webUrl("/pkg/paseo-web.wasm"), { headers: { "accept-encoding": accept } });
      expect(res.status(), accept).toBe(200);
      expect(res.headers()["content-type"], accept).toBe("application/wasm");
      expect(res.headers()["content-encoding"], accept).toBe(encoding);
    }
    const problems = watchForProblems(page);
    await seedRegistry(page, hosts);
    await page.goto(webUrl("/"));
    await expect(page.locator("section.hosts")).toHaveAttribute("data-hydrated", "true");
    // What Chromium downloaded for the first load, from its resource timings.
    const loaded = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => e as PerformanceResourceTiming)
        .filter((e) => /\/pkg\/(paseo-web\.(wasm|js)|__wasm_split[^/]*\.js)$/.test(e.name))
        .map((e) => ({ name: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
    );
    console.log(`first load, downloaded: ${loaded.map((e) => `${e.name} ${e.encoded} of ${e.decoded} B`).join(", ")}`);
    const wasm = loaded.find((e) => e.name === "/pkg/paseo-web.wasm");
    expect(wasm, "the main module is loaded").toBeDefined();
    expect(wasm!.encoded).toBeGreaterThan(0);
    expect(wasm!.encoded).toBeLessThan(wasm!.decoded / 2);
    expect(problems).toEqual([]);
  });
});
