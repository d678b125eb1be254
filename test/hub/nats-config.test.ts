import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DesiredStateStore, connectNats } from "../../hub/index.js";
import {
  PROTOCOL_ERROR_CODES,
  createEnvelope,
  encodeBundle,
  encodeMessage,
  fetchDesiredState,
  generateSigningKey,
  isProtocolError,
  signStatusReport,
  spokeConnectOptions,
  subjects,
  verifyEnvelope,
  type Bundle,
} from "../../protocol/index.js";
import { runFlotilla, startNats, type NatsServerHandle } from "../harness/index.js";

const FLEET = "prod";
const hubKey = generateSigningKey();
const spokeKey = generateSigningKey();
let dir: string;
let nats: NatsServerHandle;
let hub: NatsConnection;
let eu1: NatsConnection;
let store: DesiredStateStore;
const bigPayload = randomBytes(6 * 1024 * 1024).toString("base64"); // 8 MiB of text that gzip cannot shrink below max_payload
let usObject = "";
let euObject = "";

function bundle(cluster: string, blob: string): Bundle {
  return { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster, revision: "r1", apps: [{ name: "blob", namespace: "default", objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "blob" }, data: { blob } }] }] };
}

function envelope(cluster: string, blob: string, generation: number): ReturnType<typeof createEnvelope> {
  return createEnvelope({ fleet: FLEET, cluster, generation, revision: "r1", issuedAt: Date.now(), bundle: encodeBundle(bundle(cluster, blob)), signingKey: hubKey, maxPayload: store.maxPayload });
}

/** The server logs a violation after answering; poll its log (bounded) rather than sleep. */
async function expectLogged(pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !pattern.test(nats.log()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(nats.log()).toMatch(pattern);
}

/** A denial is an immediate rejection naming the permission violation (never a timeout). */
async function expectDenied(promise: Promise<unknown>): Promise<void> {
  const err: unknown = await promise.then(
    () => new Error("expected a permission violation, the call succeeded"),
    (e: unknown) => e,
  );
  const text = `${String(err)} ${String((err as Error).cause)}`;
  expect(text).toMatch(/permissions violation/i);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-natscfg-"));
  const result = await runFlotilla(["nats-config", "--fleet", FLEET, "--clusters", "eu-1,us-1,ap-1", "--out", dir, "--listen", "127.0.0.1:4222"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  nats = await startNats({ configFile: await readFile(join(dir, "nats-server.conf"), "utf8"), configHasStoreDir: true });
  hub = await connectNats({ servers: nats.url, nkeyFile: join(dir, "hub.nk") });
  store = await DesiredStateStore.open(hub);
  // Published the way the hub publishes (object first, then one pipeline of KV puts).
  const eu = envelope("eu-1", bigPayload, 1);
  const us = envelope("us-1", randomBytes(1536 * 1024).toString("base64"), 1);
  const small = envelope("ap-1", "small", 1);
  expect(await store.putMany([eu, small, us])).toHaveLength(3);
  euObject = eu.external?.object ?? "";
  usObject = us.external?.object ?? "";
  eu1 = await connectNats({ servers: nats.url, nkeyFile: join(dir, "eu-1.nk"), name: "spoke-eu-1", ...spokeConnectOptions("eu-1") });
});

afterAll(async () => {
  await eu1?.close();
  await hub?.close();
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("flotilla nats-config", () => {
  it("writes the seeds with mode 0600", async () => {
    for (const file of ["hub.nk", "eu-1.nk", "us-1.nk", "ap-1.nk", "nats-server.conf"]) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    }
    const conf = await readFile(join(dir, "nats-server.conf"), "utf8");
    expect(conf).not.toMatch(/STREAM\.INFO|STREAM\.MSG\.GET\.KV_|\$JS\.API\.INFO|DELETE|DURABLE/);
  });

  it("rejects a cluster name that is not one subject token", async () => {
    const result = await runFlotilla(["nats-config", "--fleet", FLEET, "--clusters", "eu.1", "--out", join(dir, "bad")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error[CLUSTER_NAME_INVALID]");
  });

  it("names the flag of a cluster or leaf layout it cannot write, and writes nothing", async () => {
    const cases: [string[], string][] = [
      [["--cluster-size", "3"], "--routes"],
      [["--cluster-size", "3", "--routes", "nats-route://a:6222,nats-route://b:6222"], "--routes"],
      [["--routes", "nats-route://a:6222,nats-route://b:6222", "--server-names", "x,x"], "--server-names"],
      [["--leaf", "eu:nope", "--leafnode-listen", "0.0.0.0:7422", "--leaf-remote", "nats-leaf://h:7422"], "--leaf"],
      [["--leaf", "eu:eu-1"], "--leafnode-listen"],
      [["--leaf", "eu:eu-1", "--leafnode-listen", "0.0.0.0:7422", "--leaf-remote", "http://h:7422"], "--leaf-remote"],
    ];
    for (const [flags, field] of cases) {
      const out = join(dir, "bad-layout");
      const result = await runFlotilla(["nats-config", "--fleet", FLEET, "--clusters", "eu-1,us-1", "--out", out, ...flags]);
      expect(result.code, flags.join(" ")).toBe(1);
      expect(result.stderr, flags.join(" ")).toContain("error[INVALID_FLAG]");
      expect(result.stderr, flags.join(" ")).toContain(field);
      await expect(stat(out)).rejects.toThrow();
    }
  });

  it("writes a leaf config that holds the password, and cluster configs that hold only its bcrypt hash", async () => {
    const out = join(dir, "leafy");
    const result = await runFlotilla([
      "nats-config", "--fleet", FLEET, "--clusters", "eu-1,us-1", "--out", out,
      "--routes", "nats-route://n0:6222,nats-route://n1:6222,nats-route://n2:6222",
      "--leafnode-listen", "0.0.0.0:7422", "--leaf", "eu:eu-1", "--leaf-remote", "nats-leaf://hub.example:7422",
    ]);
    expect(result.stderr).toBe("");
    const password = (await readFile(join(out, "leaf-eu.password"), "utf8")).trim();
    const leaf = await readFile(join(out, "leaf-eu.conf"), "utf8");
    expect(leaf).toContain(`nats-leaf://leaf-eu-eu-1:${password}@hub.example:7422`);
    expect(leaf).not.toContain("spoke-us-1");
    expect((await stat(join(out, "leaf-eu.conf"))).mode & 0o777).toBe(0o600);
    for (const name of ["nats-0", "nats-1", "nats-2"]) {
      const conf = await readFile(join(out, `nats-server-${name}.conf`), "utf8");
      expect(conf).toContain(`server_name: "${name}"`);
      expect(conf).not.toContain(password);
      expect(conf).toMatch(/user: "leaf-eu-eu-1", password: "\$2[aby]\$/);
    }
  });
});

describe("a spoke user from nats-config", () => {
  it("fetches and verifies its own 8 MiB bundle through its object bucket", async () => {
    const fetched = await fetchDesiredState(eu1, { fleet: FLEET, cluster: "eu-1" });
    expect(fetched?.envelope.bundleRef?.bucket).toBe("flotilla-bundles-eu-1");
    const verified = verifyEnvelope({ envelope: fetched?.envelope, hubPublicKey: hubKey.publicKey, fleet: FLEET, cluster: "eu-1", minGeneration: 1 });
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.bundleBytes.length).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    const data = (verified.bundle.apps[0]?.objects[0] as unknown as { data: { blob: string } }).data.blob;
    expect(data === bigPayload).toBe(true);
  });

  it("fetches a small bundle inline, by direct get alone", async () => {
    const ap1 = await connectNats({ servers: nats.url, nkeyFile: join(dir, "ap-1.nk"), name: "spoke-ap-1", ...spokeConnectOptions("ap-1") });
    try {
      const fetched = await fetchDesiredState(ap1, { fleet: FLEET, cluster: "ap-1" });
      expect(fetched?.envelope.bundleRef).toBeUndefined();
      const verified = verifyEnvelope({ envelope: fetched?.envelope, hubPublicKey: hubKey.publicKey, fleet: FLEET, cluster: "ap-1", minGeneration: 0 });
      expect(verified.ok && verified.bundle.apps[0]?.name).toBe("blob");
    } finally {
      await ap1.close();
    }
  });

  it("publishes its own status and hello, but another cluster's status never reaches the hub", async () => {
    const received: string[] = [];
    const sub = hub.subscribe(subjects.allStatus(FLEET));
    const helloSub = hub.subscribe(subjects.hello(FLEET, "eu-1"), { max: 1 });
    await hub.flush();
    const report = (cluster: string) =>
      encodeMessage(signStatusReport({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), apps: [] }, spokeKey));
    eu1.publish(subjects.status(FLEET, "us-1"), report("us-1"));
    eu1.publish(subjects.status(FLEET, "eu-1"), report("eu-1"));
    eu1.publish(subjects.hello(FLEET, "eu-1"), new Uint8Array([1]));
    await eu1.flush();
    for await (const m of sub) {
      received.push(m.subject);
      break; // messages of one connection arrive in order: the first one through is the verdict
    }
    for await (const m of helloSub) received.push(m.subject);
    expect(received).toEqual(["flotilla.prod.status.eu-1", "flotilla.prod.hello.eu-1"]);
    await expectLogged(/Publish Violation.*Subject "flotilla\.prod\.status\.us-1"/);
  });

  it("receives its own notify and may not subscribe to another cluster's", async () => {
    const own = eu1.subscribe(subjects.notify(FLEET, "eu-1"), { max: 1 });
    await eu1.flush();
    hub.publish(subjects.notify(FLEET, "eu-1"), encodeMessage({ hello: 1 }));
    for await (const m of own) expect(m.subject).toBe("flotilla.prod.notify.eu-1");
    const foreign = eu1.subscribe(subjects.notify(FLEET, "us-1"));
    await expectDenied((async () => {
      for await (const _ of foreign) return;
    })());
  });

  it("cannot read another cluster's key, by direct get, MSG.GET or the direct-get body form", async () => {
    const js = jetstream(eu1, { checkAPI: false });
    const kv = await new Kvm(js).open("flotilla-desired", { allow_direct: true });
    await expectDenied(kv.get("us-1"));
    const err = await fetchDesiredState(eu1, { fleet: FLEET, cluster: "us-1" }).catch((e: unknown) => e);
    expect(isProtocolError(err) && err.code).toBe(PROTOCOL_ERROR_CODES.permissionDenied);
    const viaMsgGet = await new Kvm(js).open("flotilla-desired");
    await expectDenied(viaMsgGet.get("eu-1"));
    await expectDenied(eu1.request("$JS.API.DIRECT.GET.KV_flotilla-desired", encodeMessage({ last_by_subj: "$KV.flotilla-desired.us-1" })));
    await expectDenied(eu1.request("$JS.API.STREAM.MSG.GET.KV_flotilla-desired", encodeMessage({ last_by_subj: "$KV.flotilla-desired.us-1" })));
  });

  it("cannot read another cluster's bundle", async () => {
    const js = jetstream(eu1, { checkAPI: false });
    const os = await new Objm(js).open("flotilla-bundles-us-1", false);
    expect(usObject).toMatch(/^sha256-/);
    await expectDenied(os.getBlob(usObject));
  });

  it("cannot list keys, read stream info or account info", async () => {
    const js = jetstream(eu1, { checkAPI: false });
    const kv = await new Kvm(js).open("flotilla-desired", { allow_direct: true });
    await expectDenied((async () => {
      for await (const _ of await kv.keys()) return;
    })());
    await expectDenied(kv.status());
    await expectDenied(jetstreamManager(eu1));
    await expectDenied(eu1.request("$JS.API.STREAM.INFO.KV_flotilla-desired", encodeMessage({ subjects_filter: ">" })));
    await expectDenied(eu1.request("$JS.API.STREAM.NAMES", encodeMessage({})));
    await expectDenied(eu1.request("$JS.API.STREAM.INFO.OBJ_flotilla-bundles-eu-1"));
  });

  it("cannot create consumers the legacy way or delete anything", async () => {
    await expectDenied(eu1.request("$JS.API.CONSUMER.CREATE.KV_flotilla-desired", encodeMessage({ stream_name: "KV_flotilla-desired", config: {} })));
    await expectDenied(eu1.request("$JS.API.CONSUMER.CREATE.OBJ_flotilla-bundles-eu-1", encodeMessage({ stream_name: "OBJ_flotilla-bundles-eu-1", config: {} })));
    await expectDenied(eu1.request("$JS.API.CONSUMER.DURABLE.CREATE.OBJ_flotilla-bundles-eu-1.x", encodeMessage({})));
    await expectDenied(eu1.request("$JS.API.STREAM.DELETE.KV_flotilla-desired"));
    await expectDenied(eu1.request("$JS.API.CONSUMER.DELETE.OBJ_flotilla-bundles-eu-1.x"));
    const os = await new Objm(jetstream(eu1, { checkAPI: false })).open("flotilla-bundles-eu-1", false);
    expect(euObject).toMatch(/^sha256-/);
    await expectDenied(os.delete(euObject));
  });

  it("cannot purge or roll up any bucket; the entries survive the attempts", async () => {
    const js = jetstream(eu1, { checkAPI: false });
    const kv = await new Kvm(js).open("flotilla-desired", { allow_direct: true });
    await expectDenied(kv.purge("us-1"));
    await expectDenied(kv.put("eu-1", "x"));
    await expectDenied(eu1.request("$JS.API.STREAM.PURGE.KV_flotilla-desired", encodeMessage({})));
    await expectDenied(eu1.request("$JS.API.STREAM.PURGE.OBJ_flotilla-bundles-eu-1", encodeMessage({})));
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    rollup.set("KV-Operation", "PURGE");
    eu1.publish("$KV.flotilla-desired.eu-1", new Uint8Array(), { headers: rollup });
    eu1.publish("$KV.flotilla-status.eu-1", new Uint8Array(), { headers: rollup });
    eu1.publish("$O.flotilla-bundles-eu-1.M.x", new Uint8Array(), { headers: rollup });
    await eu1.flush();
    await expectLogged(/Publish Violation.*Subject "\$KV\.flotilla-status\.eu-1"/);
    await expectLogged(/Publish Violation.*Subject "\$O\.flotilla-bundles-eu-1\.M\.x"/);
    expect((await store.published("us-1"))?.generation).toBe(1);
    expect((await store.published("eu-1"))?.generation).toBe(1);
    expect(await fetchDesiredState(eu1, { fleet: FLEET, cluster: "eu-1" })).not.toBeNull();
  });
});
