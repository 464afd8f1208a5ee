import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, type Page } from "@playwright/test";
import { hydrated, signUpWithWorkspace, test, watchForProblems } from "./support";

const SPOKEN =
  "Good morning everyone. Today we will look at the survey results together. Then we plan the next release.";

/** The player's length in seconds, once it knows it. */
async function playerSeconds(page: Page): Promise<number> {
  const player = page.getByTestId("player");
  await expect.poll(() => player.evaluate((a: HTMLAudioElement) => a.duration || 0), { timeout: 15_000 }).toBeGreaterThan(0);
  return player.evaluate((a: HTMLAudioElement) => a.duration);
}

test("words selected in the transcript are cut, previewed, and rendered as a shorter version; the summary is read aloud into a recording", async ({
  page,
  scratchFile,
}) => {
  test.setTimeout(300_000);
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  const file = scratchFile("Review.wav", Buffer.alloc(0));
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", file, SPOKEN]);
  const stamp = Date.now();
  const slug = `cuts-${stamp}`;
  await signUpWithWorkspace(page, "Cora Cutter", `cutter-${stamp}@example.com`, "Cuts", slug);
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.locator("#upload-files").setInputFiles({ name: "Review.wav", mimeType: "audio/wav", buffer: readFileSync(file) });
  const row = page.getByTestId("recording-row").filter({ hasText: "Review" });
  await expect(row.getByTestId("transcription-badge")).toHaveText("Transcribed", { timeout: 150_000 });
  await row.getByRole("link", { name: "Review" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Review");
  await hydrated(page);
  const editor = page.getByTestId("cut-editor");
  await expect(editor.getByTestId("cut-empty")).toBeVisible();
  const before = await playerSeconds(page);

  // Nothing selected, or a range that makes no sense: told how, nothing chosen.
  await editor.getByRole("button", { name: "Cut selected words" }).click();
  await expect(editor.getByTestId("cut-problem")).toContainText("Select some words in the transcript first");
  await editor.getByLabel("From").fill("0:05");
  await editor.getByLabel("To").fill("0:02");
  await editor.getByRole("button", { name: "Add range" }).click();
  await expect(editor.getByTestId("cut-problem")).toContainText("end after it starts");
  await expect(editor.getByTestId("cut-empty")).toBeVisible();

  // Select "survey results" by dragging over the words (a DOM selection), and cut it.
  const words = page.locator("[data-testid=transcript-segments] .word");
  const texts = await words.allTextContents();
  const first = texts.findIndex((t) => /survey/i.test(t));
  expect(first).toBeGreaterThanOrEqual(0);
  const last = first + 1;
  expect(texts[last]).toMatch(/results/i);
  const [startMs, endMs] = await page.evaluate(
    ([a, b]) => {
      const spans = document.querySelectorAll("[data-testid=transcript-segments] .word");
      const range = document.createRange();
      range.setStart(spans[a].firstChild!, 0);
      range.setEnd(spans[b].firstChild!, spans[b].textContent!.length);
      const selection = window.getSelection()!;
      selection.removeAllRanges();
      selection.addRange(range);
      return [Number(spans[a].getAttribute("data-ms")), Number(spans[b + 1]?.getAttribute("data-ms") ?? 0)];
    },
    [first, last],
  );
  await editor.getByRole("button", { name: "Cut selected words" }).click();
  const list = editor.getByTestId("cut-list");
  await expect(list).toContainText(/survey results/i);
  await expect(editor.getByTestId("cut-summary")).toContainText("Removes");
  await expect(words.nth(first)).toHaveClass(/is-cut/);
  await expect(words.nth(first + 2)).not.toHaveClass(/is-cut/);

  // The preview plays with the passage skipped: the player is never seen inside it.
  const player = page.getByTestId("player");
  await player.evaluate((a: HTMLAudioElement) => {
    const seen: number[] = [];
    (window as unknown as { seen: number[] }).seen = seen;
    a.addEventListener("timeupdate", () => seen.push(a.currentTime * 1000));
  });
  await editor.getByRole("button", { name: "Preview without the cuts" }).click();
  await expect(editor.getByRole("button", { name: "Stop preview" })).toBeVisible();
  await expect
    .poll(() => player.evaluate((a: HTMLAudioElement) => a.currentTime * 1000), { timeout: 15_000 })
    .toBeGreaterThan(endMs);
  await editor.getByRole("button", { name: "Stop preview" }).click();
  await expect.poll(() => player.evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
  const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
  expect(seen.some((ms) => ms < startMs)).toBe(true);
  expect(seen.filter((ms) => ms > startMs + 150 && ms < endMs - 150)).toEqual([]);

  // Made: a new version, rendered live, shorter by about the passage, without its words.
  await editor.getByRole("button", { name: "Make the edited version" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Review (edit 2)", { timeout: 15_000 });
  await hydrated(page);
  await expect(page.getByTestId("transcription-stage")).toHaveText("Transcribed", { timeout: 120_000 });
  await expect(page.getByTestId("recording-status")).toHaveText("Ready");
  const after = await playerSeconds(page);
  expect(after).toBeLessThan(before - 0.3);
  const segments = page.getByTestId("transcript-segments");
  await expect(segments).toContainText(/good morning/i);
  await expect(segments).not.toContainText(/survey results/i);
  const versions = page.getByTestId("recording-versions");
  await expect(versions).toContainText("Version 2");
  await expect(versions).toContainText("1 passage cut");

  // The original is still there, whole.
  await versions.getByRole("link", { name: "Version 1" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Review");
  await expect(page.getByTestId("transcript-segments")).toContainText(/survey results/i);

  // Read aloud: the summary, by one of this server's voices, kept as a recording of its own.
  await hydrated(page);
  const listen = page.getByTestId("speak");
  await listen.getByLabel("Read", { exact: true }).selectOption("summary");
  await listen.getByLabel("Voice", { exact: true }).selectOption({ label: "British English, female" });
  await listen.getByRole("button", { name: "Read it aloud" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Review — spoken summary", { timeout: 15_000 });
  await expect(page.getByTestId("spoken-from")).toContainText("read aloud by British English, female");
  await expect(page.getByTestId("player")).toBeVisible({ timeout: 120_000 });
  expect(await playerSeconds(page)).toBeGreaterThan(1);
  await expect(page.getByTestId("recording-status")).toHaveText("Ready");
  await page.getByTestId("spoken-from").getByRole("link", { name: "Review" }).click();
  await expect(page.getByTestId("spoken-versions")).toContainText("Review — spoken summary");
  expect(problems).toEqual([]);
});
