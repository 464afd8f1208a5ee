import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect } from "@playwright/test";
import { completeSignUp, hydrated, test, watchForProblems } from "./support";

const SPOKEN =
  "Good morning everyone. Today we will review the results of the customer survey. " +
  "Most people said the new app is easier to use than the old one, but many asked for better search. " +
  "The design team will share a first version next week, and we will test it with ten customers before the end of the month.";

test("an uploaded recording is transcribed on this server, followed live, then summarised with key moments", async ({
  page,
  scratchFile,
}) => {
  test.setTimeout(240_000);
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  // Real speech, made by espeak-ng (installed by the make targets).
  const file = scratchFile("Standup.wav", Buffer.alloc(0));
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", file, SPOKEN]);
  const stamp = Date.now();
  const slug = `voices-${stamp}`;
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Tess Transcriber", `transcriber-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Voices");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);

  await page.locator("#upload-files").setInputFiles({ name: "Standup.wav", mimeType: "audio/wav", buffer: readFileSync(file) });
  const row = page.getByTestId("recording-row").filter({ hasText: "Standup" });
  await expect(row.getByTestId("recording-status")).toHaveText("Ready", { timeout: 30_000 });
  // The library's badge follows the transcription as it goes, without a reload.
  await expect(row.getByTestId("transcription-badge")).toBeVisible();
  await expect(row.getByTestId("transcription-badge")).toHaveText("Transcribed", { timeout: 150_000 });

  await row.getByRole("link", { name: "Standup" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Standup");
  await hydrated(page);
  const stage = page.getByTestId("transcription-stage");
  await expect(stage).toHaveText("Transcribed");
  const segments = page.getByTestId("transcript-segments");
  await expect(segments).toContainText("customer survey");
  await expect(page.getByTestId("summary-method")).toHaveText("extractive");
  const moments = page.getByTestId("key-moments").getByRole("button");
  await expect(moments).toHaveCount(3);

  // A key moment plays the recording from its time.
  await moments.nth(2).click();
  const player = page.getByTestId("player");
  await expect
    .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime), { timeout: 10_000 })
    .toBeGreaterThan(5);

  // Clicking a word plays from it, and the word being played is highlighted.
  await segments.getByText("design", { exact: true }).click();
  await expect
    .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime), { timeout: 10_000 })
    .toBeGreaterThan(8);
  await expect(segments.locator(".is-current")).toHaveCount(1, { timeout: 10_000 });
  await player.evaluate((audio: HTMLAudioElement) => audio.pause());
  // Find counts matches; "?" lists the shortcuts.
  await page.getByLabel("Find in transcript").fill("SURVEY");
  await expect(page.getByTestId("find-count")).toHaveText("1 of 1");
  await expect(segments.locator(".is-match-current")).toHaveText("survey.");
  await page.getByLabel("Find in transcript").fill("zebra");
  await expect(page.getByTestId("find-count")).toHaveText("No matches");
  await page.getByRole("heading", { name: "Summary" }).click();
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();

  // Transcribing again shows the stages as they happen, ending with a new version.
  await page.getByLabel("Engine").selectOption("local");
  await page.getByRole("button", { name: "Transcribe again" }).click();
  await expect(stage).not.toHaveText("Transcribed");
  await expect(stage).toHaveText("Transcribed", { timeout: 150_000 });
  await expect(page.getByTestId("transcript-panel")).toContainText("version 2");

  // Another summary style is a new summary, made on this server.
  await page.getByLabel("Summary style").selectOption("actions");
  await page.getByRole("button", { name: "Summarise again" }).click();
  await expect(page.getByTestId("summary")).toContainText("Action items", { timeout: 60_000 });
  await expect(page.getByTestId("summary-text")).toContainText("•");
  // An SRT export downloads, parses, and its cues carry the transcript's words in order.
  const exportForm = page.getByTestId("export");
  await exportForm.getByLabel("Format").selectOption("srt");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    exportForm.getByRole("button", { name: "Download" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("Standup.srt");
  const srt = readFileSync(await download.path(), "utf8");
  const cues = srt.trim().split("\n\n").map((block) => block.split("\n"));
  expect(cues.length).toBeGreaterThan(1);
  const toMs = (t: string) => {
    const [hms, ms] = t.split(",");
    const [h, m, s] = hms.split(":").map(Number);
    return ((h * 60 + m) * 60 + s) * 1000 + Number(ms);
  };
  let previousEnd = 0;
  cues.forEach((lines, i) => {
    expect(lines[0]).toBe(String(i + 1));
    const [from, to] = lines[1].split(" --> ").map(toMs);
    expect(from).toBeGreaterThanOrEqual(previousEnd);
    expect(to).toBeGreaterThan(from);
    previousEnd = to;
    expect(lines.length).toBeLessThanOrEqual(4);
    for (const line of lines.slice(2)) expect(line.length).toBeLessThanOrEqual(42);
  });
  const subtitleWords = cues.flatMap((lines) => lines.slice(2).join(" ").split(/\s+/));
  const transcriptWords = (await segments.locator(".word").allTextContents()).flatMap((w) => w.split(/\s+/)).filter(Boolean);
  expect(subtitleWords.join(" ")).toBe(transcriptWords.join(" "));
  // The library finds the recording by what was said, with the words marked.
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await page.getByLabel("Search titles and transcripts").fill("customer survey");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/q=customer\+survey/);
  await expect(page.getByTestId("search-snippet").locator("mark").first()).toHaveText(/customer|survey/i);
  await page.getByLabel("Search titles and transcripts").fill("zebra");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("recordings-empty")).toContainText("Nothing matches");
  expect(problems).toEqual([]);
});
