import { expect, test } from "@playwright/test";
import { expectNoAxeViolations, watchForErrors } from "./helpers";

const PRIORITIES = [
  "Children and Young People",
  "Generally Well",
  "Long-term Conditions",
  "Mental Health",
  "Cancer",
  "Older People",
];

test("home page renders the layout, the six priorities and the footer", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Home – Halton Health and Wellbeing Board");
  await expect(page.getByRole("banner")).toContainText("Halton Health and Wellbeing Board");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Health and wellbeing outcomes for Halton");
  await expect(page.locator(".lead")).toContainText("compares with the North West region and England");

  const nav = page.getByRole("navigation", { name: "Priorities" });
  for (const title of PRIORITIES) {
    await expect(nav.getByRole("link", { name: title, exact: true })).toBeVisible();
  }
  await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");
  await expect(page.locator(".cards .card")).toHaveCount(6);
  await expect(page.getByRole("contentinfo")).toContainText("Open Government Licence v3.0");
  // make run starts with the generated demo edition, flagged on every page.
  await expect(page.locator(".edition-bar")).toHaveText("Edition: Illustrative data (generated, not real figures)");
  await expect(page.getByRole("note").filter({ hasText: "Illustrative data" })).toContainText("not real statistics for Halton");
});

test("hydration: the priority finder filters as you type once the WASM has loaded", async ({ page }) => {
  const errors = watchForErrors(page);
  await page.goto("/");
  const box = page.getByRole("searchbox", { name: "Find a priority" });
  // Islands hydrate when the browser is idle; typing before then changes
  // nothing, so retry until the island answers. Without hydration this
  // never passes: nothing is submitted, so only the WASM can filter.
  await expect(async () => {
    await box.fill("");
    await box.pressSequentially("premature");
    await expect(page.locator(".cards .card")).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.locator(".cards .card")).toContainText("Cancer");
  await expect(page.getByRole("status")).toHaveText("Showing 1 of 6 priorities.");
  await expect(page).toHaveURL(/\/$/); // filtered in the page, not by the server

  await box.fill("no such thing");
  await expect(page.locator(".cards .card")).toHaveCount(0);
  await expect(page.getByRole("status")).toHaveText("No priority matches “no such thing”.");

  // Cards the island draws again in the browser keep their stacked bars,
  // drawn as SVG (not as unknown HTML elements with no size).
  await box.fill("");
  await expect(page.locator(".cards .card")).toHaveCount(6);
  const rects = page.locator(".cards svg.split rect");
  expect(await rects.count()).toBeGreaterThanOrEqual(24);
  const drawn = await rects.evaluateAll((rs) =>
    rs.map((r) => ({ svg: r.namespaceURI === "http://www.w3.org/2000/svg", width: r.getBoundingClientRect().width })),
  );
  for (const r of drawn) {
    expect(r.svg).toBe(true);
    expect(r.width).toBeGreaterThan(0);
  }
  expect(errors).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the pages read and the finder works as a plain form", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator(".cards .card")).toHaveCount(6);
    await page.getByRole("searchbox", { name: "Find a priority" }).fill("mental");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/\?q=mental$/);
    await expect(page.locator(".cards .card")).toHaveCount(1);
    await expect(page.getByRole("status")).toHaveText("Showing 1 of 6 priorities.");

    await page.getByRole("link", { name: "Mental Health" }).first().click();
    await expect(page).toHaveURL(/\/priority\/mental-health$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mental Health");
  });
});

test("keyboard: the skip link is first and moves focus to the content", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("every priority has a page, and unknown pages say so with a 404", async ({ page }) => {
  for (const title of PRIORITIES) {
    await page.goto("/");
    await page.getByRole("navigation", { name: "Priorities" }).getByRole("link", { name: title, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
    await expect(page).toHaveTitle(`${title} – Halton Health and Wellbeing Board`);
  }
  const missing = await page.goto("/priority/not-a-priority");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});

for (const path of ["/", "/priority/children-and-young-people", "/no-such-page"]) {
  test(`axe-core finds no WCAG 2.2 A/AA violations on ${path}`, async ({ page }) => {
    await page.goto(path);
    await expectNoAxeViolations(page);
  });
}
