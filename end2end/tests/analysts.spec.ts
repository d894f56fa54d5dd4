import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expectNoAxeViolations } from "./helpers";

// The analysts' server (scripts/e2e-analyst-server): its own store.
const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 2}`;
const EXTRACT = resolve(
  __dirname,
  "../../../shared/research-data/fingertips/fingertips-export/STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv",
);
const FIXTURE = resolve(__dirname, "../../data/template-example.csv");

test.use({ baseURL: BASE });
test.describe.configure({ mode: "serial" });

async function signIn(page: Page) {
  await page.goto("/login");
  await page.getByLabel("Email address").fill("analyst@example.org");
  await page.getByLabel("Password").fill("end-to-end test password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/editions$/);
}

test("sign in, upload an extract, preview, publish, see it, roll back", async ({ page }) => {
  const real = existsSync(EXTRACT);
  if (!real && process.env.CI) throw new Error(`${EXTRACT} is absent: CI always has ../shared`);
  if (!real) console.log(`SKIP (partly): ${EXTRACT} is absent; uploading the project's example file instead`);
  const file = real ? EXTRACT : FIXTURE;
  await signIn(page);
  await expectNoAxeViolations(page);
  const before = await (await page.request.get("/healthz")).json();

  await page.getByRole("link", { name: "Upload", exact: true }).click();
  await expectNoAxeViolations(page);
  await page.getByLabel("Files").setInputFiles(file);
  // With JavaScript the form posts by XMLHttpRequest and shows progress.
  const sent = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/upload") && r.resourceType() === "xhr");
  // A small file is checked in milliseconds and the page moves on to the
  // report, so note the progress box being shown rather than race to see it.
  await page.evaluate(() => {
    const box = document.getElementById("upload-progress")!;
    new MutationObserver(() => {
      if (!box.hidden) sessionStorage.setItem("progress-shown", "yes");
    }).observe(box, { attributes: true });
  });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await sent;
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Files checked: no errors");
  expect(await page.evaluate(() => sessionStorage.getItem("progress-shown"))).toBe("yes");
  await expect(page.locator("#preview-summary")).toContainText("values unchanged");
  await expectNoAxeViolations(page);
  // Checking changed nothing.
  expect((await (await page.request.get("/healthz")).json()).edition.id).toBe(before.edition.id);

  await page.getByLabel("Edition name").fill("Board, 11 March 2027");
  await page.getByRole("button", { name: "Save draft and review publication" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Publish this edition?");
  await page.getByRole("button", { name: "Yes, publish" }).click();
  await expect(page.getByRole("status")).toContainText("is now published");

  // The new values are on the dashboard.
  if (real) {
    const halton = readFileSync(EXTRACT, "utf8").split("\n").find((l) => l.startsWith('"92443"') && l.includes('"E06000006"'))!;
    const value = Number(halton.split('","')[12]);
    await page.goto("/indicator/92443");
    // The extract's rows are for ages 18+, a breakdown the demo data lacks.
    await page.locator("#breakdowns-table").getByRole("link", { name: "Persons, 18+ yrs" }).click();
    await expect(page.locator(".lead")).toContainText(`Halton ${value.toFixed(1)}% in 2019`);
  } else {
    await page.goto("/indicator/local-injuries-0-4");
    await expect(page.locator("#trend-table tr", { hasText: "2022/23" })).toContainText("131.9");
  }
  await expect(page.locator(".edition-bar")).toHaveText("Edition: Board, 11 March 2027");

  // Roll back to the edition that was published before.
  await page.goto("/editions");
  await page.getByRole("link", { name: new RegExp(`Roll back to this edition ${before.edition.label.replace(/[()]/g, ".")}`) }).click();
  await page.getByRole("button", { name: "Yes, roll back" }).click();
  await expect(page.getByRole("status")).toContainText(`Edition ${before.edition.id} is now published`);
  expect((await (await page.request.get("/healthz")).json()).edition.id).toBe(before.edition.id);
});

test("progress and a key message recorded on a draft appear once it is published, not before", async ({ page }) => {
  await signIn(page);
  const before = await (await page.request.get("/healthz")).json();
  await page.goto("/upload");
  await page.getByLabel("Files").setInputFiles(FIXTURE);
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Files checked: no errors");
  await page.getByLabel("Edition name").fill("Board, 10 June 2027");
  await page.getByRole("button", { name: "Save draft and review publication" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Publish this edition?");
  const draft = page.url().match(/\/editions\/(\d+)\/publish/)![1];

  await page.goto(`/editions/${draft}/plan`);
  await expectNoAxeViolations(page);
  await page.locator("#message-cancer").fill("Screening uptake is rising.\n\n- Bowel screening up");
  await page.locator("#status-ca-3").selectOption("on-track");
  await page.locator("#note-ca-3").fill("FIT kits sent to every practice");
  await page.getByRole("button", { name: "Save Cancer" }).click();
  await expect(page.locator("#cancer").getByRole("status")).toHaveText("Saved.");
  await expect(page.locator("#note-ca-3")).toHaveValue("FIT kits sent to every practice");

  // Not public while a draft.
  await page.goto("/priority/cancer");
  await expect(page.locator("main")).not.toContainText("Screening uptake is rising.");

  await page.goto(`/editions/${draft}/publish`);
  await page.getByRole("button", { name: "Yes, publish" }).click();
  await expect(page.getByRole("status")).toContainText("is now published");
  await page.goto("/priority/cancer");
  await expect(page.locator(".key-messages")).toContainText("Screening uptake is rising.");
  await expect(page.locator(".key-messages li")).toHaveText("Bowel screening up");
  const row = page.locator("table.action-plan tr", { hasText: "Faecal Immunochemical Test" });
  await expect(row).toContainText("On track");
  await expect(row).toContainText("FIT kits sent to every practice");
  await expect(row).toContainText("Changed since the previous edition");
  await expectNoAxeViolations(page);
  // The edition published before shows what it reported: nothing yet.
  await page.goto(`/priority/cancer?edition=${before.edition.id}`);
  await expect(page.locator("main")).not.toContainText("Screening uptake is rising.");
  await expect(page.locator("main")).not.toContainText("FIT kits sent");

  // A new self-assessment beside the baseline.
  await page.goto("/partnership/new");
  await expectNoAxeViolations(page);
  await page.getByLabel("Date of the assessment").fill("2027-06-01");
  await page.getByLabel("Name").fill("June 2027 review");
  await page.getByLabel("Digital", { exact: true }).selectOption("Evolving");
  await page.getByRole("button", { name: "Record the assessment" }).click();
  await expect(page.getByRole("status")).toContainText("The assessment was recorded.");
  await expect(page.getByRole("row", { name: /Digital/ })).toContainText("Evolving");
  await expectNoAxeViolations(page);
});

test("a broken file shows its errors by row and column, and the dashboard is unchanged", async ({ page }) => {
  await signIn(page);
  const before = await (await page.request.get("/healthz")).json();
  const broken = readFileSync(FIXTURE, "utf8") + "93085,Smoking status at time of delivery,E06000006,Halton,Persons,All ages,,,2024/25,12%,,,,,,,\n";
  const row = broken.trimEnd().split("\n").length;
  await page.goto("/upload");
  await page.getByLabel("Files").setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(broken) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("The files have errors");
  const error = page.locator(".errors-table tbody tr").first();
  await expect(error.locator("td").nth(0)).toHaveText(String(row));
  await expect(error.locator("td").nth(1)).toHaveText("value");
  await expect(error.locator("td").nth(2)).toHaveText("12%");
  await expectNoAxeViolations(page);
  const csv = await (await page.request.get(await page.getByRole("link", { name: "Download every error (CSV)" }).getAttribute("href") ?? "")).text();
  expect(csv).toContain(`broken.csv,${row},value,12%,`);
  expect((await (await page.request.get("/healthz")).json()).edition.id).toBe(before.edition.id);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the upload form posts as a plain form", async ({ page }) => {
    await signIn(page);
    await page.goto("/upload");
    await expect(page.locator("#upload-progress")).toBeHidden();
    await page.getByLabel("Files").setInputFiles(FIXTURE);
    await page.getByRole("button", { name: "Upload and check" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Files checked: no errors");
  });
});

test("signing out ends access to the analysts' pages", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("alert")).toContainText("You have signed out");
  await page.goto("/editions");
  await expect(page).toHaveURL(/\/login\?next=/);
});
