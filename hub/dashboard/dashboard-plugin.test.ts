import { get } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { registerDashboard } from "./dashboard-plugin.js";
import type { DashboardCluster, DashboardViews } from "./dashboard-views.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function cluster(name: string, over: Partial<DashboardCluster> = {}): DashboardCluster {
  return {
    name,
    labels: { env: "prod" },
    online: true,
    sync: "Synced",
    health: "Healthy",
    appliedRevision: "0123456789abcdef",
    desiredRevision: "0123456789abcdef",
    lastSeen: NOW - 12_000,
    errors: [],
    apps: [
      { name: `web-${name}`, appSet: "web", sync: "Synced", health: "Healthy", revision: "0123456789abcdef", desiredRevision: "0123456789abcdef", objects: [{ kind: "Deployment", namespace: "web", name: "web", sync: "Synced", health: "Healthy" }] },
    ],
    ...over,
  };
}

function viewsOf(state: { clusters: DashboardCluster[] }): DashboardViews {
  return {
    fleet: "demo",
    appDetail: (_cluster, app) =>
      Promise.resolve({
        syncPolicy: "Manual",
        diffs: [{ id: "/ConfigMap/web/web", change: "changed", diff: "--- published\n+++ head\n-  colour: blue\n+  colour: <b>green</b>" }],
        history: [{ id: 1, revision: "0123456789abcdef", deployedAt: "2026-01-01T11:00:00.000Z", kind: "sync", initiatedBy: `alice (api-token) ${app}`, message: "make it blue", author: "Alice", committedAt: "2026-01-01T10:59:00.000Z" }],
      }),
    now: () => NOW,
    commit: (rev) => Promise.resolve(rev === "0123456789" ? { message: "make it <blue>\nbody", author: "Alice", time: "2026-01-01T11:58:00Z" } : undefined),
    clusters: () => state.clusters,
    rollouts: () => [
      {
        appSet: "web",
        revision: "0123456789",
        phase: "Halted",
        currentStep: 1,
        message: "step 2 Degraded: prod-us",
        startedAt: NOW - 60_000,
        updatedAt: NOW - 10_000,
        steps: [
          { index: 0, clusters: [{ cluster: "staging", state: "Healthy" }], startedAt: NOW - 60_000, finishedAt: NOW - 30_000 },
          { index: 1, clusters: [{ cluster: "prod-us", state: "Degraded" }], startedAt: NOW - 30_000, haltedAt: NOW - 10_000 },
          { index: 2, clusters: [{ cluster: "prod-eu", state: "Waiting" }] },
        ],
      },
    ],
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(state: { clusters: DashboardCluster[] }) {
  const app = Fastify();
  registerDashboard(app, { views: viewsOf(state), pollMs: 20, refreshMs: 60_000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  close = () => app.close();
  return { app, port: (app.server.address() as AddressInfo).port };
}

describe("dashboard plugin", () => {
  it("renders the fleet grid with health, sync, revision, freshness and offline clusters marked", async () => {
    const { app } = await serve({ clusters: [cluster("prod-eu"), cluster("staging", { online: false, health: "Unknown", sync: "Unknown", lastSeen: null })] });
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<tr class="online-row" data-cluster="prod-eu" data-online="true" data-health="Healthy"/);
    expect(res.body).toMatch(/<tr class="offline" data-cluster="staging" data-online="false"/);
    expect(res.body).toContain("<code>0123456</code>");
    expect(res.body).toContain("12s ago");
    expect(res.body).toContain("<strong>1/2</strong> clusters Synced and Healthy");
    const fragment = await app.inject({ url: "/?fragment=1" });
    expect(fragment.body.startsWith("<p")).toBe(true);
    expect(fragment.body).not.toContain("<html");
  });

  it("shows a cluster's apps and objects, and rollout steps", async () => {
    const { app } = await serve({ clusters: [cluster("prod-eu")] });
    const page = await app.inject({ url: "/clusters/prod-eu" });
    expect(page.body).toContain('data-app="web-prod-eu"');
    expect(page.body).toMatch(/<td>Deployment<\/td><td>web<\/td><td>web<\/td>/);
    expect((await app.inject({ url: "/clusters/nope" })).statusCode).toBe(404);
    const rollouts = await app.inject({ url: "/rollouts" });
    expect(rollouts.body).toContain('data-phase="Halted"');
    expect(rollouts.body).toMatch(/prod-us<\/a> <span class="badge Degraded">Degraded<\/span>/);
    // The timeline: the commit, and when each step started, finished or halted.
    const one = (await app.inject({ url: "/rollouts/web" })).body;
    expect(one).toContain('<code data-revision="0123456789">0123456</code> <span class="muted">make it &lt;blue&gt; · Alice · 2026-01-01T11:58:00Z</span>');
    expect(one).toMatch(/data-step="0" data-state="Completed">.*started <time>2026-01-01 11:59:00Z<\/time> · finished <time>2026-01-01 11:59:30Z<\/time> \(30s\)/);
    expect(one).toMatch(/data-step="1" data-state="Halted">.*halted <time>2026-01-01 11:59:50Z<\/time>/);
    expect(one).toMatch(/data-step="2" data-state="Waiting">/);
    expect((await app.inject({ url: "/rollouts/nope" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/" })).body).toContain('<p id="rollouts-summary">Rollouts: <a href="/rollouts/web">web</a>');
    expect((await app.inject({ url: "/clusters/prod-eu/apps/web-prod-eu" })).body).toContain('<a href="/rollouts/web" id="rollout-link">');
  });

  it("filters, groups, maps and pages a large fleet", async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      cluster(`c-${String(i).padStart(3, "0")}`, { labels: { env: i % 2 === 0 ? "prod" : "dev" }, online: i % 10 !== 0, health: i % 25 === 1 ? "Degraded" : "Healthy" }),
    );
    const { app } = await serve({ clusters: many });
    const first = (await app.inject({ url: "/" })).body;
    expect(first.match(/<tr class="(online-row|offline)"/g)).toHaveLength(100);
    expect(first.match(/class="m-[a-z]+" href="\/clusters\//g)).toHaveLength(250);
    expect(first).toContain('<strong data-count="offline">25</strong>');
    expect(first).toContain('<strong data-count="degraded">10</strong>');
    expect(first).toContain("page 1 of 3");
    const third = (await app.inject({ url: "/?page=3" })).body;
    expect(third.match(/<tr class="(online-row|offline)"/g)).toHaveLength(50);
    const prod = (await app.inject({ url: "/?l=env%3Dprod&q=c-00" })).body;
    expect(prod).toContain("5 of 250 clusters match");
    const grouped = (await app.inject({ url: "/?group=env" })).body;
    expect(grouped).toMatch(/<tr data-group="dev"><td><a href="\/\?l=env%3Ddev">env=dev<\/a><\/td><td>125<\/td>/);
    const degraded = (await app.inject({ url: "/?state=degraded" })).body;
    expect(degraded.match(/<tr class="online-row"/g)).toHaveLength(10);
    expect((await app.inject({ url: "/?l=%3D%3D" })).body).toContain("invalid selector");
  });

  it("shows an app's object tree, its diff against HEAD and its history with the commit", async () => {
    const { app } = await serve({ clusters: [cluster("prod-eu")] });
    const body = (await app.inject({ url: "/clusters/prod-eu/apps/web-prod-eu" })).body;
    expect(body).toMatch(/<ol class="tree" id="tree"><li><strong>web-prod-eu<\/strong>/);
    expect(body).toContain('data-object="Deployment/web/web"');
    expect(body).toContain('<span class="add">+  colour: &lt;b&gt;green&lt;/b&gt;</span>');
    expect(body).toMatch(/<tr data-history="1"><td>1<\/td>.*make it blue<\/td><td>Alice<\/td>/);
    expect((await app.inject({ url: "/clusters/prod-eu/apps/nope" })).statusCode).toBe(404);
  });

  it("escapes everything it renders", async () => {
    const evil = "<script>alert(1)</script>";
    const { app } = await serve({ clusters: [cluster("prod-eu", { labels: { team: evil }, errors: [{ code: "X", message: evil }] })] });
    for (const url of ["/", "/clusters/prod-eu"]) {
      const body = (await app.inject({ url })).body;
      expect(body).not.toContain(evil);
      expect(body).toContain("&lt;script&gt;");
    }
  });

  it("pushes a change event over SSE when the views change", async () => {
    const state = { clusters: [cluster("prod-eu")] };
    const { port } = await serve(state);
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = get({ host: "127.0.0.1", port, path: "/events" }, (res) => {
        expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          events.push(...chunk.split("\n").filter((l) => l.startsWith("event: ")));
          // The first change comes at once; a second one after the state changes.
          if (events.length === 1) state.clusters = [cluster("prod-eu", { health: "Degraded" })];
          if (events.length === 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on("error", reject);
    });
    expect(events).toEqual(["event: change", "event: change"]);
  });
  it("checks for changes with the host's version when it has one, without walking the views", async () => {
    let version = 1;
    let walks = 0;
    const base = viewsOf({ clusters: [cluster("prod-eu")] });
    const views: DashboardViews = {
      ...base,
      clusters: () => {
        walks += 1;
        return base.clusters();
      },
      version: () => String(version),
    };
    const app = Fastify();
    registerDashboard(app, { views, pollMs: 20, refreshMs: 60_000 });
    await app.listen({ host: "127.0.0.1", port: 0 });
    close = () => app.close();
    const port = (app.server.address() as AddressInfo).port;
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = get({ host: "127.0.0.1", port, path: "/events" }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          events.push(...chunk.split("\n").filter((l) => l.startsWith("event: ")));
          if (events.length === 1) setTimeout(() => (version = 2), 100);
          if (events.length === 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on("error", reject);
    });
    expect(events).toEqual(["event: change", "event: change"]);
    expect(walks).toBe(0);
  });
});
