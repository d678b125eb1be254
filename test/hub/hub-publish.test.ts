import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock, type Clock } from "../../core/index.js";
import { signWebhookBody, startHub, type HubConfig, type RunningHub } from "../../hub/index.js";
import { decodeNotify, encodeMessage, generateSigningKey, signStatusReport, subjects } from "../../protocol/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet, webConfig } from "./fleet-fixture.js";
import { SpokeDriver, eventually } from "./spoke-driver.js";

const FLEET = "prod";
let now = Date.now();
const clock: Clock = { now: () => now, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;
let hub: RunningHub;
const spokes = new Map<string, SpokeDriver>();
let config: HubConfig;

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${hub.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: (text.startsWith("{") ? JSON.parse(text) : text) as T };
}

async function spoke(cluster: string): Promise<SpokeDriver> {
  let s = spokes.get(cluster);
  if (s === undefined) {
    s = await SpokeDriver.connect(nats.url, FLEET, cluster, hub.publicKey);
    spokes.set(cluster, s);
  }
  return s;
}

async function kvRevisions(): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const c of ["eu-1", "us-1", "dev-1"]) out[c] = (await hub.service.store.published(c))?.kvRevision;
  return out;
}

interface ClusterBody {
  connection: string;
  health: string;
  sync: string;
  applied: { generation: number | null } | null;
  desired: { generation: number } | null;
}

beforeAll(async () => {
  nats = await startNats();
  repo = await makeGitRepo(baseFleet("1"));
  dir = await mkdtemp(join(tmpdir(), "flotilla-hub-"));
  config = {
    fleet: FLEET,
    nats: { servers: nats.url },
    signingKeyFile: join(dir, "hub.pem"),
    repos: [{ url: repo.dir }],
    listen: { host: "127.0.0.1", port: 0 },
    apiToken: "s3cret-token",
    webhookSecret: "webhook-secret",
    pollIntervalMs: 0,
  };
  hub = await startHub(config, { clock, logger: silentLogger() });
  await hub.service.refresh();
});

afterAll(async () => {
  for (const s of spokes.values()) await s.close();
  await hub?.close();
  await nats?.stop();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe("flotilla hub: plan and publish", () => {
  it("publishes a signed entry to each targeted cluster", async () => {
    for (const cluster of ["eu-1", "us-1"]) {
      const state = await (await spoke(cluster)).fetch();
      expect(state?.revision).toBe(await repo.head());
      expect(state?.bundle.apps.map((a) => a.name)).toEqual([`web-${cluster}`]);
      expect(state?.bundle.apps[0]?.objects[0]).toMatchObject({ kind: "ConfigMap", data: { version: "1" } });
    }
    const dev = await (await spoke("dev-1")).fetch();
    expect(dev?.bundle.apps).toEqual([]);
  });

  it("shows a cluster with no apps as Unknown until it applies its empty state, then Synced and Healthy", async () => {
    const dev = await spoke("dev-1");
    expect((await api<ClusterBody>("/api/v1/clusters/dev-1")).body).toMatchObject({ sync: "Unknown", health: "Unknown", apps: [] });
    await dev.hello({ heartbeatSeconds: 1 });
    await dev.report("Healthy");
    const view = await eventually(async () => {
      const r = await api<ClusterBody>("/api/v1/clusters/dev-1");
      return r.body.health === "Healthy" ? r.body : undefined;
    }, "dev-1 healthy with no apps");
    expect(view).toMatchObject({ sync: "Synced", health: "Healthy", apps: [] });
  });

  it("publishes nothing for a commit that changes no cluster's state", async () => {
    const before = await kvRevisions();
    const head = await repo.commit({ "README.md": "docs only\n" });
    await hub.service.refresh();
    expect(hub.service.sources()[0]?.revision).toBe(head);
    // The commit counts as published: every cluster's desired state already reflects it.
    expect(hub.service.sources()[0]?.publishedRevision).toBe(head);
    expect(await kvRevisions()).toEqual(before);
  });

  it("a changed commit reaches every targeted cluster with a new generation", async () => {
    const head = await repo.commit({ "apps/web/config.yaml": webConfig("2") });
    await hub.service.refresh();
    for (const cluster of ["eu-1", "us-1"]) {
      const state = await (await spoke(cluster)).fetch();
      expect(state?.generation).toBe(2);
      expect(state?.revision).toBe(head);
      expect(state?.bundle.apps[0]?.objects[0]).toMatchObject({ data: { version: "2" } });
    }
    expect((await (await spoke("dev-1")).fetch())?.generation).toBe(1);
  });

  it("rejects a webhook with a bad signature (401) and triggers nothing; a good one triggers a fetch", async () => {
    const sourcesBefore = hub.service.sources();
    const head = await repo.commit({ "apps/web/config.yaml": webConfig("3") });
    const body = JSON.stringify({ ref: "refs/heads/main", repository: { clone_url: repo.dir } });
    const bad = await api<{ error: { code: string } }>("/api/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signWebhookBody(Buffer.from(body), "wrong-secret") },
      body,
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("WEBHOOK_SIGNATURE_INVALID");
    const gitlab = await api("/api/webhook", { method: "POST", headers: { "content-type": "application/json", "x-gitlab-token": "nope" }, body });
    expect(gitlab.status).toBe(401);
    const unsigned = await api("/api/webhook", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    await hub.service.replan(); // lets any (wrongly) queued fetch finish before judging
    expect(hub.service.sources()).toEqual(sourcesBefore);
    expect((await (await spoke("eu-1")).fetch())?.generation).toBe(2);

    const good = await api<{ kind: string }>("/api/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signWebhookBody(Buffer.from(body), "webhook-secret") },
      body,
    });
    expect(good.status).toBe(202);
    expect(good.body.kind).toBe("github");
    const state = await eventually(async () => {
      const s = await (await spoke("eu-1")).fetch();
      return s?.revision === head ? s : undefined;
    }, "the webhook-triggered publish");
    expect(state.generation).toBe(3);
  });

  it("requires the bearer token for POST /api/v1/refresh", async () => {
    expect((await api("/api/v1/refresh", { method: "POST" })).status).toBe(401);
    expect((await api("/api/v1/refresh", { method: "POST", headers: { authorization: "Bearer wrong-token!" } })).status).toBe(401);
    const ok = await api<{ status: string }>("/api/v1/refresh", { method: "POST", headers: { authorization: "Bearer s3cret-token" } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("refreshed");
  });

  it("ingests signed status, drops forged reports, and reports a silent cluster as offline", async () => {
    const eu = await spoke("eu-1");
    await eu.hello({ heartbeatSeconds: 5, sealingCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" });
    const generation = await eu.report("Healthy");
    const view = await eventually(async () => {
      const r = await api<ClusterBody>("/api/v1/clusters/eu-1");
      return r.body.health === "Healthy" ? r.body : undefined;
    }, "eu-1 healthy in the API");
    expect(view).toMatchObject({ connection: "Online", sync: "Synced", applied: { generation }, desired: { generation } });

    // A report signed by another key, and one sent on us-1's subject, are dropped.
    await eu.report("Degraded", { signWith: (await spoke("us-1")).key });
    const forged = signStatusReport({ fleet: FLEET, cluster: "eu-1", sentAt: new Date().toISOString(), generation, apps: [{ name: "web-eu-1", sync: "Synced", health: "Degraded" }] }, eu.key);
    eu.nc.publish(subjects.status(FLEET, "us-1"), encodeMessage(forged));
    now += 1000;
    await eu.heartbeat(); // published after the forgeries on the same connection, so handled after them
    await eventually(async () => ((await api<{ lastSeen: string }>("/api/v1/clusters/eu-1")).body.lastSeen === new Date(now).toISOString() ? true : undefined), "the heartbeat");
    const apps = await api<{ items: { cluster: string; name: string; health: string; freshnessSeconds: number | null }[] }>("/api/v1/applications?cluster=eu-1");
    expect(apps.body.items).toEqual([expect.objectContaining({ name: "web-eu-1", health: "Healthy", freshnessSeconds: 1 })]);
    expect((await api<ClusterBody>("/api/v1/clusters/us-1")).body.health).toBe("Unknown");

    const cert = await api<string>("/api/v1/clusters/eu-1/cert");
    expect(cert.status).toBe(200);
    expect(cert.body).toContain("BEGIN CERTIFICATE");
    expect((await api("/api/v1/clusters/us-1/cert")).status).toBe(404);

    const us = await api<ClusterBody>("/api/v1/clusters/us-1");
    expect(us.body.connection).toBe("Offline");
    now += 16_000; // more than 3 missed heartbeats of 5 s
    const later = await api<ClusterBody>("/api/v1/clusters/eu-1");
    expect(later.body.connection).toBe("Offline");
    expect(later.body.health).toBe("Healthy"); // offline is not failed: the last report stands
    const metrics = await api<string>("/metrics");
    expect(metrics.body).toContain('flotilla_hub_clusters{connection="Offline"} 3');
    expect((await api("/healthz")).status).toBe(200);
    expect((await api("/readyz")).status).toBe(200);
  });

  it("restarts without republishing anything and without losing status", async () => {
    const before = await kvRevisions();
    await hub.close();
    hub = await startHub(config, { clock, logger: silentLogger() });
    await hub.service.refresh();
    expect(await kvRevisions()).toEqual(before);
    const eu = await api<ClusterBody>("/api/v1/clusters/eu-1");
    expect(eu.body).toMatchObject({ health: "Healthy", sync: "Synced", desired: { generation: 3 } });
    const cert = await api<string>("/api/v1/clusters/eu-1/cert");
    expect(cert.status).toBe(200);
  });
});

describe("GET /api/v1/clusters?selector=", () => {
  it("filters clusters by label, as kubectl -l does", async () => {
    const names = async (selector: string): Promise<string[]> =>
      (await api<{ items: { name: string }[] }>(`/api/v1/clusters?selector=${encodeURIComponent(selector)}`)).body.items.map((c) => c.name);
    expect(await names("env=prod")).toEqual(["eu-1", "us-1"]);
    expect(await names("env=prod,wave!=canary")).toEqual(["us-1"]);
    expect(await names("wave")).toEqual(["dev-1", "eu-1", "us-1"]);
    expect((await api("/api/v1/clusters?selector=%3D%3D")).status).toBe(400);
  });
});

describe("web dashboard", () => {
  it("serves the fleet page with every cluster", async () => {
    const page = await api<string>("/");
    expect(page.status).toBe(200);
    for (const name of ["eu-1", "us-1", "dev-1"]) expect(page.body).toContain(name);
  });

  it("asks a spoke whose messages no longer verify to say Hello again (a cluster rebuilt while the hub was down), at most once per interval", async () => {
    const eu = await spoke("eu-1");
    const asks: unknown[] = [];
    const sub = eu.nc.subscribe(subjects.notify(FLEET, "eu-1"), {
      callback: (_err, msg) => {
        const notify = decodeNotify(msg.data);
        if (notify.announce === true) asks.push(notify);
      },
    });
    await eu.nc.flush();
    // The rebuilt spoke signs with a new status key the restarted hub never saw in a Hello.
    await eu.report("Healthy", { signWith: generateSigningKey() });
    await eventually(() => Promise.resolve(asks.length > 0 ? true : undefined), "the hub's request for a new Hello");
    expect(asks[0]).toMatchObject({ kind: "Notify", fleet: FLEET, cluster: "eu-1", announce: true });
    // More unverifiable messages within the interval do not make the hub chatty.
    await eu.report("Healthy", { signWith: generateSigningKey() });
    await eu.report("Healthy", { signWith: generateSigningKey() });
    await eu.nc.flush();
    await new Promise((r) => setTimeout(r, 300));
    expect(asks).toHaveLength(1);
    sub.unsubscribe();
  });
});
