import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
const realPort = Number(process.env.E2E_PORT ?? 3100) + 1;
import { expectNoAxeViolations } from "./helpers";

// The real extract the second server ingested at start (scripts/e2e-real-server).
const EXTRACT = resolve(
  __dirname,
  "../../../shared/research-data/fingertips/fingertips-export/STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv",
);
const REAL = `http://127.0.0.1:${realPort}`;

/** A small RFC 4180 reader: quoted fields may hold commas, quotes and newlines. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  text = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** As the dashboard shows a number: one decimal place, thousands separated. */
const shown = (v: string | number) =>
  Number(v).toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The cells of a table's body rows, as text. */
async function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll("th, td")).map((c) => (c.textContent ?? "").trim())),
  );
}

test.describe("the real Fingertips extract", () => {
  if (process.env.CI && !existsSync(EXTRACT)) throw new Error(`${EXTRACT} is absent: CI always has ../shared`);
  test.skip(!existsSync(EXTRACT), `SKIP: ${EXTRACT} is absent (../shared not present)`);
  const rows = existsSync(EXTRACT) ? parseCsv(readFileSync(EXTRACT, "utf8")) : [];
  const value = (area: string) => rows.find((r) => r["Indicator ID"] === "92443" && r["Area Code"] === area)!;
  const halton = () => value("E06000006");

  test("the indicator page shows the file's values for Halton, the North West and England", async ({ page }) => {
    await page.goto(`${REAL}/indicator/92443`);
    const h = halton();
    await expect(page.locator(".lead")).toHaveText(
      `Halton ${shown(h.Value)}% in 2019, similar to England (${shown(value("E92000001").Value)}%) and similar to North West (${shown(value("E12000002").Value)}%).`,
    );
    const [latest] = await tableCells(page, "#trend-table");
    expect(latest).toEqual([
      "2019",
      shown(h.Value),
      shown(h["Lower CI 95.0 limit"]),
      shown(h["Upper CI 95.0 limit"]),
      shown(value("E12000002").Value),
      shown(value("E92000001").Value),
      "Similar",
      "Similar",
    ]);
    // Every upper-tier area of the region, highest first, as in the file.
    const expected = rows
      .filter((r) => r["Indicator ID"] === "92443" && r["Parent Code"] === "E12000002" && r.Value !== "")
      .sort((a, b) => Number(b.Value) - Number(a.Value))
      .map((r) => [r.AreaName, shown(r.Value), shown(r["Lower CI 95.0 limit"]), shown(r["Upper CI 95.0 limit"])]);
    const compare = (await tableCells(page, "#compare-table")).map((c) => c.slice(0, 4));
    expect(compare).toEqual(expected);
    expect(compare.length).toBeGreaterThan(20);
  });

  test("the CSV download equals the table", async ({ page }) => {
    await page.goto(`${REAL}/indicator/92443`);
    const href = await page.getByRole("link", { name: "Download the data (CSV)" }).getAttribute("href");
    const csv = parseCsv(await (await page.request.get(`${REAL}${href}`)).text());
    const table = await tableCells(page, "#trend-table");
    expect(csv.length).toBe(table.length);
    // The table is most recent first; the CSV oldest first.
    csv.reverse().forEach((r, i) => {
      const fmt = (v: string) => (v === "" ? "" : shown(v));
      expect(table[i]).toEqual([
        r.period, fmt(r.value), fmt(r.lower_95), fmt(r.upper_95), fmt(r.region_value), fmt(r.nation_value),
        r.compared_region, r.compared_nation,
      ]);
    });
    expect(Number(csv[0].value)).toBe(Number(halton().Value)); // in full, not rounded
  });

  test("the priority page, the home page and the overview show the same figure", async ({ page }) => {
    const v = `${shown(halton().Value)}%`;
    await page.goto(`${REAL}/priority/long-term-conditions`);
    const row = page.locator("tr", { has: page.getByRole("link", { name: "Adults who smoke" }) });
    await expect(row.locator(".value")).toHaveText(v);
    await expect(row).toContainText(`${shown(value("E92000001").Value)}%`);
    await page.goto(`${REAL}/`);
    await expect(page.locator(".tile", { hasText: "Adults who smoke" }).locator(".tile__value")).toContainText(v);
    await page.goto(`${REAL}/overview`);
    const rug = page.locator("tr", { has: page.getByRole("link", { name: "Adults who smoke" }) });
    await expect(rug.locator("td").nth(2)).toContainText(shown(halton().Value));
    const api = await (await page.request.get(`${REAL}/api/v1/indicators/92443`)).json();
    expect(api.rows.at(-1).value).toBe(Number(halton().Value));
  });

  test("indicators outside the catalogue are listed, judged as Fingertips judged them, and accessible", async ({ page }) => {
    await page.goto(`${REAL}/`);
    await expect(page.getByRole("heading", { name: "Other indicators in this edition" })).toBeVisible();
    await page.getByRole("link", { name: "See the other indicators" }).click();
    await expect(page).toHaveURL(/\/other/);
    const others = [...new Set(rows.map((r) => r["Indicator ID"]))].filter((id) => id !== "92443");
    await expect(page.locator("table.indicators tbody tr")).toHaveCount(others.length);
    for (const id of others) {
      const r = rows.find((x) => x["Indicator ID"] === id && x["Area Code"] === "E06000006")!;
      const theirs = r["Compared to England value or percentiles"];
      const row = page.locator("tr", { has: page.locator(`a[href^="/indicator/${id}"]`) });
      // Column 7 is "Compared with England".
      const ours = (await row.locator("td").nth(5).textContent())!.trim();
      expect(ours, `${id} against England`).toBe(theirs === "" ? "Not compared" : theirs);
    }
    await expectNoAxeViolations(page);
    await page.goto(`${REAL}/indicator/${others[0]}`);
    await expect(page.locator(".summary-list")).toContainText("inferred from the Fingertips comparisons");
  });
});

const PAGES = ["/", "/priority/older-people", "/indicator/90366", "/overview"];

for (const path of ["/indicator/90366", "/overview", "/priority/cancer"]) {
  test(`axe-core finds no WCAG 2.2 A/AA violations on ${path}`, async ({ page }) => {
    await page.goto(path);
    await expectNoAxeViolations(page);
  });
}

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("every page type is complete: text, charts and tables", async ({ page }) => {
    for (const path of PAGES) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      // Tables on every page but the home page, which has cards and tiles.
      await expect(page.locator(path === "/" ? ".tile" : "table").first()).toBeVisible();
    }
    await page.goto("/indicator/90366");
    await expect(page.locator("#trend svg.chart")).toBeVisible();
    await expect(page.locator("#trend .figure__summary")).toContainText("Halton");
    // The area selector is a plain form.
    await page.getByLabel("Area", { exact: true }).selectOption({ label: "Liverpool" });
    await page.getByRole("button", { name: "Show area" }).click();
    await expect(page).toHaveURL(/area=E08000012/);
    await expect(page.locator(".lead")).toContainText("Liverpool");
  });
});

test("keyboard alone: from the home page to an indicator and its download", async ({ page }) => {
  await page.goto("/priority/cancer");
  const first = page.locator("table.indicators tbody tr th a").first();
  await first.focus();
  await expect(first).toBeFocused();
  const name = (await first.textContent())!.trim();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  // Tab reaches the area selector and its button, then the downloads.
  const select = page.getByLabel("Area", { exact: true });
  await select.focus();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Show area" })).toBeFocused();
  const download = page.getByRole("link", { name: "Download the data (CSV)" });
  await download.focus();
  await expect(download).toBeFocused();
});

test("the priority page lists worse indicators first", async ({ page }) => {
  await page.goto("/priority/generally-well");
  const judgements = await page.locator("table.indicators tbody tr td:nth-child(7)").allTextContents();
  const rank = (j: string) => (/Worse|Worst|Red/.test(j) ? 0 : /Similar|Amber/.test(j) ? 1 : /Better|Best|Green/.test(j) ? 2 : 3);
  const ranks = judgements.map(rank);
  expect(ranks.length).toBeGreaterThan(3);
  expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
});
