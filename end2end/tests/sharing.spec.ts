import { expect, test } from "@playwright/test";
import { completeSignUp, hydrated, watchForProblems, wav } from "./support";

test("a public link plays one recording for a logged-out visitor, asks for its password, and stops when revoked", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  // The sign-up email is shown in a sandboxed frame, which Chromium reports.
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  const stamp = Date.now();
  const slug = `shared-${stamp}`;
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Sam Sharer", `sharer-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Studio Secrets");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.locator("#upload-files").setInputFiles({ name: "Pitch.wav", mimeType: "audio/wav", buffer: wav(30) });
  const row = page.getByTestId("recording-row").filter({ hasText: "Pitch" });
  await expect(row.getByTestId("recording-status")).toHaveText("Ready", { timeout: 30_000 });
  await row.getByRole("link", { name: "Pitch" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Pitch");
  await hydrated(page);

  // The owner makes a link that stops working in a week, and copies it.
  const panel = page.getByTestId("share-panel");
  await expect(panel).toHaveAttribute("data-ready", "true");
  await panel.getByLabel("Stops working").selectOption("7");
  await panel.getByRole("button", { name: "Create link" }).click();
  const url = await panel.getByLabel("New public link").inputValue();
  expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{22}$/);
  await expect(panel.getByTestId("public-link").first()).toHaveAttribute("data-state", "Active");

  // A logged-out visitor sees that recording, playable, and nothing of the workspace.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const visitorProblems = watchForProblems(visitor, (text) => text.includes("status of 410") || text.includes("status of 422"));
  await visitor.goto(url);
  await expect(visitor.getByTestId("shared-title")).toHaveText("Pitch");
  await expect(visitor.locator('meta[name="robots"]')).toHaveAttribute("content", "noindex, nofollow");
  await expect(visitor.getByText("Studio Secrets")).toHaveCount(0);
  const duration = await visitor.getByTestId("shared-player").evaluate(
    (audio: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        if (audio.readyState >= 1) resolve(audio.duration);
        else audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
      }),
  );
  expect(Math.round(duration)).toBe(30);

  // The owner sees the view counted, then revokes the link; the visitor's page stops working.
  await page.reload();
  await hydrated(page);
  await expect(panel).toHaveAttribute("data-ready", "true");
  const link = panel.getByTestId("public-link").first();
  await expect(link).toContainText(/(^|\D)1 view\b/);
  await link.getByRole("button", { name: "Revoke" }).click();
  await expect(panel.getByTestId("public-link").first()).toHaveAttribute("data-state", "Revoked");
  await visitor.reload();
  await expect(visitor.getByTestId("link-gone")).toContainText("This link was turned off");
  await expect(visitor.getByTestId("shared-title")).toHaveCount(0);

  // A link with a password shows nothing until the right one is typed.
  await panel.getByLabel("Password (optional)").fill("tangerine bicycle");
  await panel.getByRole("button", { name: "Create link" }).click();
  await expect(panel.getByLabel("New public link")).not.toHaveValue(url);
  const locked = await panel.getByLabel("New public link").inputValue();
  await expect(panel.getByLabel("Password (optional)")).toHaveValue("");
  await visitor.goto(locked);
  await hydrated(visitor);
  await expect(visitor.getByRole("heading", { name: "This link has a password" })).toBeVisible();
  await expect(visitor.getByText("Pitch")).toHaveCount(0);
  await visitor.getByLabel("Password", { exact: true }).fill("not the password");
  await visitor.getByRole("button", { name: "Open" }).click();
  await expect(visitor.getByText("That password is not right.")).toBeVisible();
  await visitor.getByLabel("Password", { exact: true }).fill("tangerine bicycle");
  await visitor.getByRole("button", { name: "Open" }).click();
  await expect(visitor.getByTestId("shared-title")).toHaveText("Pitch");

  await visitorContext.close();
  expect(problems).toEqual([]);
  expect(visitorProblems).toEqual([]);
});
