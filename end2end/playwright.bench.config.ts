import { defineConfig } from "@playwright/test";

import base from "./playwright.config";

// The browser benchmark (scripts/bench-browser.sh): never part of the test
// command. Same Chromium and server setup as the suite.
export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts$/,
  timeout: 20 * 60_000,
  globalTimeout: 40 * 60_000,
});
