import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test as base, expect, type Page } from "@playwright/test";

/** Playwright's test with `scratchFile(name, data)`: a real file for a file picker, deleted when
 * the test ends, passed or failed (runs upload hundreds of megabytes; leftovers filled the disk). */
export const test = base.extend<{ scratchFile: (name: string, data: Buffer) => string }>({
  scratchFile: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), "audiotricks-e2e-"));
    try {
      await use((name, data) => {
        const file = join(dir, name);
        writeFileSync(file, data);
        return file;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

export const PASSWORD = "violet tractor under 42 lanterns";

export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated=true]").waitFor();
}

/** Opens the newest email to `to` in the development mailbox and returns its link to `path`. */
export async function linkFromMailbox(page: Page, to: string, subject: string | RegExp, path: string): Promise<string> {
  await page.goto("/dev/mailbox");
  await hydrated(page);
  await page.getByRole("row").filter({ hasText: to }).getByRole("link", { name: subject }).first().click();
  const text = (await page.locator("pre").first().textContent()) ?? "";
  const match = text.match(new RegExp(`https?://[^\\s]+${path.replace("?", "\\?")}[^\\s]+`));
  if (!match) throw new Error(`no ${path} link in: ${text}`);
  return new URL(match[0]).pathname + new URL(match[0]).search;
}

export async function logIn(page: Page, email: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Fills in the sign-up form (already open) and confirms the address from the mailbox, which signs in. */
export async function completeSignUp(page: Page, name: string, email: string) {
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/check-email\?email=/);
  const verify = await linkFromMailbox(page, email, "Confirm your email address for AudioTricks", "/verify-email?token=");
  await page.goto(verify);
  await hydrated(page);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm email address" }).click();
}

/** Signs a new person up (confirmed from the mailbox) and makes them a workspace at `slug`. */
export async function signUpWithWorkspace(page: Page, person: string, email: string, workspace: string, slug: string) {
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, person, email);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill(workspace);
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
}

/** Collects console errors and uncaught exceptions, except those a test expects. */
export function watchForProblems(page: Page, expected: (text: string) => boolean = () => false): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected(msg.text())) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}

/** A WAV file of `seconds` of silence at 16 kHz mono, 16-bit. */
export function wav(seconds: number): Buffer {
  const dataLength = seconds * 16_000 * 2;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + dataLength, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(dataLength, 40);
  return Buffer.concat([header, Buffer.alloc(dataLength)]);
}
