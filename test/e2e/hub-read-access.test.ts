import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../harness/chromium.js";
import { REPO_ROOT, runFlotilla } from "../harness/index.js";
import { startFleet, PLAIN_WEB_APPSET, type TestFleet } from "./fleet-harness.js";

// A hub started with --read-token-file: the API and the dashboard want a token for every read,
// as Argo CD's do. Probes and metrics stay open; the CLI presents $FLOTILLA_HUB_TOKEN; a browser
// signs in once at /login and gets an HttpOnly session cookie that is not the token itself.

const READ_TOKEN = "read-token-4d1c9a7e0b";
const API_TOKEN = "api-token-77e0c2f9d1";
const CONFIGMAP = (colour: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: ${colour}\n`;
const CLUSTER = "prod-eu";

let fleet: TestFleet;
let secrets: string;
let browser: Browser | undefined;

beforeAll(async () => {
  secrets = await mkdtemp(join(tmpdir(), "flotilla-read-access-"));
  await writeFile(join(secrets, "api-token"), API_TOKEN, { mode: 0o600 });
  fleet = await startFleet({
    files: { "appsets/web.yaml": PLAIN_WEB_APPSET, "apps/web/configmap.yaml": CONFIGMAP("blue") },
    clusters: [{ name: CLUSTER, labels: { env: "prod" } }],
    readToken: READ_TOKEN,
    hubFlags: ["--api-token-file", join(secrets, "api-token")],
  });
  await fleet.converged(await fleet.repo.head());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  await rm(secrets, { recursive: true, force: true });
});

const READS = ["/api/v1/clusters", `/api/v1/clusters/${CLUSTER}`, `/api/v1/clusters/${CLUSTER}/cert`, `/api/v1/clusters/${CLUSTER}/key-backup`, "/api/v1/applications", "/api/v1/rollouts", "/api/v1/sources", "/api/v1/hub-key", "/events", "/?fragment=1"];

describe("a hub whose reads want a token", () => {
  it("answers every API read without a token, or with a wrong one, with 401 HUB_UNAUTHORIZED and nothing else", async () => {
    for (const path of READS) {
      const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-the-token" }, { authorization: `Bearer ${READ_TOKEN}x` }];
      for (const headers of attempts) {
        const res = await fetch(`${fleet.hubUrl()}${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        const body = await res.text();
        expect(JSON.parse(body)).toMatchObject({ error: { code: "HUB_UNAUTHORIZED" } });
        expect(body).not.toContain(CLUSTER);
      }
    }
  });

  it("serves them with the read token, and with the API token", async () => {
    for (const token of [READ_TOKEN, API_TOKEN]) {
      const res = await fetch(`${fleet.hubUrl()}/api/v1/clusters`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: { name: string }[] }).items.map((c) => c.name)).toEqual([CLUSTER]);
    }
  });

  it("keeps the probes and metrics open, and the refresh mutation on the API token alone", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${fleet.hubUrl()}${path}`)).status, path).toBe(200);
    const withRead = await fetch(`${fleet.hubUrl()}/api/v1/refresh`, { method: "POST", headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(withRead.status).toBe(401);
    const withApi = await fetch(`${fleet.hubUrl()}/api/v1/refresh`, { method: "POST", headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(withApi.status).toBe(200);
  });

  it("flotilla status says what to set without a token, refuses a wrong one, and lists the fleet with the right one", async () => {
    const none = await runFlotilla(["status", "--hub", fleet.hubUrl()], { env: { FLOTILLA_HUB_TOKEN: undefined } });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`error[HUB_UNAUTHORIZED]: FLOTILLA_HUB_TOKEN: the hub at ${fleet.hubUrl()} wants a token for reads: set FLOTILLA_HUB_TOKEN to its read token or API token\n`);
    const wrong = await runFlotilla(["status", "--hub", fleet.hubUrl()], { env: { FLOTILLA_HUB_TOKEN: "nope" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error\[HUB_UNAUTHORIZED\]: FLOTILLA_HUB_TOKEN: the hub at .* refused the token in FLOTILLA_HUB_TOKEN\n$/);
    expect(wrong.stderr).not.toContain("nope");
    const right = await runFlotilla(["status", "--hub", fleet.hubUrl()], { env: { FLOTILLA_HUB_TOKEN: READ_TOKEN } });
    expect(right.stderr).toBe("");
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(new RegExp(`^${CLUSTER}\\s+env=prod\\s+true\\s+1/1\\s+Synced\\s+Healthy`, "m"));
  });

  it("sends a browser to /login; a wrong token is refused; the right one opens a live dashboard with an HttpOnly cookie that is not the token", async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(`${fleet.hubUrl()}/clusters/${CLUSTER}`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.content()).not.toContain("web-config");

    await page.fill('input[name="token"]', "not-the-token");
    await page.click('button[type="submit"]');
    await page.locator('[role="alert"]', { hasText: "not valid" }).waitFor();
    expect(await context.cookies()).toEqual([]);

    await page.fill('input[name="token"]', READ_TOKEN);
    await page.click('button[type="submit"]');
    // Back where the browser was going, then on to the fleet.
    await page.waitForSelector(`section.app[data-app="web-${CLUSTER}"]`);
    expect(new URL(page.url()).pathname).toBe(`/clusters/${CLUSTER}`);
    await page.goto(`${fleet.hubUrl()}/`);
    await page.waitForSelector(`tr[data-cluster="${CLUSTER}"][data-health="Healthy"]`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "flotilla_session", httpOnly: true, sameSite: "Strict" });
    expect(cookies[0]?.value).not.toContain(READ_TOKEN);

    // Live updates (SSE and fragments) work with the cookie: a commit shows up without a reload.
    const head = await fleet.repo.commit({ "apps/web/configmap.yaml": CONFIGMAP("green") }, "green");
    await page.locator(`tr[data-cluster="${CLUSTER}"] code`, { hasText: new RegExp(`^${head.slice(0, 7)}$`) }).waitFor({ timeout: 120_000 });
    await mkdir(join(REPO_ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, "test-artifacts", "dashboard-after-login.png"), fullPage: true });
    // The token never reaches the page, and no log line carries it.
    expect(await page.content()).not.toContain(READ_TOKEN);
    for (const name of ["hub", `spoke ${CLUSTER}`, "nats-server"]) expect(fleet.logs(name)).not.toContain(READ_TOKEN);
  });
});
