import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The release binary built by `make build`, serving the built site on a port
// of its own so it never collides with `make run`.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// A second server holding the real Fingertips extract (scripts/e2e-real-server).
export const realPort = port + 1;
// A third server for the analysts' journeys (scripts/e2e-analyst-server).
export const analystPort = port + 2;
// A fourth server for another council: the illustrative York board file.
export const yorkPort = port + 3;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: {
    timeout: 10_000,
    // Visual checks (tests/visual.spec.ts): the same browser and fonts make
    // the same pixels, so no pixel may differ at all: even a faint change of
    // a judgement colour fails.
    toHaveScreenshot: { threshold: 0, maxDiffPixels: 0, animations: "disabled", caret: "hide", scale: "css" },
  },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: "list",
  use: {
    baseURL,
    trace: "off",
    launchOptions: {
      // Debian's Chromium: never `npx playwright install`.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [{
    command: "../target/release/hwb-outcomes serve",
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "../target/site",
      HWB_DATA_DIR: mkdtempSync(join(tmpdir(), "hwb-e2e-")),
      HWB_BOARD_FILE: "../data/boards/halton.toml",
      RUST_LOG: "warn",
    },
  }, {
    command: "../target/release/hwb-outcomes serve",
    url: `http://127.0.0.1:${yorkPort}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${yorkPort}`,
      LEPTOS_SITE_ROOT: "../target/site",
      HWB_DATA_DIR: mkdtempSync(join(tmpdir(), "hwb-e2e-york-")),
      HWB_BOARD_FILE: "../data/boards/york-illustrative.toml",
      RUST_LOG: "warn",
    },
  }, {
    command: "../scripts/e2e-real-server",
    url: `http://127.0.0.1:${realPort}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${realPort}`,
      LEPTOS_SITE_ROOT: "../target/site",
      RUST_LOG: "warn",
    },
  }, {
    command: "../scripts/e2e-analyst-server",
    url: `http://127.0.0.1:${analystPort}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${analystPort}`,
      RUST_LOG: "warn",
    },
  }],
});
