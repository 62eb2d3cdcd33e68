// Browser test of the API docs: headless Chromium (Debian's) driven by playwright-core.
// Opens /docs, authorizes with the OAuth2 password flow, runs "Try it out" on GET /v1/users/me
// and expects a 200; then checks /redoc renders. Writes a screenshot.
//
//   node tests/browser/docs.mjs <base-url> <email> <password> <screenshot.png>
import { chromium } from "playwright-core";

const [base, email, password, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error("usage: docs.mjs <base-url> <email> <password> <screenshot.png>");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const fail = async (page, message) => {
  await page.screenshot({ path: screenshot, fullPage: true });
  console.error(message);
  await browser.close();
  process.exit(1);
};

const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
try {
  // Uncaught exceptions in either page fail the test; console errors are reported.
  const pageErrors = [];
  const problems = [];
  page.on("pageerror", (error) => pageErrors.push(`page error: ${error.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });

  await page.goto(`${base}/docs`);
  await page.waitForSelector(".swagger-ui .information-container .title", { timeout: 30000 });

  // Authorize with the OAuth2 password flow (the token endpoint).
  await page.click(".swagger-ui .auth-wrapper .authorize");
  await page.fill("#oauth_username", email);
  await page.fill("#oauth_password", password);
  const oauth = page.locator(".auth-container", { has: page.locator("#oauth_username") });
  await oauth.locator("button.authorize").click();
  await page.locator(".swagger-ui .dialog-ux button", { hasText: "Logout" }).first().waitFor({ timeout: 15000 });
  await page.click(".swagger-ui .dialog-ux .close-modal");

  // Try it out: GET /v1/users/me.
  const operation = page.locator("#operations-auth-me");
  await operation.locator(".opblock-summary").click();
  await operation.locator(".try-out__btn").click();
  await operation.locator(".execute").click();
  const status = operation.locator(".live-responses-table .response .response-col_status");
  await status.first().waitFor({ timeout: 15000 });
  const code = (await status.first().textContent()).trim();
  const body = await operation.locator(".live-responses-table .response-col_description pre").first().textContent();
  await page.screenshot({ path: screenshot, fullPage: true });
  if (!code.startsWith("200") || !body.includes(email)) {
    await fail(page, `Try it out on GET /v1/users/me answered ${code}: ${body}`);
  }

  // ReDoc renders the same document.
  const redoc = await browser.newPage();
  redoc.on("pageerror", (error) => pageErrors.push(`ReDoc page error: ${error.message}`));
  await redoc.goto(`${base}/redoc`);
  await redoc.waitForSelector("h1", { timeout: 30000 });
  const title = await redoc.textContent("h1");
  if (!title.includes("OrderFlow API")) {
    await fail(redoc, `ReDoc title: ${title}`);
  }
  if (pageErrors.length) {
    await fail(page, `uncaught errors in the docs pages:\n${pageErrors.join("\n")}`);
  }
  if (problems.length) {
    console.error(`browser reported problems:\n${problems.join("\n")}`);
  }
  console.log(`Swagger UI authorized and GET /v1/users/me answered ${code}; ReDoc rendered "${title.trim()}"; screenshot ${screenshot}`);
} catch (error) {
  await fail(page, `browser test failed: ${error.message}`);
} finally {
  await browser.close();
}
