import { expect, test } from "@playwright/test";
import { completeSignUp, hydrated, watchForProblems } from "./support";

test("an owner saves a provider key, sees it only masked, tests and removes it", async ({ page }) => {
  // The sign-up email is shown in a sandboxed frame; a refused test or a bad key answers 4xx.
  const problems = watchForProblems(
    page,
    (text) => text.includes("frame is sandboxed") || /status of 4\d\d/.test(text),
  );
  const stamp = Date.now();
  const slug = `keys-${stamp}`;
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Kim Keys", `keys-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Key Studio");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await hydrated(page);

  const openai = page.getByTestId("provider-openai");
  await expect(openai.getByTestId("key-status")).toHaveText("Not set");
  await openai.getByLabel("OpenAI-compatible key").fill("short");
  await openai.getByRole("button", { name: "Save key" }).click();
  await expect(openai.getByText("Paste the whole key: 8 to 512 characters, without spaces.")).toBeVisible();
  await expect(page.getByTestId("provider-elevenlabs").getByText("Paste the whole key")).toHaveCount(0);

  await openai.getByLabel("OpenAI-compatible key").fill("sk-e2e-secret-value-4242");
  await openai.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("OpenAI-compatible key saved.")).toBeVisible();
  await expect(openai.getByTestId("key-facts")).toContainText("Key ••••4242");
  await expect(openai.getByTestId("key-status")).toHaveText("Not tested");
  expect(await page.content()).not.toContain("sk-e2e-secret-value");

  // No provider answers a made-up key from here; the outcome is recorded either way.
  await openai.getByRole("button", { name: "Test connection" }).click();
  await expect(openai.getByText(/Last test .*: The provider/)).toBeVisible({ timeout: 30_000 });
  await expect(openai.getByTestId("key-status")).toHaveText("Refused");

  await openai.getByRole("button", { name: "Remove key" }).click();
  await expect(page.getByText("OpenAI-compatible key removed.")).toBeVisible();
  await expect(openai.getByTestId("key-status")).toHaveText("Not set");
  expect(problems).toEqual([]);
});
