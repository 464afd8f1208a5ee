import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";

/** Sends the operator test email into the e2e server's outbox, as `audiotricks email test` does. */
function sendTestEmail(to: string) {
  const bin = process.env.AUDIOTRICKS_BIN;
  if (!bin || !process.env.E2E_DATABASE_URL) throw new Error("run through `make test` (AUDIOTRICKS_BIN, E2E_DATABASE_URL)");
  execFileSync(bin, ["email", "test", "--to", to], {
    cwd: "..",
    env: {
      ...process.env,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      APP_DATABASE_URL: process.env.E2E_APP_DATABASE_URL,
      RUST_LOG: "warn",
    },
  });
}

test("the development mailbox lists an email and shows both its parts", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (msg) => {
    // The email frame is sandboxed without scripts on purpose; Chromium reports each script it
    // refuses there (including the test driver's own probes).
    if (msg.type() === "error" && !msg.text().includes("frame is sandboxed")) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  const to = `reader-${Date.now()}@example.com`;
  sendTestEmail(to);
  await page.goto("/status");
  await page.getByRole("link", { name: "development mailbox" }).click();
  await expect(page).toHaveURL(/\/dev\/mailbox$/);
  const row = page.getByRole("row").filter({ hasText: to });
  await expect(row).toContainText("stored");
  await row.getByRole("link", { name: "AudioTricks can send email" }).click();
  await expect(page.getByRole("heading", { name: "AudioTricks can send email" })).toBeVisible();
  await expect(page.locator("pre")).toContainText("If you are reading it, email delivery through outbox works.");
  const frame = page.frameLocator('iframe[title="HTML part"]');
  await expect(frame.getByRole("heading", { name: "Email delivery works" })).toBeVisible();
  expect(problems, "no console errors, CSP violations or hydration errors").toEqual([]);
});

test("an unknown email in the mailbox is a clear not-found message", async ({ page }) => {
  await page.goto("/dev/mailbox/00000000-0000-0000-0000-000000000000");
  await expect(page.getByRole("alert")).toContainText("That email was not found.");
});
