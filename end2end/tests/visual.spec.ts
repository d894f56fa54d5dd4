import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

// Visual regression: each page type as a Board member sees it, on a
// desktop, on a 390 px phone and printed, compared pixel for pixel with the
// baselines committed beside this file (visual.spec.ts-snapshots/). The
// text assertions elsewhere cannot see a wrong colour or a broken chart;
// these can. To accept a deliberate change: `make update-screenshots`, look
// at every changed PNG, commit them (README, "Visual checks").

const PAGES = [
  { name: "home", path: "/" },
  { name: "priority", path: "/priority/children-and-young-people" },
  { name: "indicator", path: "/indicator/90631" },
  { name: "overview", path: "/overview" },
  { name: "plan", path: "/plan" },
] as const;

// Print: the printable width of A4 portrait with 15 mm margins (180 mm at
// 96 px per inch); the overview prints on A3 landscape with 10 mm margins.
const A4_WIDTH = 680;
const A3_LANDSCAPE_WIDTH = 1511;

const MODES = [
  { name: "desktop", width: 1280, height: 800, media: "screen" },
  { name: "phone", width: 390, height: 844, media: "screen" },
  { name: "print", width: A4_WIDTH, height: 960, media: "print" },
] as const;

const SNAPSHOTS = join(__dirname, "visual.spec.ts-snapshots");
const VERSION_FILE = join(SNAPSHOTS, "CHROMIUM_VERSION");

/** The page as it should be photographed: its fonts loaded, the islands
 *  awake, and nothing that changes from run to run in view (the publication
 *  date of a freshly published demo edition is masked). */
async function open(page: Page, path: string, mode: (typeof MODES)[number], pageName: string) {
  const width = mode.media === "print" && pageName === "overview" ? A3_LANDSCAPE_WIDTH : mode.width;
  await page.setViewportSize({ width, height: mode.height });
  await page.emulateMedia({ media: mode.media });
  await page.goto(path, { waitUntil: "networkidle" });
  await page.evaluate(() => document.fonts.ready);
  return { fullPage: true, mask: [page.locator(".facts > div", { hasText: "Published" }).locator("dd")] };
}

test.describe("visual regression", () => {
  test.beforeAll(async ({ browser }, testInfo) => {
    // Baselines are only comparable in the browser and fonts they were
    // made with (Debian's Chromium, DejaVu and Liberation from e2e-tools).
    const fonts = execFileSync("fc-list", [":", "family"]).toString();
    for (const family of ["DejaVu Sans", "Liberation Sans"]) {
      expect(fonts, `font ${family} (make e2e-tools installs it)`).toContain(family);
    }
    if (["all", "changed"].includes(testInfo.config.updateSnapshots)) {
      mkdirSync(SNAPSHOTS, { recursive: true });
      writeFileSync(VERSION_FILE, `${browser.version()}\n`);
    } else if (existsSync(VERSION_FILE)) {
      const made = readFileSync(VERSION_FILE, "utf8").trim();
      if (made !== browser.version()) {
        console.warn(
          `visual baselines were made with Chromium ${made}, this is ${browser.version()}: ` +
            "if only text rendering moved, check the diffs and run `make update-screenshots`",
        );
      }
    }
  });

  for (const { name, path } of PAGES) {
    for (const mode of MODES) {
      test(`${name} at ${mode.name} looks as its baseline`, async ({ page }) => {
        const options = await open(page, path, mode, name);
        await expect(page).toHaveScreenshot(`${name}-${mode.name}.png`, options);
      });
    }
  }

  // A changed judgement colour or a changed chart must fail the suite: the
  // same comparison as above, on a page altered as a regression would.
  const regressions = [
    {
      what: "a judgement colour (worse, on tags and bars)",
      page: PAGES[0],
      mode: MODES[0],
      // Through the CSSOM, which the pages' CSP allows (a <style> it refuses).
      alter: (page: Page) =>
        page.evaluate(() => {
          const tags = document.querySelectorAll<HTMLElement>(".tag--worse");
          const bars = document.querySelectorAll<SVGElement>(".split__seg--worse");
          if (!tags.length || !bars.length) throw new Error("no worse tag or bar to recolour");
          tags.forEach((t) => t.style.setProperty("background", "#fbe4e0"));
          bars.forEach((b) => b.style.setProperty("fill", "#e8604a"));
        }),
    },
    {
      what: "a chart (one point of the trend moved by 3 px)",
      page: PAGES[2],
      mode: MODES[0],
      alter: (page: Page) =>
        page.evaluate(() => {
          const mark = document.querySelector("svg.chart circle");
          if (!mark) throw new Error("no chart point to move");
          mark.setAttribute("cy", String(Number(mark.getAttribute("cy")) + 3));
        }),
    },
  ];
  for (const r of regressions) {
    test(`changing ${r.what} fails the comparison`, async ({ page }, testInfo) => {
      // Updating baselines would write the altered page as the new one.
      test.skip(["all", "changed"].includes(testInfo.config.updateSnapshots), "updating baselines");
      const baseline = `${r.page.name}-${r.mode.name}.png`;
      expect(existsSync(testInfo.snapshotPath(baseline)), `baseline ${baseline} is committed`).toBe(true);
      const options = await open(page, r.page.path, r.mode, r.page.name);
      await r.alter(page);
      let failure = "";
      try {
        await expect(page).toHaveScreenshot(baseline, { ...options, timeout: 3_000 });
      } catch (e) {
        failure = String(e);
      }
      expect(failure, "the altered page must not match its baseline").toMatch(/pixels? \(ratio/);
    });
  }
});

// On a phone only a table's own region scrolls sideways, never the page.
for (const { name, path } of PAGES) {
  test(`on a phone, ${name} is no wider than the screen`, async ({ page }) => {
    await open(page, path, MODES[1], name);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MODES[1].width);
  });
}

// Print shows every column: no table is wider than the paper it prints on.
for (const { name, path } of PAGES.filter((p) => p.name !== "home")) {
  test(`printed, every table of ${name} fits the page`, async ({ page }) => {
    await open(page, path, MODES[2], name);
    const tables = await page.$$eval(".table-wrap", (ws) =>
      ws.map((w) => ({ label: w.getAttribute("aria-label"), overflow: w.scrollWidth - w.clientWidth })),
    );
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) expect(t.overflow, `${t.label} runs past the paper`).toBeLessThanOrEqual(0);
  });
}

test("on a phone a wide table says it scrolls, scrolls by keyboard and keeps its first column", async ({ page }) => {
  const HINT = "Scroll sideways to see every column";
  // A table that fits has no hint.
  await open(page, "/plan", MODES[0], "plan");
  await expect(page.getByRole("region", { name: "Targets: Children and Young People" }).getByText(HINT)).toBeHidden();
  const region = page.getByRole("region", { name: "Indicators table" });
  const hint = region.getByText(HINT);
  await open(page, PAGES[1].path, MODES[1], PAGES[1].name);
  await expect(hint).toBeVisible();
  const firstCell = region.locator("tbody tr").first().locator("th");
  const before = await firstCell.boundingBox();
  await region.focus();
  await expect(region).toBeFocused();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await expect.poll(() => region.evaluate((r) => r.scrollLeft)).toBeGreaterThan(100);
  // The indicator's name stays where it was while the columns move under it.
  expect((await firstCell.boundingBox())?.x).toBe(before?.x);
  await expect(hint).toBeVisible();
});
