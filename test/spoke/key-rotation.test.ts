import { X509Certificate, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, systemClock, type Logger } from "../../core/index.js";
import { generateSealingKey, sealingKeySecret } from "../../crypto/open.js";
import { parseSealingCertificate, sealSecret, type SecretManifest } from "../../crypto/seal.js";
import type { DevCluster } from "../../devcluster/index.js";
import { startHub, type HubConfig, type RunningHub } from "../../hub/index.js";
import { encodeMessage, generateSigningKey, signHello, subjects } from "../../protocol/index.js";
import { parseSpokeConfig, startSpoke, type SpokeAgent } from "../../spoke/index.js";
import { makeGitRepo, runFlotilla, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { kubectl, kubectlJson } from "../kube/kube-fixtures.js";
import { shopAppSet } from "./fleet-repo-fixture.js";
import { clusterWithCrds, eventually, kubeFor, SPOKE_NS } from "./spoke-fixtures.js";

// Security and disaster-recovery stories (issue 10) with a real nats-server, an in-process hub, an
// in-process spoke on a devcluster and the built CLI: rotating the sealing key in the cluster
// reaches the hub and the spoke without a restart, and the hub keeps the spoke's age-encrypted key
// backup for `flotilla keys backup --hub` / `flotilla keys restore`.

const FLEET = "prod";
const PLAINTEXT = "rotated-secret-plaintext-5521";
const PRIVATE_KEY_B64 = Buffer.from("-----BEGIN RSA PRIVATE KEY").toString("base64").slice(0, 32);

const fleetFiles = {
  "clusters/eu-1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: eu-1\n  labels:\n    env: prod\n",
  "clusters/us-1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: us-1\n  labels:\n    env: staging\n",
  "appsets/shop.yaml": shopAppSet("shop"),
  "apps/shop/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-settings\ndata:\n  mode: safe\n",
};

let nats: NatsServerHandle;
let cluster: DevCluster;
let repo: GitRepo;
let dir: string;
let hubConfig: HubConfig;
let hub: RunningHub;
let agent: SpokeAgent | undefined;
let recovery: { identity: string; recipient: string };
const hubLogs: string[] = [];
const spokeLogs: string[] = [];
const answers: string[] = [];

const at = (name: string): string => join(dir, name);
const capture = (lines: string[]): Logger => createLogger({ level: "debug", destination: { write: (line: string) => lines.push(line) } });

async function get(path: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${hub.url}${path}`);
  const text = await res.text();
  answers.push(text);
  return { status: res.status, text, type: res.headers.get("content-type") };
}

async function hubCert(): Promise<string | undefined> {
  const res = await get("/api/v1/clusters/eu-1/cert");
  return res.status === 200 ? res.text : undefined;
}

function secretFor(name: string, certificatePem: string): string {
  const secret: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, type: "Opaque", stringData: { password: PLAINTEXT } };
  const sealed = sealSecret(secret, { certificate: parseSealingCertificate(certificatePem), random: (n) => new Uint8Array(randomBytes(n)) });
  return stringify(sealed);
}

async function appliedPassword(name: string): Promise<string | undefined> {
  const secret = await kubectlJson(cluster.kubeconfigPath, ["get", "secret", name, "-n", "shop"]).catch(() => undefined);
  const b64 = (secret?.data as Record<string, string> | undefined)?.password;
  return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
}

async function clusterFingerprints(): Promise<string[]> {
  const ring = await agent?.runtime.custody.sealingRing();
  return (ring?.keys ?? []).map((k) => k.fingerprint).sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "key-rotation-"));
  const identity = await generateIdentity();
  recovery = { identity, recipient: await identityToRecipient(identity) };
  writeFileSync(at("recovery.agekey"), `# recovery identity\n${identity}\n`);
  nats = await startNats();
  cluster = await clusterWithCrds("key-rotation");
  repo = await makeGitRepo(fleetFiles);
  hubConfig = {
    fleet: FLEET,
    nats: { servers: nats.url },
    signingKeyFile: at("hub.pem"),
    repos: [{ url: repo.dir }],
    listen: { host: "127.0.0.1", port: 0 },
    pollIntervalMs: 0,
  };
  hub = await startHub(hubConfig, { clock: systemClock, logger: capture(hubLogs) });
  await hub.service.refresh();
  const config = parseSpokeConfig({
    fleet: FLEET,
    cluster: "eu-1",
    natsUrl: [nats.url],
    hubKeys: [hub.publicKey],
    cacheFile: at("envelope.json"),
    checkIntervalMs: 300,
    heartbeatSeconds: 1,
    resyncIntervalMs: 0,
    keyBits: 2048,
    rotateEveryMs: 0,
    recoveryRecipients: [recovery.recipient],
    connectBackoffMaxMs: 1000,
  });
  agent = await startSpoke({ config, client: kubeFor(cluster), clock: systemClock, logger: capture(spokeLogs), spokeVersion: "test" });
  await agent.connected();
});

afterAll(async () => {
  await agent?.stop();
  await hub?.close();
  await nats?.stop();
  await cluster?.stop();
  await repo?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("sealing key rotation on a running spoke", () => {
  it("`flotilla keys rotate --kubeconfig` reaches the hub's cert endpoint, and a secret sealed to the new cert is applied", async () => {
    const first = await eventually(hubCert, 20_000, "the spoke's first certificate on the hub");
    const firstPrint = parseSealingCertificate(first).fingerprint;
    // Certificates carry NotBefore to the second and the newest key seals: be past the first key's second.
    const notBefore = Date.parse(new X509Certificate(first).validFrom);
    while (Math.floor(Date.now() / 1000) * 1000 <= notBefore) await new Promise((r) => setTimeout(r, 100));

    const rotated = await runFlotilla(["keys", "rotate", "--kubeconfig", cluster.kubeconfigPath, "-n", SPOKE_NS, "--bits", "2048", "--cert-out", at("new.crt")]);
    expect(rotated.stderr).toMatch(/^new sealing key SHA256:\S+ in flotilla-system; 1 older key\(s\) kept for opening\n$/);
    expect(rotated.code).toBe(0);
    const newPrint = /new sealing key (\S+) in/.exec(rotated.stderr)?.[1] ?? "";
    expect(newPrint).not.toBe(firstPrint);
    expect(parseSealingCertificate(readFileSync(at("new.crt"), "utf8")).fingerprint).toBe(newPrint);

    // No restart: the spoke re-lists its keys within the check interval and says Hello again.
    const served = await eventually(async () => {
      const cert = await hubCert();
      return cert !== undefined && parseSealingCertificate(cert).fingerprint === newPrint ? cert : undefined;
    }, 20_000, "the new certificate on the hub");
    expect(await clusterFingerprints()).toEqual([firstPrint, newPrint].sort());

    await repo.commit({ "apps/shop/db.yaml": secretFor("db", served) });
    await hub.service.refresh();
    expect(await eventually(() => appliedPassword("db"), 30_000, "the Secret sealed to the new cert")).toBe(PLAINTEXT);
  });

  it("a key restored into the cluster opens a secret that failed to decrypt before", async () => {
    // Sealed to a key the cluster does not hold (yet): the app stalls on decryption.
    const lost = await generateSealingKey({ clock: { now: () => Date.now() - 24 * 3600_000, sleep: (ms, signal) => systemClock.sleep(ms, signal) }, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
    await repo.commit({ "apps/shop/old.yaml": secretFor("old", lost.certificatePem) });
    await hub.service.refresh();
    await eventually(async () => {
      const apps = JSON.parse((await get("/api/v1/applications?cluster=eu-1")).text) as { items: { error?: { code: string } }[] };
      return apps.items.some((a) => a.error?.code === "SPOKE_DECRYPT_FAILED") ? true : undefined;
    }, 30_000, "the decryption failure on the hub");
    expect(await appliedPassword("old")).toBeUndefined();

    // Restoring the old key (as `flotilla keys restore | kubectl apply -f -` does) needs no restart.
    await kubectl(cluster.kubeconfigPath, ["apply", "-f", "-"], JSON.stringify(sealingKeySecret(lost.key, { namespace: SPOKE_NS })));
    expect(await eventually(() => appliedPassword("old"), 30_000, "the Secret opened by the restored key")).toBe(PLAINTEXT);
    expect(await appliedPassword("db")).toBe(PLAINTEXT);
  });
});

describe("the hub keeps the spoke's key backup", () => {
  it("serves the age-armored backup, which `flotilla keys backup --hub` fetches and `keys restore` opens to the cluster's keys", async () => {
    const prints = await clusterFingerprints();
    expect(prints).toHaveLength(3);
    // The backup is refreshed with every key change; wait for the one holding all three keys.
    const restored = await eventually(async () => {
      const fetched = await runFlotilla(["keys", "backup", "--cluster", "eu-1", "-w", at("eu-1.age")], { env: { FLOTILLA_HUB: hub.url } });
      if (fetched.code !== 0) throw new Error(fetched.stderr);
      const opened = await runFlotilla(["keys", "restore", "--identity", at("recovery.agekey"), "-f", at("eu-1.age")]);
      if (opened.code !== 0) throw new Error(opened.stderr);
      const got = /restored \d+ key\(s\): (.*)\n/.exec(opened.stderr)?.[1]?.split(", ").sort();
      return JSON.stringify(got) === JSON.stringify(prints) ? { fetched, opened } : undefined;
    }, 30_000, "a backup holding every key");
    expect(restored.fetched.stderr).toMatch(/^key backup of cluster eu-1 \(sent \S+Z\); open it with flotilla keys restore --identity FILE\n$/);
    const armored = readFileSync(at("eu-1.age"), "utf8");
    expect(armored).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    expect(restored.opened.stdout).toMatch(/kind: List/);

    const direct = await get("/api/v1/clusters/eu-1/key-backup");
    expect(direct.status).toBe(200);
    expect(direct.type).toMatch(/^text\/plain/);
    expect(direct.text).toBe(armored);
    const view = JSON.parse((await get("/api/v1/clusters/eu-1")).text) as { hasKeyBackup: boolean; hasSealingCert: boolean };
    expect(view).toMatchObject({ hasKeyBackup: true, hasSealingCert: true });
  });

  it("records a Hello's unusable key backup as an error and keeps none", async () => {
    // us-1 has no spoke: this test speaks for it with a signed Hello, as a spoke would.
    const key = generateSigningKey();
    const nc: NatsConnection = await connect({ servers: nats.url });
    try {
      const hello = (keyBackup: string): Uint8Array =>
        encodeMessage(signHello({ fleet: FLEET, cluster: "us-1", sentAt: new Date().toISOString(), spokeVersion: "test", keyBackup }, key));
      nc.publish(subjects.hello(FLEET, "us-1"), hello("-----BEGIN RSA PRIVATE KEY-----\nnot a backup\n-----END RSA PRIVATE KEY-----\n"));
      await nc.flush();
      const errors = await eventually(async () => {
        const view = JSON.parse((await get("/api/v1/clusters/us-1")).text) as { errors: { code: string; message: string }[] };
        return view.errors.length > 0 ? view.errors : undefined;
      }, 10_000, "the rejected backup recorded");
      expect(errors).toEqual([{ code: "KEY_BACKUP_REJECTED", message: "key backup is not an armored age file; not kept" }]);

      const big = `-----BEGIN AGE ENCRYPTED FILE-----\n${"A".repeat(400 * 1024)}\n-----END AGE ENCRYPTED FILE-----\n`;
      nc.publish(subjects.hello(FLEET, "us-1"), hello(big));
      await nc.flush();
      await eventually(async () => {
        const view = JSON.parse((await get("/api/v1/clusters/us-1")).text) as { errors: { code: string; message: string }[] };
        return view.errors.some((e) => e.message.includes("exceeds")) ? true : undefined;
      }, 10_000, "the oversized backup recorded");
    } finally {
      await nc.close();
    }
    const none = await get("/api/v1/clusters/us-1/key-backup");
    expect(none.status).toBe(404);
    expect(JSON.parse(none.text)).toMatchObject({ error: { code: "KEY_BACKUP_NOT_FOUND" } });
    const missing = await runFlotilla(["keys", "backup", "--hub", hub.url, "--cluster", "us-1"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^error\[KEY_BACKUP_NOT_FOUND\]: --cluster: cluster us-1 has not sent a key backup/);
  });

  it("still serves the backup after a hub restart (kept in its status bucket)", async () => {
    const before = (await get("/api/v1/clusters/eu-1/key-backup")).text;
    // No spoke to say Hello again: what the restarted hub serves comes from its status bucket.
    await agent?.stop();
    agent = undefined;
    await hub.close();
    hub = await startHub(hubConfig, { clock: systemClock, logger: capture(hubLogs) });
    const after = await get("/api/v1/clusters/eu-1/key-backup");
    expect(after.status).toBe(200);
    expect(after.text).toBe(before);
  });

  it("never shows private key material or the plaintext in API answers or logs", async () => {
    for (const path of ["/api/v1/clusters", "/api/v1/clusters/eu-1", "/api/v1/applications", "/api/v1/clusters/eu-1/cert", "/api/v1/clusters/eu-1/key-backup"]) await get(path);
    expect(hubLogs.length).toBeGreaterThan(0);
    expect(spokeLogs.some((l) => l.includes("sealing keys changed"))).toBe(true);
    // us-1's rejected Hello carried a PEM header on purpose; the hub kept none of it.
    const everything = [...answers, ...hubLogs, ...spokeLogs].join("\n");
    expect(everything).not.toContain("PRIVATE KEY");
    expect(everything).not.toContain(PRIVATE_KEY_B64);
    expect(everything).not.toContain(PLAINTEXT);
    expect(everything).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
  });
});

describe("flotilla keys: error cases", () => {
  it("rotate wants exactly one of -f and --kubeconfig", async () => {
    const both = await runFlotilla(["keys", "rotate", "-f", at("keys.yaml"), "--kubeconfig", cluster.kubeconfigPath]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/^error\[INVALID_FLAG\]: --file: give exactly one of -f FILE \(a key List\) or --kubeconfig FILE/);
    const neither = await runFlotilla(["keys", "rotate"]);
    expect(neither.stderr).toMatch(/^error\[INVALID_FLAG\]/);
    const wrongContext = await runFlotilla(["keys", "rotate", "--kubeconfig", cluster.kubeconfigPath, "--context", "nope"]);
    expect(wrongContext.stderr).toMatch(/^error\[INVALID_FLAG\]: \S+: --context: the kubeconfig has no context "nope"/);
    const wrongNamespace = await runFlotilla(["keys", "rotate", "--kubeconfig", cluster.kubeconfigPath, "-n", "default", "--bits", "2048"]);
    expect(wrongNamespace.stderr).toMatch(/^error\[SPOKE_KEYS_FAILED\]: --namespace: no sealing key Secret in namespace default/);
    for (const r of [both, neither, wrongContext, wrongNamespace]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("backup --cluster names an unknown cluster with a clear code", async () => {
    const unknown = await runFlotilla(["keys", "backup", "--hub", hub.url, "--cluster", "nowhere"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toBe('error[CLUSTER_NOT_FOUND]: --cluster: the hub knows no cluster "nowhere"\n');
    const mixed = await runFlotilla(["keys", "backup", "--cluster", "eu-1", "-r", recovery.recipient]);
    expect(mixed.stderr).toMatch(/^error\[INVALID_FLAG\]/);
  });
});
