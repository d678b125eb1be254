import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Encrypter, armor, generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { STATUS_KEY, startHub, type HubConfig, type RunningHub } from "../../hub/index.js";
import { STATUS_BUCKET, encodeMessage } from "../../protocol/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet } from "./fleet-fixture.js";
import { SpokeDriver, eventually } from "./spoke-driver.js";

// The hub keeps each spoke's age-armored key backup (up to 384 KiB) under its own key of the status
// bucket, written when its content changes: the cluster record, rewritten with every heartbeat and
// report, does not carry it (docs/protocol.md, "status KV").

const FLEET = "prod";
let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;
let config: HubConfig;
let hub: RunningHub;
let eu: SpokeDriver;
let nc: NatsConnection;
let status: KV;
let recipient: string;

/** An age file for the recovery recipient, armored, as a spoke's `keyBackup` is (the content is a stand-in key List). */
async function backup(content: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(`apiVersion: v1\nkind: List\nitems: []\n# ${content}\n`));
}

async function served(cluster: string): Promise<{ status: number; text: string; receivedAt: string | null }> {
  const res = await fetch(`${hub.url}/api/v1/clusters/${cluster}/key-backup`);
  return { status: res.status, text: await res.text(), receivedAt: res.headers.get("x-flotilla-received-at") };
}

async function revisionOf(key: string): Promise<number | undefined> {
  return (await status.get(key))?.revision;
}

async function record(key: string): Promise<Record<string, unknown> | undefined> {
  const entry = await status.get(key);
  return entry === null || entry.operation !== "PUT" ? undefined : entry.json<Record<string, unknown>>();
}

/** Waits until the hub has stored eu-1's cluster record with a report of this health (so every write before it is stored too). */
async function storedReport(health: string): Promise<void> {
  await eventually(async () => {
    const r = await record(`${STATUS_KEY.cluster}eu-1`);
    const apps = (r?.report as { apps?: { health: string }[] } | undefined)?.apps ?? [];
    return apps[0]?.health === health ? true : undefined;
  }, `eu-1's ${health} report in the status bucket`);
}

beforeAll(async () => {
  recipient = await identityToRecipient(await generateIdentity());
  nats = await startNats();
  repo = await makeGitRepo(baseFleet("1"));
  dir = await mkdtemp(join(tmpdir(), "flotilla-key-backup-"));
  config = {
    fleet: FLEET,
    nats: { servers: nats.url },
    signingKeyFile: join(dir, "hub.pem"),
    repos: [{ url: repo.dir }],
    listen: { host: "127.0.0.1", port: 0 },
    pollIntervalMs: 0,
  };
  hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
  await hub.service.refresh();
  eu = await SpokeDriver.connect(nats.url, FLEET, "eu-1", hub.publicKey);
  nc = await connect({ servers: nats.url });
  status = await new Kvm(nc).open(STATUS_BUCKET);
});

afterAll(async () => {
  await eu?.close();
  await nc?.close();
  await hub?.close();
  await nats?.stop();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe("the hub's key backup store", () => {
  let first: string;
  let second: string;

  it("keeps the backup under keybackup.<cluster>, out of the cluster record", async () => {
    first = await backup("first");
    await eu.hello({ keyBackup: first });
    const got = await eventually(async () => {
      const r = await served("eu-1");
      return r.status === 200 ? r : undefined;
    }, "the backup served");
    expect(got.text).toBe(first);
    const stored = await eventually(() => record(`${STATUS_KEY.keyBackup}eu-1`), "keybackup.eu-1 stored");
    expect(stored).toEqual({ armored: first, receivedAt: Date.parse(got.receivedAt ?? ""), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown });
    const cluster = await eventually(() => record(`${STATUS_KEY.cluster}eu-1`), "cluster.eu-1 stored");
    expect(cluster).not.toHaveProperty("keyBackup");
    expect(JSON.stringify(cluster)).not.toContain("AGE ENCRYPTED FILE");
  });

  it("does not rewrite the backup on heartbeats, reports or a Hello with the same backup", async () => {
    const before = await revisionOf(`${STATUS_KEY.keyBackup}eu-1`);
    const receivedAt = (await served("eu-1")).receivedAt;
    await eu.report("Progressing");
    await storedReport("Progressing");
    const clusterBefore = await revisionOf(`${STATUS_KEY.cluster}eu-1`);

    await eu.hello({ keyBackup: first }); // a reconnecting spoke says Hello again with the backup it holds
    for (let i = 0; i < 3; i++) await eu.heartbeat();
    await eu.report("Degraded");
    await eu.heartbeat();
    await eu.report("Healthy");
    // Everything the hub writes goes out on one connection in order: once the last report is stored, so is any earlier write.
    await storedReport("Healthy");

    expect(await revisionOf(`${STATUS_KEY.keyBackup}eu-1`)).toBe(before);
    const clusterAfter = await revisionOf(`${STATUS_KEY.cluster}eu-1`);
    expect(clusterAfter).toBeGreaterThanOrEqual((clusterBefore ?? 0) + 7);
    // Same content: the backup (and when the hub first got it) is unchanged.
    expect(await served("eu-1")).toEqual({ status: 200, text: first, receivedAt });
  });

  it("writes the backup once when its content changes", async () => {
    const before = (await revisionOf(`${STATUS_KEY.keyBackup}eu-1`)) ?? 0;
    second = await backup("second");
    await eu.hello({ keyBackup: second });
    await eventually(async () => ((await served("eu-1")).text === second ? true : undefined), "the new backup served");
    const written = await eventually(async () => {
      const rev = await revisionOf(`${STATUS_KEY.keyBackup}eu-1`);
      return rev !== undefined && rev > before ? rev : undefined;
    }, "keybackup.eu-1 rewritten");
    expect((await record(`${STATUS_KEY.keyBackup}eu-1`))?.armored).toBe(second);
    await eu.hello({ keyBackup: second });
    await eu.report("Healthy");
    await eu.report("Progressing");
    await storedReport("Progressing");
    expect(await revisionOf(`${STATUS_KEY.keyBackup}eu-1`)).toBe(written);
  });

  it("a restarted hub serves the stored backup and rewrites nothing for the same Hello", async () => {
    const before = await served("eu-1");
    const revision = await revisionOf(`${STATUS_KEY.keyBackup}eu-1`);
    await hub.close();
    hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
    expect(await served("eu-1")).toEqual(before);
    await eu.hello({ keyBackup: second });
    await eu.report("Healthy");
    await storedReport("Healthy");
    expect(await revisionOf(`${STATUS_KEY.keyBackup}eu-1`)).toBe(revision);
    expect(await served("eu-1")).toEqual(before);
  });

  it("moves a backup kept inline by an older hub to its own key", async () => {
    const legacy = await backup("legacy");
    const receivedAt = Date.parse("2026-01-02T03:04:05.000Z");
    const euRevision = await revisionOf(`${STATUS_KEY.keyBackup}eu-1`);
    await hub.close();
    // The layout before key backups had their own key: the backup inside the cluster record.
    await status.put(`${STATUS_KEY.cluster}us-1`, encodeMessage({ name: "us-1", keyBackup: { armored: legacy, receivedAt }, lastSeen: receivedAt }));
    hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
    expect(await served("us-1")).toEqual({ status: 200, text: legacy, receivedAt: new Date(receivedAt).toISOString() });
    const moved = await eventually(() => record(`${STATUS_KEY.keyBackup}us-1`), "keybackup.us-1 written");
    expect(moved).toMatchObject({ armored: legacy, receivedAt });
    // eu-1's backup was already under its own key: the restart did not write it again.
    expect(await revisionOf(`${STATUS_KEY.keyBackup}eu-1`)).toBe(euRevision);
    expect(await served("eu-1")).toMatchObject({ status: 200, text: second });
  });
});
