import { expect } from "@playwright/test";
import { hydrated, signUpWithWorkspace, test, watchForProblems } from "./support";

/** Two entries as the first AudioTricks kept them in localStorage, and one it never wrote. */
const HISTORY = [
  {
    id: "1718000000000",
    timestamp: "2024-06-10T08:30:00.000Z",
    title: "Weekly planning",
    duration: 90,
    wordCount: 12,
    language: "en",
    results: {
      transcript: { text: "Good morning. We plan the week now! Any questions?" },
      summary: {
        summary: "The team planned the week.",
        key_moments: [{ timestamp: "0:45", title: "Plan the week", description: "", importance: "high" }],
        word_count: 12,
      },
      processing_time: 3.2,
    },
  },
  { id: "1718000000001", timestamp: "2024-06-11T08:30:00.000Z", title: "Broken", results: { transcript: {} } },
];

test("the first AudioTricks' history imports from a file, entry by entry, into transcripts with summaries", async ({ page }) => {
  // The empty import is refused with a 422, which Chromium reports.
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed") || text.includes("status of 422"));
  const stamp = Date.now();
  const slug = `imports-${stamp}`;
  await signUpWithWorkspace(page, "Ivy Importer", `importer-${stamp}@example.com`, "Imports", slug);
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.getByRole("link", { name: "Import its history" }).click();
  await expect(page.getByRole("heading", { name: "Import from the first AudioTricks" })).toBeVisible();
  await hydrated(page);

  // Nothing pasted: the field says what to do.
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.locator("#history-error")).toHaveText("Paste the history, or choose its file.");

  await page.getByLabel("History file (optional)").setInputFiles({
    name: "history.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(HISTORY)),
  });
  await expect(page.getByLabel("History (JSON)")).toHaveValue(/Weekly planning/);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const report = page.getByTestId("import-report");
  await expect(report).toContainText("Imported 1 transcript. 1 could not be read.");
  await expect(report.getByTestId("import-problems")).toContainText("Entry 2 (“Broken”): it has no transcript text.");

  await report.getByRole("link", { name: "Weekly planning" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Weekly planning");
  await expect(page.getByTestId("recording-status")).toHaveText("Imported");
  await expect(page.getByTestId("transcript-line")).toHaveText([/Good morning\./, /We plan the week now!/, /Any questions\?/]);
  await expect(page.getByTestId("summary-text")).toHaveText("The team planned the week.");
  await expect(page.getByTestId("key-moments")).toContainText("Plan the week");
  await expect(page.getByRole("button", { name: "Transcribe again" })).toHaveCount(0);
  await expect(page.getByTestId("player")).toHaveCount(0);
  expect(problems).toEqual([]);
});
