import { expect } from "@playwright/test";
import { hydrated, signUpWithWorkspace, test, watchForProblems } from "./support";

/** An hour-long meeting as the first AudioTricks kept it: 300 numbered sentences, so 300 lines. */
const SENTENCES = Array.from({ length: 300 }, (_, i) => `Point number ${i + 1} was agreed by the team.`);
SENTENCES[299] = "Finally the zebra budget was approved.";
const HISTORY = [
  {
    id: "long-1",
    timestamp: "2024-06-10T08:30:00.000Z",
    title: "Long meeting",
    duration: 3600,
    results: { transcript: { text: SENTENCES.join(" ") }, summary: { summary: "Many points were agreed." } },
  },
];

test("a long transcript comes in chunks: the first with the page, the rest as the reader scrolls or finds", async ({ page }) => {
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  const stamp = Date.now();
  const slug = `long-${stamp}`;
  await signUpWithWorkspace(page, "Lou Long", `long-${stamp}@example.com`, "Long", slug);
  await page.goto(`/w/${slug}/import`);
  await hydrated(page);
  await page.getByLabel("History (JSON)").fill(JSON.stringify(HISTORY));
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await page.getByTestId("import-report").getByRole("link", { name: "Long meeting" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Long meeting");
  await hydrated(page);

  // The page brings the first 40 lines; the last line is not on it yet.
  const lines = page.getByTestId("transcript-line");
  await expect(lines.first()).toContainText("Point number 1 was agreed");
  expect(await lines.count()).toBeLessThan(300);
  await expect(page.locator("#seg299")).toHaveCount(0);

  // Scrolling down brings more.
  const before = await lines.count();
  await page.locator("#seg39").scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 3000);
  await expect.poll(() => lines.count()).toBeGreaterThan(before);

  // Find reaches the last line, shows it and marks the match.
  await page.getByLabel("Find in transcript").fill("zebra budget");
  await expect(page.getByTestId("find-count")).toHaveText("1 of 1");
  await expect(page.locator("#seg299")).toBeInViewport();
  // Imported lines have no word timings: the whole line is one span, marked.
  await expect(page.locator("#seg299 .is-match-current")).toContainText("zebra budget");

  // Every line is there in order once shown, numbered from 1.
  await page.getByLabel("Find in transcript").fill("number 150 was");
  await expect(page.locator("#seg149")).toContainText("Point number 150 was agreed");
  expect(problems).toEqual([]);
});
