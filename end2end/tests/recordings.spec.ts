import { expect } from "@playwright/test";
import { completeSignUp, hydrated, test, watchForProblems, wav } from "./support";

test("an upload in parts survives a failed connection and a reload, then plays; refused files say why", async ({
  page,
  scratchFile,
}) => {
  test.setTimeout(150_000);
  // The aborted part below is logged by Chromium as a failed request.
  const problems = watchForProblems(page, (text) => text.includes("net::ERR_FAILED") || text.includes("frame is sandboxed"));
  const stamp = Date.now();
  const slug = `tapes-${stamp}`;
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Una Uploader", `uploader-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Tapes");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await page.getByRole("link", { name: "Recordings" }).click();
  await expect(page.getByRole("heading", { name: "Recordings", exact: true })).toBeVisible();
  await expect(page.getByTestId("recordings-empty")).toContainText("No recordings yet.");
  await hydrated(page);

  // 655 s of audio, 20 MiB: three parts. The connection fails on the third.
  // A real file, so picking it again after the reload gives the same name, size and date.
  const file = scratchFile("Interview.wav", wav(655));
  const thirdPart = (url: URL) => url.pathname === "/storage/local/part" && url.searchParams.get("part") === "3";
  await page.route(thirdPart, (route) => route.abort("failed"));
  await page.locator("#upload-files").setInputFiles(file);
  const row = page.getByTestId("upload-row").filter({ hasText: "Interview.wav" });
  await expect(row.getByRole("progressbar")).toBeVisible();
  await expect(row.getByTestId("upload-detail")).toHaveText("The connection dropped while sending a part.", {
    timeout: 30_000,
  });
  await expect(row.getByRole("button", { name: "Retry" })).toBeVisible();
  await page.unroute(thirdPart);

  // After a reload the server still knows the two finished parts; picking the file again sends the third only.
  await page.reload();
  await hydrated(page);
  const unfinished = page.getByTestId("unfinished-uploads");
  await expect(unfinished).toContainText("Interview.wav");
  await expect(unfinished).toContainText("66% sent");
  let parts = 0;
  page.on("request", (request) => {
    if (request.method() === "PUT" && request.url().includes("/storage/local/part")) parts += 1;
  });
  await page.getByLabel("Choose Interview.wav again to resume").setInputFiles(file);
  const recording = page.getByTestId("recording-row").filter({ hasText: "Interview" });
  await expect(recording.getByTestId("recording-status")).toHaveText("Ready", { timeout: 30_000 });
  await expect(recording).toContainText("10:55");
  expect(parts).toBe(1);
  await expect(page.getByTestId("unfinished-uploads")).toBeHidden();

  // A file that is not audio is refused in words, whatever its name says.
  await page.locator("#upload-files").setInputFiles({
    name: "notes.mp3",
    mimeType: "audio/mpeg",
    buffer: Buffer.from("These are meeting notes, not a recording.\n".repeat(20)),
  });
  const refused = page.getByTestId("recording-row").filter({ hasText: "notes" });
  await expect(refused.getByTestId("recording-status")).toHaveText("Rejected", { timeout: 30_000 });
  await expect(refused).toContainText("This file is not audio (it looks like text).");

  // The recording plays from a signed link, can be renamed, trashed and restored.
  await recording.getByRole("link", { name: "Interview" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Interview");
  const duration = await page.getByTestId("player").evaluate(
    (audio: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        if (audio.readyState >= 1) resolve(audio.duration);
        else audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
      }),
  );
  expect(Math.round(duration)).toBe(655);
  await hydrated(page);
  await page.getByLabel("Title").fill("Interview with Grace");
  await page.getByRole("button", { name: "Save title" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Interview with Grace");
  await page.getByRole("button", { name: "Move to trash" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/recordings$`));
  await expect(page.getByTestId("recording-row").filter({ hasText: "Interview with Grace" })).toHaveCount(0);
  await page.getByRole("link", { name: "Trash" }).click();
  const trashed = page.getByTestId("recording-row").filter({ hasText: "Interview with Grace" });
  await expect(trashed).toContainText("Deleted for good on");
  await trashed.getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("“Interview with Grace” is back in the library.")).toBeVisible();
  await page.getByRole("link", { name: "Library" }).click();
  const grace = page.getByTestId("recording-row").filter({ hasText: "Interview with Grace" });
  await expect(grace).toBeVisible();

  // Tags are set on the recording's page, shown in the library, and filter it, with the status.
  await grace.getByRole("link", { name: "Interview with Grace" }).click();
  await expect(page.getByTestId("recording-title")).toHaveText("Interview with Grace");
  await hydrated(page);
  await page.getByLabel("Tags").fill("Hiring,  Interviews, hiring");
  await page.getByRole("button", { name: "Save tags" }).click();
  await expect(page.getByText("Tagged: hiring, interviews.")).toBeVisible();
  await page.goto(`/w/${slug}/recordings`);
  await hydrated(page);
  await expect(grace.getByTestId("tag")).toHaveText(["hiring", "interviews"]);
  await grace.getByRole("link", { name: "hiring" }).click();
  await expect(page).toHaveURL(/tag=hiring/);
  await expect(page.getByTestId("recording-row")).toHaveCount(1);
  await expect(page.getByLabel("Tag", { exact: true })).toHaveValue("hiring");
  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(page.getByTestId("recordings-empty")).toContainText("No recordings match these filters.");
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(grace).toBeVisible();
  await expect(page.getByTestId("recording-row").filter({ hasText: "notes" })).toBeVisible();

  expect(problems).toEqual([]);
});
