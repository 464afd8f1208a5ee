import { expect } from "@playwright/test";
import { s3BaseURL } from "../playwright.config";
import { completeSignUp, hydrated, test, watchForProblems, wav } from "./support";

test.use({ baseURL: s3BaseURL });

test("a 200 MB recording goes from the browser straight to the S3 bucket in parts and plays from it", async ({
  page,
  scratchFile,
}) => {
  test.skip(!process.env.S3_TEST_ENDPOINT, "needs the local S3 server that `make test` starts");
  test.setTimeout(180_000);
  const problems = watchForProblems(page, (text) => text.includes("frame is sandboxed"));
  const stamp = Date.now();
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Sam Spaces", `spaces-${stamp}@example.com`);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Bucket");
  await page.getByLabel("Address (optional)").fill(`bucket-${stamp}`);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/bucket-${stamp}$`));
  await page.goto(`/w/bucket-${stamp}/recordings`);
  await hydrated(page);

  // 6,554 s of audio: 209.7 MB, 25 parts of 8 MiB, each PUT to a presigned URL on the bucket.
  const file = scratchFile("Long meeting.wav", wav(6554));
  const endpoint = new URL(process.env.S3_TEST_ENDPOINT ?? "").origin;
  const partTargets = new Set<string>();
  page.on("request", (request) => {
    if (request.method() === "PUT") partTargets.add(new URL(request.url()).origin);
  });
  await page.locator("#upload-files").setInputFiles(file);
  const row = page.getByTestId("upload-row").filter({ hasText: "Long meeting.wav" });
  await expect(row.getByTestId("upload-detail")).toHaveText(
    "Uploaded. It appears in the library below once its audio is checked.",
    { timeout: 120_000 },
  );
  const recording = page.getByTestId("recording-row").filter({ hasText: "Long meeting" });
  await expect(recording.getByTestId("recording-status")).toHaveText("Ready", { timeout: 120_000 });
  await expect(recording).toContainText("1:49:14");
  expect([...partTargets]).toEqual([endpoint]);

  await recording.getByRole("link", { name: "Long meeting" }).click();
  const player = page.getByTestId("player");
  expect(new URL((await player.getAttribute("src")) ?? "").origin).toBe(endpoint);
  const duration = await player.evaluate(
    (audio: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        if (audio.readyState >= 1) resolve(audio.duration);
        else audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
      }),
  );
  expect(Math.round(duration)).toBe(6554);
  expect(problems).toEqual([]);
});
