import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, type Locator, type Page } from "@playwright/test";
import { hydrated, signUpWithWorkspace, test, watchForProblems } from "./support";

const SPOKEN = "Good morning everyone. Today we will look at the survey results together.";

/** Each word of a line: its text and the time it starts (what a click seeks to). */
async function timedWords(line: Locator): Promise<[string, number][]> {
  return line
    .locator(".word")
    .evaluateAll((spans) => spans.map((s) => [s.textContent ?? "", Number(s.getAttribute("data-ms"))] as [string, number]));
}

async function openRecording(page: Page, slug: string) {
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.getByTestId("recording-row").filter({ hasText: "Review" }).getByRole("link", { name: "Review" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Review");
  await hydrated(page);
  await expect(page.getByTestId("transcript-line").first()).toBeVisible();
}

test("a transcript line is edited in place, keeps its timings across a reload, undoes, restores, and never overwrites another editor", async ({
  page,
  context,
  scratchFile,
}) => {
  test.setTimeout(240_000);
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  const file = scratchFile("Review.wav", Buffer.alloc(0));
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", file, SPOKEN]);
  const stamp = Date.now();
  const slug = `edits-${stamp}`;
  await signUpWithWorkspace(page, "Eddie Editor", `editor-${stamp}@example.com`, "Edits", slug);
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.locator("#upload-files").setInputFiles({ name: "Review.wav", mimeType: "audio/wav", buffer: readFileSync(file) });
  const row = page.getByTestId("recording-row").filter({ hasText: "Review" });
  await expect(row.getByTestId("transcription-badge")).toHaveText("Transcribed", { timeout: 150_000 });
  await openRecording(page, slug);

  // The line with "survey" in it: change that word; the others keep their times, and the new
  // word takes the time of the one it replaced.
  const lines = page.getByTestId("transcript-line");
  const index = (await lines.allTextContents()).findIndex((t) => /survey/i.test(t));
  expect(index).toBeGreaterThanOrEqual(0);
  const line = lines.nth(index);
  const before = await timedWords(line);
  const surveyAt = before.findIndex(([w]) => /survey/i.test(w));
  expect(surveyAt).toBeGreaterThanOrEqual(0);
  const original = before.map(([w]) => w).join(" ");
  const edited = before.map(([w], i) => (i === surveyAt ? "poll" : w)).join(" ");
  await line.getByRole("button", { name: /^Edit the line at / }).click();
  const editor = line.getByTestId("line-editor");
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue(original);
  await editor.fill(edited);
  await editor.press("Enter");
  await expect(editor).toHaveCount(0);
  const after = await timedWords(line);
  expect(after.map(([w]) => w).join(" ")).toBe(edited);
  expect(after.map(([, ms]) => ms)).toEqual(before.map(([, ms]) => ms));

  // It survives a reload, timings and all, and clicking the new word plays from its time.
  await page.reload();
  await hydrated(page);
  const reloaded = page.getByTestId("transcript-line").nth(index);
  expect(await timedWords(reloaded)).toEqual(after);
  await reloaded.getByText("poll", { exact: true }).click();
  const player = page.getByTestId("player");
  const pollSeconds = after[surveyAt][1] / 1000;
  await expect
    .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(pollSeconds);
  await player.evaluate((audio: HTMLAudioElement) => audio.pause());

  // Undo and redo (buttons, and Ctrl+Z once the edit is this page's own).
  const edit = page.getByTestId("transcript-line").nth(index);
  await edit.getByRole("button", { name: /^Edit the line at / }).click();
  await edit.getByTestId("line-editor").fill(edited.replace("poll", "vote"));
  // Autosave: it saves itself a moment after typing stops, before Done.
  await expect(edit.getByTestId("line-status")).toHaveText("Saved", { timeout: 10_000 });
  await edit.getByRole("button", { name: "Done" }).click();
  await expect(edit).toContainText("vote");
  await page.getByRole("button", { name: "Undo", exact: true }).click();
  await expect(edit).toContainText("poll");
  await page.getByRole("button", { name: "Redo", exact: true }).click();
  await expect(edit).toContainText("vote");
  await page.getByRole("heading", { name: "Summary" }).click();
  await page.keyboard.press("Control+z");
  await expect(edit).toContainText("poll");

  // Cancel puts back what the line said when it was opened, even after an autosave.
  await edit.getByRole("button", { name: /^Edit the line at / }).click();
  await edit.getByTestId("line-editor").fill(edited.replace("poll", "census"));
  await expect(edit.getByTestId("line-status")).toHaveText("Saved", { timeout: 10_000 });
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(edit.getByTestId("line-editor")).toHaveCount(0);
  await expect(edit).toContainText("poll");
  await expect(edit).not.toContainText("census");

  // Two editors: another tab saves the same line first; this one is told, and keeps theirs.
  await edit.getByRole("button", { name: /^Edit the line at / }).click();
  const other = await context.newPage();
  await openRecording(other, slug);
  const theirs = other.getByTestId("transcript-line").nth(index);
  await theirs.getByRole("button", { name: /^Edit the line at / }).click();
  await theirs.getByTestId("line-editor").fill(edited.replace("poll", "study"));
  await theirs.getByTestId("line-editor").press("Enter");
  await expect(theirs).toContainText("study");
  await other.close();
  await edit.getByTestId("line-editor").fill(edited.replace("poll", "mine"));
  await edit.getByTestId("line-editor").press("Enter");
  const conflict = edit.getByTestId("line-conflict");
  await expect(conflict).toContainText("Eddie Editor changed this line while you were editing it");
  await expect(conflict).toContainText("study");
  await conflict.getByRole("button", { name: "Keep theirs" }).click();
  await expect(edit.getByTestId("line-editor")).toHaveCount(0);
  await expect(edit).toContainText("study");

  // Who speaks: said on a line, then renamed on every line from the Speakers card.
  await edit.getByRole("button", { name: /^Edit the line at / }).click();
  await edit.getByLabel("Speaker").fill("Eddie");
  await edit.getByRole("button", { name: "Set speaker" }).click();
  await expect(edit.getByTestId("speaker-status")).toHaveText("Eddie speaks this line.");
  await edit.getByRole("button", { name: "Done" }).click();
  await expect(edit).toContainText("Eddie:");
  const speakers = page.getByTestId("speakers");
  await speakers.getByLabel("Rename Eddie (1 line)").fill("Edward");
  await speakers.getByRole("button", { name: "Rename" }).click();
  await expect(page.getByTestId("transcript-panel")).toContainText("“Eddie” is now Edward on every line.");
  await expect(page.getByTestId("transcript-line").nth(index)).toContainText("Edward:");

  // The version history lists the transcription and the edits; restoring the first brings the
  // original words back with their times.
  const history = page.getByTestId("version-history");
  await history.locator("summary").click();
  await expect(history.getByTestId("version").first()).toContainText("shown now");
  await expect(history.getByTestId("version").last()).toContainText("Transcribed");
  await history.getByRole("button", { name: "Restore version 1" }).click();
  await expect(page.getByTestId("transcript-panel")).toContainText("Version 1 is back");
  const restored = page.getByTestId("transcript-line").nth(index);
  await expect.poll(() => timedWords(restored)).toEqual(before);
  expect(problems).toEqual([]);
});
