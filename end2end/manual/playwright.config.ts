import { defineConfig } from "@playwright/test";

// Checks run by hand against a server you started (`make run`, at MANUAL_URL), not by `make test`.
export default defineConfig({
  testDir: ".",
  timeout: 30 * 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.MANUAL_URL ?? "http://127.0.0.1:3000",
    launchOptions: { executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] },
  },
});
