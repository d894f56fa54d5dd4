import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { expectNoAxeViolations } from "./helpers";

// The Board's plan as its board file has it: read with the project's own
// `board check --json`, so these tests follow the file, not a copy of it.
const BIN = resolve(__dirname, "../../target/release/hwb-outcomes");
type Checked = { name: string; priorities: { slug: string; title: string; indicators: string[]; actions: number }[] };
function boardFile(file: string): Checked {
  const out = execFileSync(BIN, ["board", "check", "--json", resolve(__dirname, "../../data/boards", file)]);
  return JSON.parse(out.toString());
}
const YORK = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 3}`;

test("each Halton priority page shows its measures, indicators and every action row", async ({ page }) => {
  const halton = boardFile("halton.toml");
  expect(halton.priorities.map((p) => p.actions)).toEqual([3, 13, 7, 12, 6, 4]);
  for (const p of halton.priorities) {
    await page.goto(`/priority/${p.slug}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(p.title);
    await expect(page.locator("table.action-plan tbody tr")).toHaveCount(p.actions);
    await expect(page.getByRole("heading", { name: "Outcome measures" })).toBeVisible();
    for (const id of p.indicators) {
      await expect(page.locator(`.measures a[href="/indicator/${id}"]`).first()).toBeVisible();
    }
  }
  await page.goto("/priority/mental-health");
  await expectNoAxeViolations(page);
});

test("the plan page judges the local target and counts the actions", async ({ page }) => {
  await page.goto("/plan");
  await expect(page.locator(".lead")).toContainText("6 priorities, 1 local target ");
  await expect(page.locator("#plan-children-and-young-people ~ .table-wrap").first()).toContainText("at least 100.0%");
  await expectNoAxeViolations(page);
  const csv = await (await page.request.get("/api/v1/board/targets.csv")).text();
  expect(csv.split("\n")[1]).toContain("children-and-young-people");
  await page.goto("/indicator/30309");
  await expect(page.locator("#target")).toContainText("Local target: at least 100.0%");
});

test("the partnership self-assessment shows the October 2021 baseline, charted and tabled", async ({ page }) => {
  await page.goto("/partnership");
  const digital = page.getByRole("row", { name: /Digital/ });
  await expect(digital).toContainText("Emerging");
  await expect(page.getByRole("row", { name: /Clarity of purpose/ })).toContainText("Established");
  await expect(page.locator("#levels svg")).toBeVisible();
  await expect(page.locator("#levels-summary")).toContainText("2 emerging, 8 evolving, 2 established, 0 thriving");
  await expectNoAxeViolations(page);
});

test("a priority prints as one board paper: aim, messages, measures, indicators, actions", async ({ page }) => {
  await page.goto("/priority/cancer");
  await page.emulateMedia({ media: "print" });
  for (const id of ["key-messages", "measures", "indicators", "actions"]) {
    await expect(page.locator(`#${id}`)).toBeVisible();
  }
  await expect(page.locator(".nav")).toBeHidden();
});

test.describe("another council's board file", () => {
  test.use({ baseURL: YORK });
  test("York's illustrative board serves its own priorities and nothing of Halton's", async ({ page }) => {
    const york = boardFile("york-illustrative.toml");
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Health and wellbeing outcomes for York");
    const nav = page.getByRole("navigation", { name: "Priorities" });
    for (const p of york.priorities) await expect(nav.getByRole("link", { name: p.title })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Children and Young People" })).toHaveCount(0);
    expect(await page.content()).not.toContain("Halton");
    await expectNoAxeViolations(page);
    const first = york.priorities[0];
    await page.goto(`/priority/${first.slug}`);
    await expect(page.locator("table.action-plan tbody tr")).toHaveCount(first.actions);
    await expect(page.locator(".measures")).toContainText("Local target");
    await expectNoAxeViolations(page);
    expect((await page.request.get("/priority/children-and-young-people")).status()).toBe(404);
  });
});
