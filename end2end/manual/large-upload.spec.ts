import { expect } from "@playwright/test";
import { completeSignUp, hydrated, test, wav } from "../tests/support";

// A big upload in a real browser against `make run` (local or S3 backend): the page is reloaded
// once half the file is sent, the same file is picked again, and the recording becomes ready with
// its duration. Size in MB from UPLOAD_MB (500 by default).
test("a big upload survives a reload halfway and becomes a ready recording", async ({ page, scratchFile }) => {
  const megabytes = Number(process.env.UPLOAD_MB ?? "500");
  const seconds = Math.round((megabytes * 1_000_000) / 32_000);
  const file = scratchFile("Big.wav", wav(seconds));
  const stamp = Date.now();
  const slug = `big-${stamp}`;
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Bea Big", `big-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Big files");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);

  let reports = 0;
  page.on("request", (request) => {
    if (request.url().endsWith("/api/uploads/parts")) reports += 1;
  });
  const started = Date.now();
  await page.locator("#upload-files").setInputFiles(file);
  const bar = page.getByTestId("upload-row").filter({ hasText: "Big.wav" }).getByRole("progressbar");
  await expect
    .poll(async () => Number((await bar.getAttribute("aria-valuenow")) ?? 0), { timeout: 10 * 60_000, intervals: [100] })
    .toBeGreaterThanOrEqual(50);
  const before = Number(await bar.getAttribute("aria-valuenow"));
  await page.reload();
  await hydrated(page);
  const unfinished = page.getByTestId("unfinished-uploads");
  await expect(unfinished).toContainText("Big.wav");
  console.log(
    `reloaded at ${before}% after ${((Date.now() - started) / 1000).toFixed(1)} s and ${reports} part reports; the server has: ${await unfinished.innerText()}`,
  );
  await page.getByLabel("Choose Big.wav again to resume").setInputFiles(file);
  const recording = page.getByTestId("recording-row").filter({ hasText: "Big" });
  await expect(recording.getByTestId("recording-status")).toHaveText("Ready", { timeout: 20 * 60_000 });
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  const length = `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  await expect(recording).toContainText(length);
  console.log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s: ${await recording.innerText()}`);
});
