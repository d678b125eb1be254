import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfToken, sessionValue, SESSION_COOKIE } from "../../hub/dashboard-session.js";
import { launchChromium } from "../harness/chromium.js";
import { REPO_ROOT, runFlotilla } from "../harness/index.js";
import { clustersAppSet, startFleet, type TestFleet } from "./fleet-harness.js";

// Day-2 operations from the dashboard, and what a restarted hub remembers. A browser signed in
// with the API token gets refresh, sync and rollback buttons; each goes through the hub's own
// action path (audit log, new signed envelope). Every other POST (no cookie, the read token's
// session, a forged or expired CSRF token, a cross-site form in a real Chromium) is refused and
// publishes nothing. Then the hub restarts: app history, a suspended app and a sync still pending
// (its app's HEAD did not render) all survive.

const READ_TOKEN = "dash-read-token-8c1f03";
const API_TOKEN = "dash-api-token-2b7d94e1";
const CLUSTER = "prod-eu";
const WEB = `web-${CLUSTER}`;
const API = `api-${CLUSTER}`;
const MANUAL_WEB = clustersAppSet("web").replace("        automated: {prune: true, selfHeal: true}\n", "");
const CONFIGMAP = (name: string, colour: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  colour: ${colour}\n`;

let fleet: TestFleet;
let secrets: string;
let browser: Browser | undefined;
let evil: Server | undefined;

const flotilla = (...args: string[]) => runFlotilla([...args, "--hub", fleet.hubUrl()], { env: { FLOTILLA_HUB_TOKEN: API_TOKEN, USER: "alice" } });
const auth = { authorization: `Bearer ${API_TOKEN}` };

async function colour(name: string, namespace: string): Promise<string | undefined> {
  return (await fleet.getJson<{ data?: { colour?: string } }>(CLUSTER, "configmap", name, "-n", namespace))?.data?.colour;
}
async function generation(): Promise<number | undefined> {
  const res = await fetch(`${fleet.hubUrl()}/api/v1/clusters/${CLUSTER}`, { headers: auth });
  return ((await res.json()) as { desired: { generation: number } | null }).desired?.generation;
}
async function audit(): Promise<{ id: number; action: string; actor: { auth: string; user?: string }; result: string }[]> {
  const res = await fetch(`${fleet.hubUrl()}/api/v1/audit`, { headers: auth });
  return ((await res.json()) as { items: { id: number; action: string; actor: { auth: string; user?: string }; result: string }[] }).items;
}
async function signIn(context: BrowserContext, token: string, name?: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${fleet.hubUrl()}/login`);
  await page.fill('input[name="token"]', token);
  if (name !== undefined) await page.fill('input[name="name"]', name);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${fleet.hubUrl()}/`);
  await page.close();
}

beforeAll(async () => {
  secrets = await mkdtemp(join(tmpdir(), "flotilla-dashboard-actions-"));
  await writeFile(join(secrets, "api-token"), API_TOKEN, { mode: 0o600 });
  fleet = await startFleet({
    files: {
      "appsets/web.yaml": MANUAL_WEB,
      "apps/web/configmap.yaml": CONFIGMAP("web-config", "blue"),
      "appsets/api.yaml": clustersAppSet("api"),
      "apps/api/configmap.yaml": CONFIGMAP("api-config", "one"),
    },
    clusters: [{ name: CLUSTER, labels: { env: "prod" } }],
    readToken: READ_TOKEN,
    hubFlags: ["--api-token-file", join(secrets, "api-token")],
  });
  await fleet.waitFor("the api app on the cluster", async () => ((await colour("api-config", "api")) === "one" ? true : undefined));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  evil?.close();
  await fleet?.stop();
  if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
});

describe("acting from the dashboard", () => {
  it("shows no buttons to a read-only session, and syncs from the app page once signed in with the API token", async () => {
    if (browser === undefined) throw new Error("no browser");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await signIn(context, READ_TOKEN);
    const page = await context.newPage();
    await page.goto(`${fleet.hubUrl()}/clusters/${CLUSTER}/apps/${WEB}`);
    await page.waitForSelector(`h2[data-app="${WEB}"]`);
    expect(await page.locator("button[data-action]").count()).toBe(0);
    await page.click("text=Sign in with the API token to refresh, sync and roll back");
    await page.fill('input[name="token"]', API_TOKEN);
    await page.fill('input[name="name"]', "carol");
    await page.click('button[type="submit"]');
    await page.waitForURL(`${fleet.hubUrl()}/clusters/${CLUSTER}/apps/${WEB}`);
    await page.click('button[data-action="sync"]');
    await page.waitForSelector('#result[data-result="ok"]');
    expect(await page.textContent("#result")).toMatch(new RegExp(`Sync of ${WEB} on ${CLUSTER}: done.*${CLUSTER}: signed envelope generation \\d+ at [0-9a-f]{7} published`, "s"));
    await fleet.waitFor("blue on the cluster", async () => ((await colour("web-config", "web")) === "blue" ? true : undefined));
    expect((await audit())[0]).toMatchObject({ action: "sync", result: "ok", actor: { auth: "dashboard-session", user: "carol" } });

    // A new commit, fetched with the dashboard's refresh button, then synced: history 2; roll back to 1 with its button.
    await fleet.repo.commit({ "apps/web/configmap.yaml": CONFIGMAP("web-config", "green") }, "green");
    await page.goto(`${fleet.hubUrl()}/clusters/${CLUSTER}/apps/${WEB}`);
    await page.click('button[data-action="refresh"]');
    await page.waitForSelector('#result[data-result="ok"]');
    await page.click("#result a");
    await page.click('button[data-action="sync"]');
    await page.waitForSelector('#result[data-result="ok"]');
    await fleet.waitFor("green on the cluster", async () => ((await colour("web-config", "web")) === "green" ? true : undefined));
    await page.goto(`${fleet.hubUrl()}/clusters/${CLUSTER}/apps/${WEB}`);
    await page.click('button[data-action="rollback"][data-history="1"]');
    await page.waitForSelector('#result[data-result="ok"]');
    expect(await page.textContent("#result")).toContain("(history 1)");
    await fleet.waitFor("blue again on the cluster", async () => ((await colour("web-config", "web")) === "blue" ? true : undefined));
    expect((await audit()).slice(0, 4).map((e) => `${e.action} ${e.actor.auth} ${e.actor.user ?? ""}`)).toEqual(["rollback dashboard-session carol", "sync dashboard-session carol", "refresh dashboard-session carol", "sync dashboard-session carol"]);

    await page.goto(`${fleet.hubUrl()}/clusters/${CLUSTER}/apps/${WEB}`);
    await page.waitForSelector('#history tr[data-history="3"]');
    await mkdir(join(REPO_ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, "test-artifacts", "dashboard-app-actions.png"), fullPage: true });
    const html = await page.content();
    expect(html).not.toContain(API_TOKEN);
    expect(html).not.toContain(sessionValue(API_TOKEN));
    expect(page.url()).not.toContain(API_TOKEN);
    await context.close();
  });

  it("refuses a POST without the cookie, with the read session, with a forged or expired CSRF token, or from another site; nothing is published", async () => {
    if (browser === undefined) throw new Error("no browser");
    // HEAD (green) differs from what runs (blue, rolled back): any accepted sync would publish.
    const before = { generation: await generation(), audit: (await audit())[0]?.id };
    const admin = `${SESSION_COOKIE}=${sessionValue(API_TOKEN)}`;
    const fresh = csrfToken(API_TOKEN, sessionValue(API_TOKEN), Date.now());
    const post = (headers: Record<string, string>, csrf: string) =>
      fetch(`${fleet.hubUrl()}/ui/apps/${WEB}/sync`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams({ csrf, cluster: CLUSTER, next: "/" }).toString() });
    const attempts: [string, Record<string, string>, string, number, RegExp][] = [
      ["no cookie", {}, fresh, 401, /Not signed in/],
      ["read-only session", { cookie: `${SESSION_COOKIE}=${sessionValue(READ_TOKEN)}` }, fresh, 403, /read token, which cannot act/],
      ["forged CSRF token", { cookie: admin }, `${(Date.now() + 60_000).toString(36)}.forged`, 403, /not one this hub issued/],
      ["CSRF token of another hub", { cookie: admin }, csrfToken("another-api-token", sessionValue(API_TOKEN), Date.now()), 403, /not one this hub issued/],
      ["expired CSRF token", { cookie: admin }, csrfToken(API_TOKEN, sessionValue(API_TOKEN), Date.now() - 2 * 60 * 60 * 1000), 403, /too old/],
      ["no CSRF token", { cookie: admin }, "", 403, /no CSRF token/],
      ["cross-site Origin", { cookie: admin, origin: "http://evil.example" }, fresh, 403, /cross-site/],
    ];
    for (const [what, headers, csrf, status, message] of attempts) {
      const res = await post(headers, csrf);
      expect(res.status, what).toBe(status);
      expect(await res.text(), what).toMatch(message);
    }

    // A real browser, signed in with the API token, on a page of another site that posts to the hub.
    const context = await browser.newContext();
    await signIn(context, API_TOKEN);
    evil = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<form id="f" method="post" action="${fleet.hubUrl()}/ui/apps/${WEB}/sync"><input name="csrf" value="${fresh}"><input name="cluster" value="${CLUSTER}"></form><script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((resolve) => evil?.listen(0, "localhost", resolve));
    const page = await context.newPage();
    const answer = page.waitForResponse((r) => r.url().endsWith(`/ui/apps/${WEB}/sync`));
    await page.goto(`http://localhost:${String((evil.address() as AddressInfo).port)}/`);
    const res = await answer;
    expect([401, 403]).toContain(res.status());
    await page.waitForSelector('#result[data-result="refused"]');
    await context.close();

    expect(await generation()).toBe(before.generation);
    expect((await audit())[0]?.id).toBe(before.audit);
    expect(await colour("web-config", "web")).toBe("blue");
  });
});

describe("after a hub restart", () => {
  it("keeps the app history, a suspended app and a sync still pending", async () => {
    expect((await flotilla("app", "suspend", API)).code).toBe(0);
    // The web app's HEAD breaks: a sync of it waits; the api app changes but is suspended.
    await fleet.repo.commit({ "apps/web/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n", "apps/api/configmap.yaml": CONFIGMAP("api-config", "two") }, "broken web, api two");
    await flotilla("refresh");
    const sync = await flotilla("app", "sync", WEB);
    expect(sync.stderr).toBe("");
    expect(sync.stdout).toBe(`${WEB} on ${CLUSTER}: sync pending (HEAD does not render for it yet; the hub sends it once it does, across restarts)\n`);
    const historyBefore = await flotilla("app", "history", WEB);
    expect(historyBefore.stdout).toMatch(/^prod-eu\s+3\s+/m);

    await fleet.stopHub();
    await fleet.startHub();
    // The restarted hub answers for the app once it has rendered HEAD again.
    const historyAfter = await fleet.waitFor("the app's history from the restarted hub", async () => {
      const res = await flotilla("app", "history", WEB);
      return res.code === 0 ? res : undefined;
    });
    expect(historyAfter.stdout).toBe(historyBefore.stdout);
    const api = JSON.parse((await flotilla("app", "get", API, "-o", "json")).stdout) as { items: { suspended: boolean; sync: string }[] };
    expect(api.items[0]).toMatchObject({ suspended: true, sync: "OutOfSync" });
    expect(await colour("api-config", "api")).toBe("one");

    // HEAD renders again: the pending sync is carried out by the restarted hub, with no new request.
    await fleet.repo.commit({ "apps/web/configmap.yaml": CONFIGMAP("web-config", "purple") }, "purple");
    await flotilla("refresh");
    await fleet.waitFor("purple on the cluster", async () => ((await colour("web-config", "web")) === "purple" ? true : undefined));
    expect((await flotilla("app", "history", WEB)).stdout).toMatch(/^prod-eu\s+4\s+.*sync\s+alice \(api-token\)$/m);
    expect(await colour("api-config", "api")).toBe("one");
    for (const name of ["hub", `spoke ${CLUSTER}`]) expect(fleet.logs(name)).not.toContain(API_TOKEN);
  });
});
