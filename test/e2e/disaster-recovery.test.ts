import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFlotilla } from "../harness/index.js";
import { SPOKE_NAMESPACE, startFleet, type TestFleet } from "./fleet-harness.js";

// Story 3, disaster recovery. prod-eu runs an app with a Deployment, a ConfigMap, a SOPS Secret and
// a FleetSealedSecret sealed to prod-eu's own key. The cluster is then lost for good (its
// devcluster process, which kept everything in memory, is stopped) and the hub is down too. A new
// empty cluster is rebuilt with `flotilla bootstrap` from the fleet repo and the key backup the hub
// kept, and must hold the same objects and Secrets; when the hub comes back the rebuilt spoke joins
// it without writing a single managed object again.

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ledger
spec:
  replicas: 2
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec:
      containers:
      - name: ledger
        image: ghcr.io/example/ledger:1.4.0
        envFrom: [{secretRef: {name: ledger-db}}, {secretRef: {name: ledger-api}}]
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ledger-config
data:
  currency: EUR
  region: eu-west-1
`;
const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ledger
spec:
  generators:
  - clusters:
      selector:
        matchLabels: {env: prod}
  template:
    metadata:
      name: 'ledger-{{.name}}'
    spec:
      source: {repoURL: ., path: apps/ledger}
      destination: {name: '{{.name}}', namespace: ledger}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
`;

/** Plaintext values: they may appear in the clusters' Secrets and nowhere else. */
const DB_PASSWORD = "dr-story-db-password-5b1f0c";
const API_TOKEN = "dr-story-api-token-9e22aa";

let fleet: TestFleet;
let sopsIdentity: string;
let recoveryIdentity: string;
let revision: string;

/** The managed objects of a cluster as a user compares them: content only, no server bookkeeping. */
async function managedObjects(cluster: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const kind of ["namespaces", "configmaps", "secrets", "deployments"]) {
    const list = (await fleet.getJson<{ items: Record<string, unknown>[] }>(cluster, kind, "-A", "-l", "flotilla.dev/app")) ?? { items: [] };
    for (const item of list.items) {
      const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, generation: _g, managedFields: _m, ...metadata } = item.metadata as Record<string, unknown>;
      out.push({ apiVersion: item.apiVersion, kind: item.kind, metadata, spec: item.spec, data: item.data, type: item.type });
    }
  }
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function secretData(cluster: string, name: string): Promise<Record<string, string>> {
  const secret = await fleet.getJson<{ data: Record<string, string> }>(cluster, "secret", "-n", "ledger", name);
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${name} not in ${url}`);
  return Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  sopsIdentity = await generateIdentity();
  recoveryIdentity = await generateIdentity();
  const recoveryRecipient = await identityToRecipient(recoveryIdentity);
  const sopsKeySecret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  ops.agekey: ${Buffer.from(sopsIdentity).toString("base64")}\n`;
  fleet = await startFleet({
    files: { "apps/ledger/deployment.yaml": DEPLOYMENT, "apps/ledger/configmap.yaml": CONFIGMAP, "appsets/ledger.yaml": APPSET },
    // Every spoke keeps an age-encrypted backup of its sealing keys on the hub, for this recipient.
    spokeFlags: () => ["--recovery-recipient", recoveryRecipient],
    // The platform team's SOPS key, restored from their vault like any cluster bootstrap secret.
    preinstall: () => sopsKeySecret,
  });

  // The security team adds a SOPS Secret and a Secret sealed to each prod cluster's own key.
  const plain = join(fleet.dir, "db.yaml");
  await writeFile(plain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ledger-db\ntype: Opaque\nstringData:\n  password: ${DB_PASSWORD}\n`, { mode: 0o600 });
  const sops = await runFlotilla(["sops", "encrypt", "--age", await identityToRecipient(sopsIdentity), "--encrypted-regex", "^(data|stringData)$", "--mac-only-encrypted", plain]);
  expect(sops.code, sops.stderr).toBe(0);
  const certs: string[] = [];
  for (const cluster of ["prod-eu", "prod-us"]) {
    const pem = await fleet.waitFor(`${cluster}'s sealing certificate`, () => fleet.hub().clusterCert(cluster));
    await writeFile(join(fleet.dir, `${cluster}.pem`), pem);
    certs.push("--cert", `${cluster}=${join(fleet.dir, `${cluster}.pem`)}`);
  }
  const apiPlain = join(fleet.dir, "api.yaml");
  await writeFile(apiPlain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ledger-api\n  namespace: ledger\ntype: Opaque\nstringData:\n  token: ${API_TOKEN}\n`, { mode: 0o600 });
  const sealed = await runFlotilla(["seal", "--fleet", ...certs, "-f", apiPlain, "-o", "yaml"]);
  expect(sealed.code, sealed.stderr).toBe(0);
  revision = await fleet.repo.commit({ "apps/ledger/db.sops.yaml": sops.stdout, "apps/ledger/api.sealed.yaml": sealed.stdout }, "ledger secrets");
  await fleet.converged(revision);
}, 400_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("disaster recovery: a lost cluster rebuilt from Git and the key backup", () => {
  let before: unknown[];
  let certBefore: string;
  const backupFile = (): string => join(fleet.dir, "prod-eu-keys.age");

  it("prod-eu runs the app with both Secrets decrypted, and the hub holds its key backup", async () => {
    expect(await secretData("prod-eu", "ledger-db")).toEqual({ password: DB_PASSWORD });
    expect(await secretData("prod-eu", "ledger-api")).toEqual({ token: API_TOKEN });
    before = await managedObjects("prod-eu");
    expect(before.map((o) => `${(o as { kind: string }).kind}/${(o as { metadata: { name: string } }).metadata.name}`)).toEqual(
      expect.arrayContaining(["ConfigMap/ledger-config", "Deployment/ledger", "Secret/ledger-db", "Secret/ledger-api"]),
    );
    certBefore = (await fleet.hub().clusterCert("prod-eu")) ?? "";
    expect(certBefore).toContain("BEGIN CERTIFICATE");

    // The runbook's first step, done ahead of any disaster: keep the hub's copy of the backup offline.
    const fetched = await runFlotilla(["keys", "backup", "--hub", fleet.hubUrl(), "--cluster", "prod-eu", "-w", backupFile()]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const backup = await readFile(backupFile(), "utf8");
    expect(backup).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----/);
    expect(backup).not.toContain("PRIVATE KEY");
  });

  it("the cluster and the hub are lost", async () => {
    await fleet.stopSpoke("prod-eu");
    await fleet.deleteDevcluster("prod-eu");
    await fleet.stopHub();
    await fleet.startDevcluster("prod-eu");
    // A brand-new cluster: nothing of the app, no sealing key.
    expect(await fleet.getJson("prod-eu", "namespace", "ledger")).toBeUndefined();
    const keys = await fleet.getJson<{ items: unknown[] }>("prod-eu", "secrets", "-n", SPOKE_NAMESPACE, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key");
    expect(keys?.items).toEqual([]);
  });

  let metricsUrl = "";

  it("flotilla bootstrap rebuilds the same objects and Secrets from Git, with no hub running", async () => {
    const identityFile = join(fleet.dir, "recovery.agekey");
    await writeFile(identityFile, `${recoveryIdentity}\n`, { mode: 0o600 });
    // One command: restore the keys, converge from Git, then keep running as the cluster's spoke.
    const child = await fleet.startProcess(
      "bootstrap prod-eu",
      [
        "bootstrap",
        "--repo",
        fleet.repo.dir,
        "--cluster",
        "prod-eu",
        "--kubeconfig",
        fleet.kubeconfig("prod-eu"),
        "--namespace",
        SPOKE_NAMESPACE,
        "--restore-keys",
        backupFile(),
        "--recovery-identity",
        identityFile,
        "--then-join",
        fleet.natsUrl,
        "--fleet",
        "demo",
        "--hub-key",
        fleet.hubKey(),
        "--nkey",
        fleet.nkeyFile("prod-eu"),
        "--metrics-addr",
        "127.0.0.1:0",
        "--heartbeat",
        "5s",
        "--check-interval",
        "5s",
      ],
      /"msg":"spoke started"/,
    );
    const output = fleet.logs("bootstrap prod-eu");
    expect(output).toMatch(new RegExp(`bootstrapped prod-eu at ${revision}: 1 apps, \\d+ created, 0 configured, \\d+ unchanged, 0 deleted, 1 keys restored`));
    metricsUrl = `${/"metrics":"(http[^"]+)"/.exec(child.readyLine ?? "")?.[1] ?? ""}`;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    expect(await managedObjects("prod-eu")).toEqual(before);
    expect(await fleet.getJson("prod-eu", "namespace", "ledger")).toBeDefined();
    expect(await secretData("prod-eu", "ledger-db")).toEqual({ password: DB_PASSWORD });
    expect(await secretData("prod-eu", "ledger-api")).toEqual({ token: API_TOKEN });
    for (const secret of [DB_PASSWORD, API_TOKEN, recoveryIdentity, "PRIVATE KEY"]) expect(output).not.toContain(secret);
  });

  it("then joins the hub when it is back, with zero re-applies", async () => {
    await fleet.startHub();
    const [prodEu] = await fleet.converged(revision, ["prod-eu"]);
    expect(prodEu?.applied?.revision).toBe(revision);
    // The restored key is the one the fleet sealed to: the hub sees the same certificate again.
    expect(await fleet.hub().clusterCert("prod-eu")).toBe(certBefore);
    // Joining applied nothing: passes ran, and no object went through server-side apply or prune.
    expect(await metric(metricsUrl, 'flotilla_spoke_reconcile_passes_total{outcome="done"}')).toBeGreaterThan(0);
    // The spoke now enforces the hub's signed state (its generation), found identical to what Git gave it.
    expect(await metric(metricsUrl, "flotilla_spoke_desired_generation")).toBe(prodEu?.desired?.generation);
    // Not even a no-op apply: the hub's bundle has the same digests as the state rendered from Git.
    for (const action of ["created", "configured", "unchanged", "deleted"]) expect(await metric(metricsUrl, `flotilla_spoke_object_changes_total{action="${action}"}`), action).toBe(0);
    expect(await managedObjects("prod-eu")).toEqual(before);
  });

  it("no plaintext value reached the hub's logs or its API", async () => {
    const api = await Promise.all(["/api/v1/clusters", "/api/v1/clusters/prod-eu", "/api/v1/applications"].map(async (p) => (await fetch(`${fleet.hubUrl()}${p}`)).text()));
    const seen = [fleet.logs("hub"), ...api].join("\n");
    for (const secret of [DB_PASSWORD, API_TOKEN, "PRIVATE KEY"]) expect(seen).not.toContain(secret);
  });
});
