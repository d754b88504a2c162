import { defineConfig } from "@playwright/test";

// Debian's Chromium only: no browser is ever downloaded (the network is closed).
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "./tests",
  // The suite controls the fallback daemon on 127.0.0.1:6767: one worker.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  // The tier's cap (README): the whole run stops after 12 minutes.
  globalTimeout: 12 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromiumArgs,
    },
    trace: "retain-on-failure",
  },
});
