import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, systemClock } from "../../core/index.js";
import { startHub, type RunningHub } from "../../hub/index.js";
import { freePort, makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet, cluster } from "./fleet-fixture.js";
import { SpokeDriver } from "./spoke-driver.js";

const FLEET = "prod";
const TOKEN = "ghp_plaintextTokenThatMustNeverLeak";
let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;
let hub: RunningHub;
let authServer: Server;
let unreachable: string;
let denied: string;
const logs: string[] = [];

const apiAppSet = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: api
spec:
  goTemplate: true
  generators:
  - clusters:
      selector:
        matchLabels:
          env: prod
  template:
    metadata:
      name: 'api-{{.name}}'
    spec:
      project: default
      source:
        repoURL: .
        targetRevision: HEAD
        path: apps/api
      destination:
        name: '{{.name}}'
        namespace: 'api-{{.metadata.labels.tier}}'
      syncPolicy:
        automated: {}
`;

const rbacAppSet = apiAppSet
  .replace("name: api\n", "name: rbac\n")
  .replace("'api-{{.name}}'", "'rbac-{{.name}}'")
  .replace("path: apps/api", "path: apps/rbac")
  .replace("'api-{{.metadata.labels.tier}}'", "rbac");

async function api<T>(path: string): Promise<T> {
  return (await (await fetch(`${hub.url}${path}`)).json()) as T;
}

interface SourcesBody {
  items: { id: string; revision?: string; error?: { code: string; message: string } }[];
}
interface AppsBody {
  items: { name: string; appSet: string; cluster: string; sync: string; health: string; error?: { code: string; message: string; field?: string } }[];
}

beforeAll(async () => {
  nats = await startNats();
  repo = await makeGitRepo({
    ...baseFleet("1"),
    "clusters/us-1.yaml": cluster("us-1", { env: "prod", wave: "main", tier: "gold" }),
    "appsets/api.yaml": apiAppSet,
    "apps/api/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  a: b\n",
    "appsets/rbac.yaml": rbacAppSet,
    "apps/rbac/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: everything\nrules: []\n",
  });
  dir = await mkdtemp(join(tmpdir(), "flotilla-bad-"));
  authServer = createServer((_req, res) => {
    res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("unauthorized");
  });
  await new Promise<void>((r) => authServer.listen(0, "127.0.0.1", r));
  denied = `http://127.0.0.1:${String((authServer.address() as AddressInfo).port)}/team/fleet.git`;
  unreachable = `http://127.0.0.1:${String(await freePort())}/nobody/fleet.git`;
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => logs.push(line) } });
  hub = await startHub(
    {
      fleet: FLEET,
      nats: { servers: nats.url },
      signingKeyFile: join(dir, "hub.pem"),
      repos: [{ url: repo.dir }, { url: unreachable }, { url: denied }],
      gitToken: TOKEN,
      gitCacheDir: join(dir, "cache"),
      listen: { host: "127.0.0.1", port: 0 },
      pollIntervalMs: 0,
    },
    { clock: systemClock, logger },
  );
  await hub.service.refresh();
});

afterAll(async () => {
  await hub?.close();
  await nats?.stop();
  await repo?.remove();
  await new Promise((r) => authServer?.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("bad input is visible and the rest of the fleet keeps going", () => {
  it("reports an unreachable repo and an auth failure per source", async () => {
    const sources = await api<SourcesBody>("/api/v1/sources");
    const byId = new Map(sources.items.map((s) => [s.id, s]));
    expect(byId.get(repo.dir)?.revision).toBe(await repo.head());
    expect(byId.get(repo.dir)?.error).toBeUndefined();
    expect(byId.get(unreachable)?.error?.code).toMatch(/^GITOPS_GIT|HUB_SOURCE_FAILED$/);
    expect(byId.get(denied)?.error?.code).toMatch(/^GITOPS_GIT|HUB_SOURCE_FAILED$/);
    expect(byId.get(denied)?.error?.message).toContain(denied);
    expect(byId.get(unreachable)?.error?.message).toContain("ECONNREFUSED");
    const everything = JSON.stringify(sources) + logs.join("");
    expect(everything).not.toContain(TOKEN);
  });

  it("reports a render error in one app for one cluster, and publishes the rest", async () => {
    const apps = await api<AppsBody>("/api/v1/applications");
    const failed = apps.items.filter((a) => a.error !== undefined);
    expect(failed).toEqual([
      expect.objectContaining({ cluster: "eu-1", appSet: "api", error: expect.objectContaining({ code: "GITOPS_TEMPLATE" }) }),
      expect.objectContaining({ cluster: "eu-1", appSet: "rbac", error: expect.objectContaining({ code: "ALLOWLIST_VIOLATION" }) }),
      expect.objectContaining({ cluster: "us-1", appSet: "rbac", error: expect.objectContaining({ code: "ALLOWLIST_VIOLATION" }) }),
    ]);
    const eu = await SpokeDriver.connect(nats.url, FLEET, "eu-1", hub.publicKey);
    const us = await SpokeDriver.connect(nats.url, FLEET, "us-1", hub.publicKey);
    try {
      expect((await eu.fetch())?.bundle.apps.map((a) => a.name)).toEqual(["web-eu-1"]);
      expect((await us.fetch())?.bundle.apps.map((a) => a.name)).toEqual(["api-us-1", "web-us-1"]);
    } finally {
      await eu.close();
      await us.close();
    }
    const view = await api<{ errors: { code: string }[] }>("/api/v1/clusters/eu-1");
    expect(view.errors.map((e) => e.code).sort()).toEqual(["ALLOWLIST_VIOLATION", "GITOPS_TEMPLATE"]);
  });
});
