import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Kvm } from "@nats-io/kv";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSealingCertificate } from "../../crypto/seal.js";
import { decompressBundle, DESIRED_BUCKET, STATUS_BUCKET, verifyEnvelope } from "../../protocol/index.js";
import { runFlotilla } from "../harness/index.js";
import { SPOKE_NAMESPACE, startFleet, type TestFleet } from "./fleet-harness.js";

// Story 2, the security team. A storefront app runs on every cluster. The team seals its payment
// API key for the prod clusters only, straight against the hub's view of the fleet
// (`flotilla seal --fleet --selector env=prod --hub`), keeps a database password in the repo with
// SOPS, rotates prod-eu's sealing key in the cluster (`flotilla keys rotate`), re-seals with
// `flotilla reseal --hub`, and retires the old key. Every plaintext value must then be absent from
// every hub log, KV entry, bundle, API response and dashboard page.

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
spec:
  replicas: 1
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec:
      containers: [{name: storefront, image: "ghcr.io/example/storefront:3.2.0"}]
`;
const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: storefront
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'storefront-{{.name}}'
    spec:
      source: {repoURL: ., path: apps/storefront}
      destination: {name: '{{.name}}', namespace: storefront}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
`;

const PAYMENT_KEY = "sk_live_security_story_4f9a0c2e";
const DB_PASSWORD = "security-story-db-71d3be";
const SEALED_FILE = "apps/storefront/payment-api.sealed.yaml";

let fleet: TestFleet;
let sopsIdentity: string;

async function secretValue(cluster: string, name: string, key: string): Promise<string | undefined> {
  const secret = await fleet.getJson<{ data?: Record<string, string> }>(cluster, "secret", "-n", "storefront", name);
  const value = secret?.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}

async function certFingerprint(cluster: string): Promise<string | undefined> {
  const pem = await fleet.hub().clusterCert(cluster);
  return pem === undefined ? undefined : parseSealingCertificate(pem, { file: cluster }).fingerprint;
}

function sealedEntries(text: string): { cluster: string; keyFingerprint: string }[] {
  return (parse(text) as { spec: { clusters: { cluster: string; keyFingerprint: string }[] } }).spec.clusters.map(({ cluster, keyFingerprint }) => ({ cluster, keyFingerprint }));
}

async function flotillaOk(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const res = await runFlotilla(args, { cwd: fleet.dir, timeoutMs: 60_000 });
  expect(res.code, `flotilla ${args.join(" ")}\n${res.stderr}`).toBe(0);
  return res;
}

beforeAll(async () => {
  sopsIdentity = await generateIdentity();
  const sopsKeySecret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  team.agekey: ${Buffer.from(sopsIdentity).toString("base64")}\n`;
  fleet = await startFleet({
    files: { "apps/storefront/deployment.yaml": DEPLOYMENT, "appsets/storefront.yaml": APPSET },
    preinstall: () => sopsKeySecret,
  });
  await fleet.converged(await fleet.repo.head());
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("security team: secrets only their clusters can open", () => {
  let revision = "";

  it("seals for env=prod against the hub: only the prod clusters get the Secret", async () => {
    const plain = join(fleet.dir, "payment-api.yaml");
    await writeFile(plain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: payment-api\n  namespace: storefront\ntype: Opaque\nstringData:\n  key: ${PAYMENT_KEY}\n`, { mode: 0o600 });
    const out = join(fleet.repo.dir, SEALED_FILE);
    const sealed = await flotillaOk(["seal", "--fleet", "--selector", "env=prod", "--hub", fleet.hubUrl(), "-f", plain, "-o", "yaml", "-w", out]);
    expect(sealed.stdout + sealed.stderr).not.toContain(PAYMENT_KEY);
    const text = await readFile(out, "utf8");
    expect(text).not.toContain(PAYMENT_KEY);
    expect(sealedEntries(text)).toEqual([
      { cluster: "prod-eu", keyFingerprint: await certFingerprint("prod-eu") },
      { cluster: "prod-us", keyFingerprint: await certFingerprint("prod-us") },
    ]);

    revision = await fleet.repo.commit({ [SEALED_FILE]: text }, "seal the payment API key for prod");
    await fleet.converged(revision);
    expect(await secretValue("prod-eu", "payment-api", "key")).toBe(PAYMENT_KEY);
    expect(await secretValue("prod-us", "payment-api", "key")).toBe(PAYMENT_KEY);
    // staging runs the same app, Synced and Healthy, and has no such Secret at all.
    expect(await fleet.getJson("staging", "secret", "-n", "storefront", "payment-api")).toBeUndefined();
    expect(await fleet.getJson("staging", "deployment", "-n", "storefront", "storefront")).toBeDefined();
  });

  it("a SOPS-encrypted Secret in the repo arrives decrypted in every cluster", async () => {
    const plain = join(fleet.dir, "db.yaml");
    await writeFile(plain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: storefront-db\ntype: Opaque\nstringData:\n  password: ${DB_PASSWORD}\n`, { mode: 0o600 });
    const encrypted = await flotillaOk(["sops", "encrypt", "--age", await identityToRecipient(sopsIdentity), "--encrypted-regex", "^(data|stringData)$", "--mac-only-encrypted", plain]);
    expect(encrypted.stdout).not.toContain(DB_PASSWORD);
    expect(encrypted.stdout).toContain("ENC[AES256_GCM,");
    revision = await fleet.repo.commit({ "apps/storefront/db.sops.yaml": encrypted.stdout }, "database password (SOPS)");
    await fleet.converged(revision);
    for (const cluster of ["prod-eu", "prod-us", "staging"]) expect(await secretValue(cluster, "storefront-db", "password"), cluster).toBe(DB_PASSWORD);
  });

  it("rotates prod-eu's key in the cluster, re-seals against the hub, retires the old key, and still converges", async () => {
    const before = await certFingerprint("prod-eu");
    const prodUs = await certFingerprint("prod-us");
    const rotated = await flotillaOk(["keys", "rotate", "--kubeconfig", fleet.kubeconfig("prod-eu"), "-n", SPOKE_NAMESPACE]);
    const newPrint = /new sealing key (SHA256:\S+)/.exec(rotated.stderr)?.[1];
    expect(newPrint).toBeDefined();
    // The spoke picks the new key up by itself and publishes its certificate to the hub.
    await fleet.waitFor("prod-eu's new certificate on the hub", async () => ((await certFingerprint("prod-eu")) === newPrint ? true : undefined), 90_000);
    expect(newPrint).not.toBe(before);

    // Re-seal needs prod-eu's current keys; kubeseal users fetch them the same way.
    const keysFile = join(fleet.dir, "prod-eu-keys.yaml");
    await writeFile(keysFile, await fleet.kubectl("prod-eu", "get", "secret", "-n", SPOKE_NAMESPACE, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key", "-o", "yaml"), { mode: 0o600 });
    const file = join(fleet.repo.dir, SEALED_FILE);
    const resealed = await flotillaOk(["reseal", "--hub", fleet.hubUrl(), "--recovery-private-key", keysFile, file]);
    expect(resealed.stdout + resealed.stderr).not.toContain(PAYMENT_KEY);
    const text = await readFile(file, "utf8");
    expect(sealedEntries(text)).toEqual([
      { cluster: "prod-eu", keyFingerprint: newPrint },
      { cluster: "prod-us", keyFingerprint: prodUs },
    ]);

    // Retire the old key: from now on only the new one can open prod-eu's entry.
    const keys = (JSON.parse(await fleet.kubectl("prod-eu", "get", "secret", "-n", SPOKE_NAMESPACE, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key", "-o", "json")) as { items: { metadata: { name: string; creationTimestamp: string } }[] }).items;
    expect(keys).toHaveLength(2);
    const oldest = [...keys].sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp))[0];
    await fleet.kubectl("prod-eu", "delete", "secret", "-n", SPOKE_NAMESPACE, oldest?.metadata.name ?? "");

    revision = await fleet.repo.commit({ [SEALED_FILE]: text }, "re-seal the payment API key for prod-eu's new key");
    await fleet.converged(revision);
    expect(await secretValue("prod-eu", "payment-api", "key")).toBe(PAYMENT_KEY);
    expect(await secretValue("prod-us", "payment-api", "key")).toBe(PAYMENT_KEY);
    expect(await fleet.getJson("staging", "secret", "-n", "storefront", "payment-api")).toBeUndefined();
  });

  it("no plaintext value in any hub log, KV entry, bundle, API response or dashboard page", async () => {
    const seen: string[] = [fleet.logs("hub"), fleet.logs("nats-server")];

    const paths = ["/", "/rollouts", "/api/v1/clusters", "/api/v1/applications", "/api/v1/rollouts", "/api/v1/sources"];
    for (const c of fleet.clusters) paths.push(`/clusters/${c.name}`, `/api/v1/clusters/${c.name}`, `/api/v1/clusters/${c.name}/cert`);
    for (const path of paths) {
      const res = await fetch(`${fleet.hubUrl()}${path}`);
      expect(res.status, path).toBe(200);
      seen.push(await res.text());
    }

    // Everything the hub stored in JetStream, read with the hub's own credentials and decoded.
    const seed = (await readFile(fleet.nkeyFile("hub"), "utf8")).trim();
    const nc: NatsConnection = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) });
    try {
      const js = jetstream(nc);
      const kvm = new Kvm(js);
      let entries = 0;
      for (const bucket of [DESIRED_BUCKET, STATUS_BUCKET]) {
        const kv = await kvm.open(bucket);
        for await (const key of await kv.keys()) {
          const entry = await kv.get(key);
          if (entry === null) continue;
          entries++;
          seen.push(new TextDecoder().decode(entry.value));
          if (bucket === DESIRED_BUCKET) {
            const verified = verifyEnvelope({ envelope: entry.value, hubPublicKey: [fleet.hubKey()], fleet: "demo", cluster: key, minGeneration: 0 });
            expect(verified.ok, key).toBe(true);
            if (verified.ok) seen.push(JSON.stringify(verified.bundle));
          }
        }
      }
      expect(entries).toBeGreaterThanOrEqual(6);
      const objm = new Objm(js);
      for await (const status of objm.list()) {
        const os = await objm.open(status.bucket);
        for (const info of await os.list()) {
          const blob = await os.getBlob(info.name);
          if (blob !== null) seen.push(new TextDecoder().decode(decompressBundle(blob, 64 * 1024 * 1024)));
        }
      }
    } finally {
      await nc.close();
    }

    const all = seen.join("\n");
    // The sealed ciphertext did reach the hub; its plaintext never did.
    expect(all).toContain("FleetSealedSecret");
    for (const secret of [PAYMENT_KEY, DB_PASSWORD, sopsIdentity, "PRIVATE KEY"]) expect(all).not.toContain(secret);
    // Nor did the spokes ever log one.
    expect(fleet.logs("spoke")).not.toContain(PAYMENT_KEY);
    expect(fleet.logs("spoke")).not.toContain(DB_PASSWORD);
  });
});
