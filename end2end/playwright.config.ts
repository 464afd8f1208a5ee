import { defineConfig, devices } from "@playwright/test";

const port = process.env.E2E_PORT ?? "3100";
const baseURL = `http://127.0.0.1:${port}`;
const s3Endpoint = process.env.S3_TEST_ENDPOINT;
const s3Port = process.env.E2E_S3_PORT ?? "3101";
export const s3BaseURL = `http://127.0.0.1:${s3Port}`;
const inherited = Object.fromEntries(
  Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
);

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download is not available here.
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: "../scripts/e2e-server.sh",
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    // A second server keeping recordings in a bucket of the local S3 server `make test` starts.
    ...(s3Endpoint
      ? [
          {
            command: "../scripts/e2e-server.sh",
            url: `${s3BaseURL}/readyz`,
            reuseExistingServer: false,
            timeout: 120_000,
            stdout: "ignore" as const,
            stderr: "pipe" as const,
            env: {
              ...inherited,
              E2E_PORT: s3Port,
              E2E_DATABASE: "audiotricks_e2e_s3",
              STORAGE_BACKEND: "s3",
              S3_ENDPOINT: s3Endpoint,
              S3_BUCKET: "e2e-recordings",
              S3_ACCESS_KEY_ID: process.env.S3_TEST_ACCESS_KEY ?? "",
              S3_SECRET_ACCESS_KEY: process.env.S3_TEST_SECRET_KEY ?? "",
            },
          },
        ]
      : []),
  ],
});
