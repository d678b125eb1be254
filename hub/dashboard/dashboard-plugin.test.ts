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
    now: () => NOW,
    clusters: () => state.clusters,
    rollouts: () => [
      { appSet: "web", revision: "0123456789", phase: "Halted", currentStep: 1, message: "step 2 Degraded: prod-us", steps: [{ index: 0, clusters: [{ cluster: "staging", state: "Healthy" }] }, { index: 1, clusters: [{ cluster: "prod-us", state: "Degraded" }] }] },
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
    expect(fragment.body.startsWith("<p>")).toBe(true);
  });

  it("shows a cluster's apps and objects, and rollout steps", async () => {
    const { app } = await serve({ clusters: [cluster("prod-eu")] });
    const page = await app.inject({ url: "/clusters/prod-eu" });
    expect(page.body).toContain('data-app="web-prod-eu"');
    expect(page.body).toMatch(/<td>Deployment<\/td><td>web<\/td><td>web<\/td>/);
    expect((await app.inject({ url: "/clusters/nope" })).statusCode).toBe(404);
    const rollouts = await app.inject({ url: "/rollouts" });
    expect(rollouts.body).toContain('data-phase="Halted"');
    expect(rollouts.body).toMatch(/prod-us <span class="badge Degraded">Degraded<\/span>/);
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
});
