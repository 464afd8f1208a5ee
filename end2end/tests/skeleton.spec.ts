import { expect, test, type Page } from "@playwright/test";

/** Collects console errors and CSP violations so each test can assert there were none. */
function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}

async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

test("landing page explains AudioTricks, with CSP and nosniff headers", async ({ page }) => {
  const problems = watchForErrors(page);
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("script-src 'self' 'nonce-");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  await expect(page).toHaveTitle(/AudioTricks/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Turn recorded audio into transcripts/);
  await expect(page.getByRole("heading", { name: "Everything after the recording" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Start free, pay as your team grows" })).toBeVisible();
  await hydrated(page);
  expect(problems, "no console errors or CSP violations").toEqual([]);
});

test("dark mode toggles after hydration and is remembered", async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto("/");
  await hydrated(page);
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);
  await page.getByRole("button", { name: "Dark mode" }).click();
  await expect(html).toHaveClass(/dark/);
  await page.reload();
  await hydrated(page);
  await expect(html).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Light mode" }).click();
  await expect(html).not.toHaveClass(/dark/);
  expect(problems).toEqual([]);
});

test.describe("with a dark OS preference", () => {
  test.use({ colorScheme: "dark" });
  test("the page starts dark", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("html")).toHaveClass(/dark/);
    await hydrated(page);
    await expect(page.getByRole("button", { name: "Light mode" })).toBeVisible();
  });
});

test("status page shows the database is ok, and refresh confirms with a toast", async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto("/status");
  await expect(page.getByRole("heading", { name: "System status" })).toBeVisible();
  const database = page.getByRole("region", { name: "Database" });
  await expect(database).toContainText("Connected");
  await expect(database).toContainText("Round trip");
  await expect(page.getByTestId("readiness")).toHaveText("All systems ready");
  await hydrated(page);
  const refreshed = page.waitForResponse((r) => r.url().includes("/api/system/status") && r.status() === 200);
  await page.getByRole("button", { name: "Refresh" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Status is up to date." })).toBeVisible();
  expect(await (await refreshed).json()).toMatchObject({ readiness: { ready: true } });
  await expect(database).toContainText("Connected");
  expect(problems).toEqual([]);
});

test("client-side navigation reaches the status page", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Status" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole("region", { name: "Database" })).toContainText("Connected");
});

test("on a phone the side navigation opens as a drawer", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Sections" })).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  const drawer = page.getByRole("dialog", { name: "Navigation" });
  await expect(drawer).toBeVisible();
  await drawer.getByRole("link", { name: "Status" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(drawer).toBeHidden();
});

test("an unknown address is a 404 page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to the home page" })).toBeVisible();
});

test("health, readiness and metrics endpoints answer", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok" });

  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ ready: true, database: { ok: true }, migrations: { current: true } });

  const metrics = await request.get("/metrics");
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  expect(text).toContain("# TYPE audiotricks_http_requests_total counter");
  expect(text).toContain('route="/healthz"');
  expect(text).toContain("audiotricks_http_request_duration_seconds_bucket");
});
