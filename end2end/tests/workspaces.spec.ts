import { expect, test } from "@playwright/test";
import { completeSignUp, hydrated, linkFromMailbox, watchForProblems } from "./support";

/** A real 1×1 PNG, so the browser decodes it. */
const ONE_PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

test("an owner invites a teammate by email, who joins as a Viewer, is promoted by the owner and can then edit", async ({
  page,
  browser,
}) => {
  // Two people, a dozen pages each (debug builds hydrate slowly).
  test.setTimeout(150_000);
  // Refusals the journey provokes on purpose (a Viewer's settings are read-only, not a 403), and the
  // mailbox's script-less email frame.
  const expected = (text: string) => text.includes("frame is sandboxed");
  const ownerProblems = watchForProblems(page, expected);
  const stamp = Date.now();
  const ownerEmail = `owner-${stamp}@example.com`;
  const teammateEmail = `teammate-${stamp}@example.com`;
  const slug = `studio-${stamp}`;

  // The owner signs up and makes a team workspace.
  await page.goto("/signup");
  await hydrated(page);
  await completeSignUp(page, "Olive Owner", ownerEmail);
  await expect(page).toHaveURL(/\/account\?welcome=1/);
  await page.goto("/workspaces/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Studio");
  await page.getByLabel("Address (optional)").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(page.getByTestId("workspace-name")).toHaveText("Studio");

  // ...and invites a teammate as a Viewer.
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Email address").fill(teammateEmail);
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${teammateEmail}.`)).toBeVisible();
  await expect(page.getByTestId("invitations")).toContainText(teammateEmail);

  // The teammate opens the emailed link in their own browser and signs up through it.
  const teammate = await (await browser.newContext()).newPage();
  const teammateProblems = watchForProblems(teammate, expected);
  const invite = await linkFromMailbox(teammate, teammateEmail, "Olive Owner invited you to Studio on AudioTricks", "/invite?token=");
  await teammate.goto(invite);
  await hydrated(teammate);
  await expect(teammate.getByRole("heading", { name: "Join Studio" })).toBeVisible();
  await teammate.getByRole("link", { name: "Create an account" }).click();
  await expect(teammate.getByLabel("Email address")).toHaveValue(teammateEmail);
  await completeSignUp(teammate, "Tom Teammate", teammateEmail);
  await expect(teammate).toHaveURL(/\/invite\?token=/);
  await hydrated(teammate);
  await teammate.getByRole("button", { name: "Accept and join" }).click();
  await expect(teammate).toHaveURL(new RegExp(`/w/${slug}\\?joined=1`));
  await expect(teammate.getByTestId("workspace-name")).toHaveText("Studio");
  await expect(teammate.getByText("Viewer", { exact: true })).toBeVisible();

  // As a Viewer they can read the settings but not change them.
  await teammate.getByRole("link", { name: "View settings" }).click();
  await expect(teammate.getByText("Only owners and admins can change these settings.")).toBeVisible();
  await expect(teammate.getByLabel("Name")).toBeDisabled();
  await expect(teammate.getByRole("button", { name: "Save settings" })).toBeDisabled();

  // The owner's bell says the teammate joined; the owner promotes them to Admin.
  await page.goto(`/w/${slug}`);
  await hydrated(page);
  await expect(page.getByTestId("unread-count")).toHaveText("1");
  await page.getByTestId("notification-bell").click();
  await page.getByRole("link", { name: /Tom Teammate joined Studio as Viewer/ }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/members$`));
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
  await hydrated(page);
  await page.getByLabel("Role of Tom Teammate").selectOption("admin");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByText("Role changed to Admin.")).toBeVisible();

  // The teammate hears of it in their bell and can now edit.
  await teammate.goto("/notifications");
  await hydrated(teammate);
  await expect(teammate.getByRole("link", { name: "Olive Owner changed your role in Studio to Admin" })).toBeVisible();
  await expect(teammate.getByTestId("unread-count")).toHaveText("1");
  await teammate.getByRole("button", { name: "Mark all as read" }).click();
  await expect(teammate.getByTestId("unread-total")).toHaveText("Nothing unread.");
  await expect(teammate.getByTestId("unread-count")).toHaveCount(0);
  await teammate.goto(`/w/${slug}/settings`);
  await hydrated(teammate);
  await expect(teammate.getByLabel("Name")).toBeEnabled();
  await teammate.getByLabel("Name").fill("Studio Team");
  await teammate.getByRole("button", { name: "Save settings" }).click();
  await expect(teammate.getByText("Settings saved.")).toBeVisible();
  // As an Admin they give the workspace a logo; it shows on its pages.
  await teammate.getByLabel("Image file").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: ONE_PIXEL_PNG });
  await teammate.getByRole("button", { name: "Upload logo" }).click();
  await expect(teammate.getByText("Logo saved.")).toBeVisible();
  await expect(teammate.getByTestId("logo-preview")).toHaveJSProperty("naturalWidth", 1);
  await teammate.goto(`/w/${slug}`);
  await expect(teammate.getByTestId("workspace-name")).toHaveText("Studio Team");
  await expect(teammate.getByTestId("workspace-logo")).toHaveJSProperty("naturalWidth", 1);

  // They keep role changes out of their inbox's email.
  await teammate.goto("/account/notifications");
  await hydrated(teammate);
  await expect(teammate.getByLabel("Your memberships")).toBeChecked();
  await teammate.getByLabel("Your memberships").uncheck();
  await teammate.getByRole("button", { name: "Save email settings" }).click();
  await expect(teammate.getByText("Notification settings saved.")).toBeVisible();
  await teammate.reload();
  await expect(teammate.getByLabel("Your memberships")).not.toBeChecked();
  await expect(teammate.getByLabel("Your team")).toBeChecked();

  expect(ownerProblems).toEqual([]);
  expect(teammateProblems).toEqual([]);
});
