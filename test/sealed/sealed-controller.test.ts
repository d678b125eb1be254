import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/index.js";
import { createKeyRing, generateSealingKey, sealingKeySecret, unsealSealedSecret, type GeneratedSealingKey, type KeyRing } from "../../crypto/open.js";
import { parseSealingCertificate, sealSecret, type SealedSecretManifest, type SecretManifest } from "../../crypto/seal.js";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import { generateSigningKey } from "../../protocol/index.js";
import { Kubectl } from "../devcluster/kubectl.js";
import { CLI_PATH, REPO_ROOT, runFlotilla, startNats, until, type NatsServerHandle } from "../harness/index.js";
import { leaksIn } from "../security/leak-check.js";

// One devcluster holding a Sealed Secrets controller's keys in kube-system, SealedSecrets applied
// with kubectl, and one spoke process run with --sealed-secrets-controller in place of the controller.

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const b64 = (s: string): string => Buffer.from(s).toString("base64");
const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
// Values whose every 4-character piece is unlikely anywhere else (uids, timestamps, base64 noise).
const V = {
  user: "Qzx7%Wvb9#Kpj2",
  password: "Jq8v%Zkx3#Wpf6",
  nsw: "Vx4q%Jz7k#Qwm9",
  cw: "Kz2x%Qv8j#Zpw3",
  token: "Wq7z%Xj5v#Kq4x",
  added: "Zj6q%Vw2x#Jk9z",
  moved: "Xv3j%Kq8z#Wj5q",
} as const;

let cluster: DevCluster;
let nats: NatsServerHandle;
let kubectl: Kubectl;
let spoke: ChildProcess;
let spokeLog = "";
let apiUrl = "";
let dir: string;
let oldKey: GeneratedSealingKey;
let newKey: GeneratedSealingKey;
const sealedFiles: Record<string, SealedSecretManifest> = {};
const before: Record<string, string> = {};

async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl.run(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
async function kjson<T = Record<string, any>>(args: string[]): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any -- kubectl JSON
  return JSON.parse(await k([...args, "-o", "json"])) as T;
}
async function getOrUndefined(kind: string, ns: string, name: string): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any -- kubectl JSON
  const r = await kubectl.run(["get", kind, name, "-n", ns, "-o", "json"]);
  return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined;
}
function synced(ss: Record<string, any> | undefined): string | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any -- kubectl JSON
  return (ss?.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === "Synced")?.status;
}

function keyAt(daysAgo: number): Promise<GeneratedSealingKey> {
  return generateSealingKey({ clock: { ...systemClock, now: () => Date.now() - daysAgo * 86_400_000 }, random, bits: 2048 });
}

function seal(key: GeneratedSealingKey, secret: Omit<SecretManifest, "apiVersion" | "kind">): SealedSecretManifest {
  return sealSecret({ apiVersion: "v1", kind: "Secret", ...secret }, { certificate: parseSealingCertificate(key.certificatePem), random });
}

const secret = (ns: string, name: string, data: Record<string, string>, annotations?: Record<string, string>, labels?: Record<string, string>): object => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: ns, ...(annotations === undefined ? {} : { annotations }), ...(labels === undefined ? {} : { labels }) },
  type: "Opaque",
  data: Object.fromEntries(Object.entries(data).map(([key, v]) => [key, b64(v)])),
});

const PROXY = "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:/proxy";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealed-controller-"));
  [cluster, oldKey, newKey] = await Promise.all([startDevCluster({ name: "sealed-controller" }), keyAt(20), keyAt(2)]);
  kubectl = new Kubectl(cluster.kubeconfigPath);
  await k(["apply", "-f", join(REPO_ROOT, "crds", "sealed-secret.yaml")]);
  await k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: ["team-a", "team-b"].map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })) }));

  // The controller's keys, as it stores them in kube-system.
  const keys = [oldKey, newKey].map((g) => sealingKeySecret(g.key, { namespace: "kube-system" }));
  // Secrets that exist before any SealedSecret: one to take over, one to patch, two that are not ours.
  const existing = [
    secret("team-a", "managed", { stale: "old value" }, { "sealedsecrets.bitnami.com/managed": "true" }),
    secret("team-a", "patched", { keep: "kept value" }, { "sealedsecrets.bitnami.com/patch": "true" }, { keep: "yes" }),
    secret("team-a", "taken", { mine: "not yours" }),
    secret("team-b", "victim", { v: "victim value" }),
  ];
  sealedFiles.db = seal(newKey, {
    metadata: { name: "db", namespace: "team-a", labels: { app: "db" } },
    type: "kubernetes.io/basic-auth",
    data: { username: b64(V.user), password: b64(V.password) },
  });
  sealedFiles.nsw = seal(oldKey, { metadata: { name: "nsw", namespace: "team-a", annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" } }, data: { v: b64(V.nsw) } });
  sealedFiles.cw = seal(newKey, { metadata: { name: "cw", namespace: "team-b", annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } }, data: { v: b64(V.cw) } });
  sealedFiles.managed = seal(newKey, { metadata: { name: "managed", namespace: "team-a" }, data: { token: b64(V.token) } });
  sealedFiles.patched = seal(newKey, { metadata: { name: "patched", namespace: "team-a" }, data: { added: b64(V.added) } });
  sealedFiles.noowner = seal(newKey, { metadata: { name: "noowner", namespace: "team-a", annotations: { "sealedsecrets.bitnami.com/skip-set-owner-references": "true" } }, data: { v: b64("no owner") } });
  sealedFiles.taken = seal(newKey, { metadata: { name: "taken", namespace: "team-a" }, data: { mine: b64("mine now") } });
  // Insiders: a strict secret for team-b/cross applied in team-a; a template naming another Secret.
  const cross = seal(newKey, { metadata: { name: "cross", namespace: "team-b" }, data: { v: b64("cross value") } });
  sealedFiles.cross = { ...cross, metadata: { ...cross.metadata, namespace: "team-a" } };
  const evil = seal(newKey, { metadata: { name: "evil", namespace: "team-a" }, data: { v: b64("evil value") } });
  sealedFiles.evil = { ...evil, spec: { ...evil.spec, template: { ...evil.spec.template, metadata: { name: "victim", namespace: "team-b", annotations: { "sealedsecrets.bitnami.com/managed": "true" } } } } };
  sealedFiles.moved = seal(newKey, { metadata: { name: "moved", namespace: "team-a" }, data: { v: b64(V.moved) } });
  const all = [...keys, ...existing, ...Object.values(sealedFiles)];
  writeFileSync(join(dir, "all.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items: all }));
  await k(["apply", "-f", join(dir, "all.json")]);

  // "moved": unsealed earlier by the Sealed Secrets controller (its Secret, ownerReference and status).
  const moved = await kjson(["get", "sealedsecret", "moved", "-n", "team-a"]);
  const ring = createKeyRing([oldKey.key, newKey.key]);
  const made = unsealSealedSecret(moved as unknown as SealedSecretManifest, ring);
  writeFileSync(join(dir, "moved-secret.json"), JSON.stringify(made));
  await k(["create", "-f", join(dir, "moved-secret.json")]);
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  await k(["patch", "sealedsecret", "moved", "-n", "team-a", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { observedGeneration: 1, conditions: [{ type: "Synced", status: "True", lastUpdateTime: at, lastTransitionTime: at }] } })]);
  for (const [kind, ns, name] of [["secret", "team-a", "moved"], ["sealedsecret", "team-a", "moved"], ["secret", "team-a", "taken"], ["secret", "team-b", "victim"]] as const) {
    before[`${kind}/${name}`] = (await kjson(["get", kind, name, "-n", ns])).metadata.resourceVersion as string;
  }

  nats = await startNats();
  spoke = spawn(
    process.execPath,
    [
      CLI_PATH, "spoke", "--cluster", "c1", "--nats", nats.url, "--hub-key", generateSigningKey().publicKey, "--kubeconfig", cluster.kubeconfigPath,
      "--sealing-key-namespace", "kube-system", "--sealed-secrets-controller", "--listen-addr", "127.0.0.1:0", "--rate-limit", "50", "--rate-limit-burst", "50", "--key-bits", "2048", "--resync-interval", "2s",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  spoke.stdout?.on("data", (c: Buffer) => (spokeLog += c.toString()));
  spoke.stderr?.on("data", (c: Buffer) => (spokeLog += c.toString()));
  apiUrl = await until("the spoke's sealed secrets API", () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*sealed secrets controller API listening/.exec(spokeLog)?.[1], { context: () => spokeLog });
  const port = Number(new URL(apiUrl).port);
  // What a Deployment's pod would be: the Service kubeseal looks for, and its endpoint.
  writeFileSync(
    join(dir, "service.json"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Service", metadata: { name: "sealed-secrets-controller", namespace: "kube-system" }, spec: { ports: [{ name: "http", port: 8080, targetPort: 8080 }] } },
        { apiVersion: "v1", kind: "Endpoints", metadata: { name: "sealed-secrets-controller", namespace: "kube-system" }, subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "http", port }] }] },
      ],
    }),
  );
  await k(["apply", "-f", join(dir, "service.json")]);
  for (const name of ["db", "nsw", "managed", "patched", "noowner", "moved"]) {
    await until(`SealedSecret team-a/${name} processed`, async () => ((await getOrUndefined("sealedsecret", "team-a", name))?.status?.observedGeneration === 1 ? true : undefined), { context: () => spokeLog });
  }
  await until("SealedSecret team-b/cw processed", async () => (synced(await getOrUndefined("sealedsecret", "team-b", "cw")) === "True" ? true : undefined), { context: () => spokeLog });
}, 180_000);

afterAll(async () => {
  if (spoke !== undefined && spoke.exitCode === null) {
    const exited = new Promise((r) => spoke.once("exit", r));
    spoke.kill("SIGTERM");
    await exited;
  }
  await nats?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the spoke as the Sealed Secrets controller", () => {
  it("unseals SealedSecrets applied with kubectl: data, type, labels, ownerReference, managed and patch rules, Synced=True", async () => {
    const db = await kjson(["get", "secret", "db", "-n", "team-a"]);
    const ssDb = await kjson(["get", "sealedsecret", "db", "-n", "team-a"]);
    expect(unb64(db.data.password as string)).toBe(V.password);
    expect(unb64(db.data.username as string)).toBe(V.user);
    expect(db.type).toBe("kubernetes.io/basic-auth");
    expect(db.metadata.labels).toEqual({ app: "db" });
    expect(db.metadata.ownerReferences).toEqual([{ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "db", uid: ssDb.metadata.uid, controller: true }]);
    // Namespace-wide (sealed with the older key) and cluster-wide scopes.
    expect(unb64((await kjson(["get", "secret", "nsw", "-n", "team-a"])).data.v as string)).toBe(V.nsw);
    expect(unb64((await kjson(["get", "secret", "cw", "-n", "team-b"])).data.v as string)).toBe(V.cw);
    // managed: taken over, replaced, owned.
    const managed = await kjson(["get", "secret", "managed", "-n", "team-a"]);
    expect(Object.keys(managed.data as object)).toEqual(["token"]);
    expect(unb64(managed.data.token as string)).toBe(V.token);
    expect(managed.metadata.ownerReferences).toHaveLength(1);
    // patch: merged into, its own label and key kept, no ownerReference (not managed).
    const patched = await kjson(["get", "secret", "patched", "-n", "team-a"]);
    expect(unb64(patched.data.keep as string)).toBe("kept value");
    expect(unb64(patched.data.added as string)).toBe(V.added);
    expect(patched.metadata.labels).toEqual({ keep: "yes" });
    expect(patched.metadata.ownerReferences).toBeUndefined();
    expect((await kjson(["get", "secret", "noowner", "-n", "team-a"])).metadata.ownerReferences).toBeUndefined();

    const list = await kjson<{ items: Array<Record<string, any>> }>(["get", "sealedsecrets", "-A"]); // eslint-disable-line @typescript-eslint/no-explicit-any -- kubectl JSON
    const byName = new Map(list.items.map((i) => [i.metadata.name as string, i]));
    for (const name of ["db", "nsw", "cw", "managed", "patched", "noowner", "moved"]) {
      expect(synced(byName.get(name)), name).toBe("True");
      expect(byName.get(name)?.status.observedGeneration, name).toBe(1);
    }
    const table = await k(["get", "sealedsecrets", "-n", "team-a"]);
    expect(table).toMatch(/^NAME\s+STATUS\s+SYNCED\s+AGE/);
    expect(table).toMatch(/\ndb\s+True\s/);
  });

  it("a cluster moved from the controller: its Secret and SealedSecret are not written again, resync after resync; a deleted Secret comes back", async () => {
    // A deleted Secret is put back by the resync, as the controller does. Twice: after the second,
    // the whole first resync (every SealedSecret, "moved" included) has been through the queue.
    for (let i = 0; i < 2; i++) {
      await k(["delete", "secret", "managed", "-n", "team-a"]);
      const back = await until("managed put back", () => getOrUndefined("secret", "team-a", "managed"), { context: () => spokeLog });
      expect(unb64(back.data.token as string)).toBe(V.token);
    }
    expect((await kjson(["get", "secret", "moved", "-n", "team-a"])).metadata.resourceVersion).toBe(before["secret/moved"]);
    expect((await kjson(["get", "sealedsecret", "moved", "-n", "team-a"])).metadata.resourceVersion).toBe(before["sealedsecret/moved"]);
  });

  it("insiders: a strict secret for another namespace, a template naming another Secret, an unmanaged Secret are refused", async () => {
    const cross = await until("cross refused", async () => {
      const ss = await getOrUndefined("sealedsecret", "team-a", "cross");
      return synced(ss) === "False" ? ss : undefined;
    });
    expect(cross?.status.conditions[0].message).toMatch(/no key could decrypt secret \(item "v"\)/);
    expect(await getOrUndefined("secret", "team-a", "cross")).toBeUndefined();

    const taken = await until("taken refused", async () => {
      const ss = await getOrUndefined("sealedsecret", "team-a", "taken");
      return synced(ss) === "False" ? ss : undefined;
    });
    expect(taken?.status.conditions[0]).toMatchObject({ reason: "ErrUpdateFailed", message: 'failed update: Resource "taken" already exists and is not managed by SealedSecret' });
    const takenSecret = await kjson(["get", "secret", "taken", "-n", "team-a"]);
    expect(takenSecret.metadata.resourceVersion).toBe(before["secret/taken"]);
    expect(unb64(takenSecret.data.mine as string)).toBe("not yours");

    // The template's name and namespace are ignored: the Secret is team-a/evil, team-b/victim is untouched.
    const evil = await until("evil unsealed", () => getOrUndefined("secret", "team-a", "evil"));
    expect(unb64(evil.data.v as string)).toBe("evil value");
    expect((await kjson(["get", "secret", "victim", "-n", "team-b"])).metadata.resourceVersion).toBe(before["secret/victim"]);
    const events = await k(["get", "events", "-n", "team-a", "--field-selector", "involvedObject.name=taken", "-o", "json"]);
    expect(events).toMatch(/"reason": "ErrUpdateFailed"/);
  });

  it("a tampered SealedSecret: Synced=False with the controller's reason, an Event, the Secret unchanged, no value anywhere", async () => {
    const rv = (await kjson(["get", "secret", "db", "-n", "team-a"])).metadata.resourceVersion as string;
    const ct = Buffer.from(sealedFiles.db.spec.encryptedData.password, "base64");
    ct[ct.length - 5] ^= 0x01; // inside the AES-GCM part
    await k(["patch", "sealedsecret", "db", "-n", "team-a", "--type=merge", "-p", JSON.stringify({ spec: { encryptedData: { password: ct.toString("base64") } } })]);
    const ss = await until("db Synced=False", async () => {
      const o = await getOrUndefined("sealedsecret", "team-a", "db");
      return synced(o) === "False" ? o : undefined;
    }, { context: () => spokeLog });
    expect(ss?.status.observedGeneration).toBe(2);
    expect(ss?.status.conditions[0]).toMatchObject({ type: "Synced", status: "False", reason: "ErrUnsealFailed" });
    expect(ss?.status.conditions[0].message).toMatch(/password/);
    const events = await until("the ErrUnsealFailed event", async () => {
      const text = await k(["get", "events", "-n", "team-a", "--field-selector", "involvedObject.name=db", "-o", "json"]);
      return text.includes('"reason": "ErrUnsealFailed"') ? text : undefined;
    });
    expect(events).toMatch(/"message": "Failed to unseal: item \\"password\\": integrity check failed/);
    expect((await kjson(["get", "secret", "db", "-n", "team-a"])).metadata.resourceVersion).toBe(rv);
    const table = await k(["get", "sealedsecrets", "-n", "team-a"]);
    expect(table).toMatch(/\ndb\s+.*False\s/);
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/sealed_secrets_controller_condition_info\{namespace="team-a",name="db",condition="Synced",instance=""\} -1/);
    expect(metrics).toMatch(/sealed_secrets_controller_unseal_errors_total\{reason="unseal",namespace="team-a"\} [1-9]/);
    expect(metrics).toMatch(/sealed_secrets_controller_unseal_requests_total [1-9]/);
    const shown = [spokeLog, events, JSON.stringify(ss), await k(["get", "sealedsecrets", "-A", "-o", "yaml"]), await k(["get", "events", "-A", "-o", "yaml"]), metrics].join("\n");
    for (const value of Object.values(V)) expect(leaksIn(shown, value), value).toEqual([]);
  });

  it("serves kubeseal's API through the service proxy: cert.pem, verify, rotate; bad bodies get clear errors", async () => {
    expect((await k(["get", "--raw", `${PROXY}/v1/cert.pem`])).trim()).toBe(newKey.certificatePem.trim());
    expect(await k(["get", "--raw", `${PROXY}/healthz`])).toBe("ok\n");
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(sealedFiles.cw));
    expect((await kubectl.run(["create", "--raw", `${PROXY}/v1/verify`, "-f", good])).code).toBe(0);
    const tampered = structuredClone(sealedFiles.cw);
    const ct = Buffer.from(tampered.spec.encryptedData.v, "base64");
    ct[ct.length - 3] ^= 0x01;
    tampered.spec.encryptedData.v = ct.toString("base64");
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(tampered));
    const rejected = await kubectl.run(["create", "--raw", `${PROXY}/v1/verify`, "-f", join(dir, "tampered.json")]);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/AlreadyExists|Conflict/); // kubectl names a 409 without a Status body so

    // Rotate: the SealedSecret sealed with the older key comes back sealed with the newest only.
    writeFileSync(join(dir, "nsw-old.json"), JSON.stringify(sealedFiles.nsw));
    const rotated = JSON.parse(await k(["create", "--raw", `${PROXY}/v1/rotate`, "-f", join(dir, "nsw-old.json")])) as SealedSecretManifest;
    const onlyNew: KeyRing = createKeyRing([newKey.key]);
    const onlyOld: KeyRing = createKeyRing([oldKey.key]);
    expect(unb64(unsealSealedSecret(rotated, onlyNew).data?.v ?? "")).toBe(V.nsw);
    expect(() => unsealSealedSecret(rotated, onlyOld)).toThrow(/no key could decrypt/);

    // Malformed and oversized bodies, through the proxy and straight to the listener.
    writeFileSync(join(dir, "junk.txt"), "{ not: [valid");
    const junk = await kubectl.run(["create", "--raw", `${PROXY}/v1/rotate`, "-f", join(dir, "junk.txt")]);
    expect(junk.code).not.toBe(0);
    const direct = await fetch(`${apiUrl}/v1/verify`, { method: "POST", body: "{ not: [valid", headers: { "content-type": "application/json" } });
    expect(direct.status).toBe(400);
    expect(await direct.text()).toMatch(/not valid YAML or JSON/);
    const wrongKind = await fetch(`${apiUrl}/v1/rotate`, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } }) });
    expect(wrongKind.status).toBe(400);
    expect(await wrongKind.text()).toMatch(/unexpected resource type: v1, Kind=Secret/);
    const two = await fetch(`${apiUrl}/v1/verify`, { method: "POST", body: `${JSON.stringify(sealedFiles.cw)}\n---\n${JSON.stringify(sealedFiles.cw)}` });
    expect(two.status).toBe(400);
    const big = await fetch(`${apiUrl}/v1/rotate`, { method: "POST", body: "x".repeat(3 * 1024 * 1024), headers: { "content-type": "application/json" } });
    expect(big.status).toBe(413);
    expect(await big.text()).toMatch(/request body too large/);
    const tooOld = await fetch(`${apiUrl}/v1/rotate`, { method: "POST", body: JSON.stringify(tampered) });
    expect(tooOld.status).toBe(409);
  });

  it("flotilla seal takes the certificate from the cluster, validates and re-encrypts server side, as kubeseal", async () => {
    const kc = ["--kubeconfig", cluster.kubeconfigPath];
    const cert = await runFlotilla(["seal", "--fetch-cert", ...kc]);
    expect(cert.code, cert.stderr).toBe(0);
    expect(cert.stdout.trim()).toBe(newKey.certificatePem.trim());
    // One file, the good one first: the error names the second, so the first was accepted.
    writeFileSync(join(dir, "both.yaml"), `${JSON.stringify(sealedFiles.cw)}\n---\n${JSON.stringify({ ...sealedFiles.taken, spec: { ...sealedFiles.taken.spec, encryptedData: { mine: Buffer.from(randomBytes(300)).toString("base64") } } })}\n`);
    const bad = await runFlotilla(["seal", "--validate", "-f", join(dir, "both.yaml"), ...kc]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unable to decrypt sealed secret: taken/);
    expect(bad.stdout).toBe("");
    const wrongName = await runFlotilla(["seal", "--fetch-cert", ...kc, "--controller-name", "nope"]);
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr).toMatch(/cannot get sealed secret service kube-system\/nope.*--controller-name and --controller-namespace/);
    const re = await runFlotilla(["seal", "--re-encrypt", "-f", join(dir, "nsw-old.json"), "-o", "yaml", ...kc]);
    expect(re.code, re.stderr).toBe(0);
    expect(re.stdout).toMatch(/kind: SealedSecret/);
    // Sealing with no --cert uses the controller's certificate; the spoke unseals what it made.
    writeFileSync(join(dir, "fresh.yaml"), `apiVersion: v1\nkind: Secret\nmetadata:\n  name: fresh\n  namespace: team-b\ndata:\n  v: ${b64("fresh value")}\n`);
    const sealed = await runFlotilla(["seal", "-f", join(dir, "fresh.yaml"), "-w", join(dir, "fresh-sealed.json"), ...kc]);
    expect(sealed.code, sealed.stderr).toBe(0);
    await k(["apply", "-f", join(dir, "fresh-sealed.json")]);
    const fresh = await until("fresh unsealed", () => getOrUndefined("secret", "team-b", "fresh"));
    expect(unb64(fresh.data.v as string)).toBe("fresh value");
  });

  it("leaves SealedSecrets that come in the spoke's bundle (labelled with its app label) to the reconcile pass", async () => {
    const bundled = seal(newKey, { metadata: { name: "bundled", namespace: "team-b" }, data: { v: b64("bundled") } });
    const after = seal(newKey, { metadata: { name: "after", namespace: "team-b" }, data: { v: b64("after") } });
    const items = [{ ...bundled, metadata: { ...bundled.metadata, labels: { "flotilla.dev/app": "shop" } } }, after];
    await k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    // Watch events come in order: once "after" is unsealed, "bundled" was seen and skipped.
    await until("after unsealed", () => getOrUndefined("secret", "team-b", "after"));
    expect(await getOrUndefined("secret", "team-b", "bundled")).toBeUndefined();
    expect((await kjson(["get", "sealedsecret", "bundled", "-n", "team-b"])).status).toBeUndefined();
  });

  it("deleting a SealedSecret deletes its Secret, unless ownerReferences were skipped", async () => {
    await k(["delete", "sealedsecret", "noowner", "-n", "team-a"]);
    await k(["delete", "sealedsecret", "nsw", "-n", "team-a"]);
    await until("nsw's Secret collected", async () => ((await getOrUndefined("secret", "team-a", "nsw")) === undefined ? true : undefined));
    expect(await getOrUndefined("secret", "team-a", "noowner")).toBeDefined();
    expect(leaksIn(spokeLog, V.nsw)).toEqual([]);

  });
});
