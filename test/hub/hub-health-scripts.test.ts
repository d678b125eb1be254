import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { startHub, type RunningHub } from "../../hub/index.js";
import { readBundleHealth } from "../../protocol/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet, webConfig } from "./fleet-fixture.js";
import { SpokeDriver } from "./spoke-driver.js";

// The fleet repo's health/ directory reaches every cluster inside the signed bundle; a change to a
// script alone republishes; a broken directory keeps the last good scripts.

const FLEET = "prod";
const V1 = `return {status = "Progressing", message = "v1"}`;
const V2 = `return {status = "Progressing", message = "v2"}`;
let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;
let hub: RunningHub;
let eu: SpokeDriver;

beforeAll(async () => {
  nats = await startNats();
  repo = await makeGitRepo({ ...baseFleet("1"), "health/cert-manager.io/Certificate/health.lua": V1 });
  dir = await mkdtemp(join(tmpdir(), "flotilla-hub-health-"));
  hub = await startHub(
    { fleet: FLEET, nats: { servers: nats.url }, signingKeyFile: join(dir, "hub.pem"), repos: [{ url: repo.dir }], listen: { host: "127.0.0.1", port: 0 }, pollIntervalMs: 0 },
    { clock: systemClock, logger: silentLogger() },
  );
  await hub.service.refresh();
  eu = await SpokeDriver.connect(nats.url, FLEET, "eu-1", hub.publicKey);
});

afterAll(async () => {
  await eu?.close();
  await hub?.close();
  await nats?.stop();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

async function shipped(): Promise<{ generation: number; scripts: unknown }> {
  const state = await eu.fetch();
  if (state === null) throw new Error("nothing published for eu-1");
  return { generation: state.generation, scripts: readBundleHealth(state.bundle) };
}

describe("health scripts in the bundle", () => {
  it("ships the fleet's scripts with the signed desired state", async () => {
    expect((await shipped()).scripts).toEqual({ kind: "lua", overrides: {}, files: { "cert-manager.io/Certificate": V1 } });
  });

  it("a change to a script alone republishes the cluster", async () => {
    const before = await shipped();
    await repo.commit({ "health/cert-manager.io/Certificate/health.lua": V2 }, "health: v2");
    await hub.service.refresh();
    const after = await shipped();
    expect(after.generation).toBeGreaterThan(before.generation);
    expect(after.scripts).toEqual({ kind: "lua", overrides: {}, files: { "cert-manager.io/Certificate": V2 } });
  });

  it("a broken health directory is a render error and the clusters keep the last good scripts", async () => {
    const before = await shipped();
    await repo.commit({ "health/argocd-cm.yaml": "kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n", "apps/web/config.yaml": webConfig("2") }, "health: broken, web v2");
    await hub.service.refresh();
    expect(hub.service.renderErrors()).toContainEqual(expect.objectContaining({ code: "GITOPS_INVALID", file: "health/argocd-cm.yaml" }));
    // The app change in the same commit is published, with the scripts that last loaded.
    const after = await shipped();
    expect(after.generation).toBeGreaterThan(before.generation);
    expect(after.scripts).toEqual(before.scripts);
  });
});
