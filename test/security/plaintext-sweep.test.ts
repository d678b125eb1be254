import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPlaintextLeaks, freePort, runFlotilla } from "../harness/index.js";
import { clustersAppSet, SPOKE_NAMESPACE, startFleet, type FleetClusterSpec, type TestFleet } from "../e2e/fleet-harness.js";
import { everythingShown } from "./leak-check.js";

// The suite-wide leak check. A fleet runs real processes with every kind of secret we handle: a
// FleetSealedSecret sealed against the hub, a SOPS Secret, and then what a hostile Git writer
// commits to make a spoke say a value out loud (templates that fail with the value, a SOPS file
// without its MAC, a file for a key no cluster holds). Afterwards every place a value could
// surface outside a Secret's data is read: each process's log, every hub API response and
// dashboard page, both /metrics, every KV entry and bundle, Kubernetes events and the metadata
// and status of every object in the clusters. No value may appear there in any form.

const CLUSTERS: readonly FleetClusterSpec[] = [
  { name: "prod-eu", labels: { env: "prod", sweep: "yes" } },
  { name: "staging", labels: { env: "staging", sweep: "yes" } },
];

const VALUES = {
  sealed: "sweep-sealed-value-5c1e9a77",
  sops: "sweep-sops-value-0b3d6f12",
  templated: "sweep-templated-value-9e4a21c8",
  nomac: "sweep-nomac-value-7f2b88d0",
  foreignSops: "sweep-foreign-value-3a9c0e55",
} as const;


const CONFIGMAP = (ns: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  mode: safe\n`;

// What a Git writer puts in spec.template.data: the seal does not cover it.
const LEAKY_TEMPLATES = [
  '{{ printf "%x" .key | fail }}',
  "{{ upper .key | fail }}",
  "{{ fail (cat (substr 0 6 .key) (substr 6 99 .key)) }}",
  "{{ b64enc .key | required (b64enc .key) | fail }}",
  '{{ index (dict "a" 1) .key }}',
  "{{ .key | fromJson | toJson }}{{ fail (toString (fromYaml .key)) }}",
  '{{ regexMatch .key "x" | fail }}{{ atoi .key | fail }}',
] as const;

let fleet: TestFleet;
let sopsIdentity: string;
const metricsPorts = new Map<string, number>();

async function flotillaOk(args: string[]): Promise<string> {
  const res = await runFlotilla(args, { cwd: fleet.dir, timeoutMs: 60_000 });
  expect(res.code, `flotilla ${args.join(" ")}\n${res.stderr}`).toBe(0);
  return res.stdout;
}

async function sopsEncrypt(name: string, ns: string, value: string, recipient: string, dropMac = false): Promise<string> {
  const plain = join(fleet.dir, `${name}.yaml`);
  await writeFile(plain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  password: ${value}\n`, { mode: 0o600 });
  const out = await flotillaOk(["sops", "encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", plain]);
  return dropMac ? out.replace(/^ {2}mac: .*\n/m, "") : out;
}

async function sealForFleet(name: string, ns: string, value: string): Promise<string> {
  const plain = join(fleet.dir, `${name}.yaml`);
  await writeFile(plain, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  key: ${value}\n`, { mode: 0o600 });
  return flotillaOk(["seal", "--fleet", "--selector", "sweep=yes", "--hub", fleet.hubUrl(), "-f", plain, "-o", "yaml"]);
}

beforeAll(async () => {
  sopsIdentity = await generateIdentity();
  for (const c of CLUSTERS) metricsPorts.set(c.name, await freePort());
  fleet = await startFleet({
    clusters: CLUSTERS,
    files: { "appsets/vault.yaml": clustersAppSet("vault"), "apps/vault/settings.yaml": CONFIGMAP("vault") },
    preinstall: () => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  team.agekey: ${Buffer.from(sopsIdentity).toString("base64")}\n`,
    spokeFlags: (cluster) => ["--metrics-addr", `127.0.0.1:${String(metricsPorts.get(cluster) ?? 0)}`],
  });
  await fleet.converged(await fleet.repo.head());
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

interface AppRow {
  readonly name: string;
  readonly cluster: string;
  readonly revision: string | null;
  readonly sync: string;
  readonly health: string;
  readonly error?: { readonly code: string; readonly message: string };
}

async function applications(): Promise<AppRow[]> {
  const res = await fetch(`${fleet.hubUrl()}/api/v1/applications`);
  return ((await res.json()) as { items: AppRow[] }).items;
}

/** Every object of the kinds a spoke touches, with Secret data removed: where a value may legitimately be. */
async function clusterObjectsWithoutSecretData(cluster: string): Promise<string> {
  const kinds = ["secrets", "sealedsecrets", "fleetsealedsecrets", "configmaps", "events"];
  const parts: string[] = [];
  for (const kind of kinds) {
    let list: { items: Record<string, unknown>[] } | undefined;
    try {
      list = await fleet.getJson<{ items: Record<string, unknown>[] }>(cluster, kind, "-A");
    } catch (err) {
      // A cluster without the SealedSecret CRDs has no such objects to sweep.
      if (/doesn't have a resource type/.test(String((err as { stderr?: string }).stderr ?? err))) continue;
      throw err;
    }
    for (const item of list?.items ?? []) {
      const { data: _data, stringData: _stringData, ...rest } = item;
      // A Secret's data is where values belong; every other field of it (names, labels,
      // annotations, type) and every other object is swept. The one exception is the SOPS key
      // Secret this test applied by hand with kubectl: kubectl keeps a copy of it in an annotation.
      const meta = rest.metadata as { name?: string; namespace?: string } | undefined;
      if (item.kind === "Secret" && meta?.namespace === SPOKE_NAMESPACE && meta.name === "flotilla-sops-keys") continue;
      parts.push(JSON.stringify(item.kind === "Secret" ? rest : item));
    }
  }
  return parts.join("\n");
}

describe("no secret value, in any form, anywhere but a Secret's data", { timeout: 240_000 }, () => {
  it("a sealed and a SOPS secret arrive in every cluster", async () => {
    const recipient = await identityToRecipient(sopsIdentity);
    const good = {
      "apps/vault/sealed.yaml": await sealForFleet("sealed", "vault", VALUES.sealed),
      "apps/vault/sops.yaml": await sopsEncrypt("sops", "vault", VALUES.sops, recipient),
    };
    const revision = await fleet.repo.commit(good, "sealed and SOPS secrets");
    await fleet.converged(revision);
    for (const c of CLUSTERS) {
      const secret = await fleet.getJson<{ data: Record<string, string> }>(c.name, "secret", "-n", "vault", "sealed");
      expect(Buffer.from(secret?.data.key ?? "", "base64").toString()).toBe(VALUES.sealed);
      const sops = await fleet.getJson<{ data: Record<string, string> }>(c.name, "secret", "-n", "vault", "sops");
      expect(Buffer.from(sops?.data.password ?? "", "base64").toString()).toBe(VALUES.sops);
    }
  });

  it("a hostile Git writer's secrets fail with codes on every cluster; the good app stays Synced/Healthy", async () => {
    const recipient = await identityToRecipient(sopsIdentity);
    const foreignRecipient = await identityToRecipient(await generateIdentity());

    // The hostile Git writer: one app holding every trick, beside the good one.
    const hostile: Record<string, string> = {
      "appsets/hostile.yaml": clustersAppSet("hostile"),
      "apps/hostile/nomac.yaml": await sopsEncrypt("nomac", "hostile", VALUES.nomac, recipient, true),
      "apps/hostile/foreign.yaml": await sopsEncrypt("foreign", "hostile", VALUES.foreignSops, foreignRecipient),
    };
    const sealedText = await sealForFleet("templated", "hostile", VALUES.templated);
    LEAKY_TEMPLATES.forEach((template, i) => {
      const doc = parse(sealedText) as { metadata: { name: string }; spec: { template?: { metadata?: { name?: string }; data?: Record<string, string> } } };
      doc.metadata.name = `templated-${String(i)}`;
      doc.spec.template = { ...doc.spec.template, metadata: { ...doc.spec.template?.metadata, name: `templated-${String(i)}` }, data: { leak: template } };
      hostile[`apps/hostile/templated-${String(i)}.yaml`] = stringify(doc);
    });
    const hostileRevision = await fleet.repo.commit(hostile, "a Git writer tries to make the spokes talk");

    // Each cluster reports the hostile app failed, with a code; the good app stays Synced/Healthy.
    await fleet.waitFor("the hostile app reported failed on every cluster", async () => {
      const apps = await applications();
      const hostileApps = apps.filter((a) => a.name.startsWith("hostile-") && a.revision === hostileRevision && a.error !== undefined);
      return hostileApps.length === CLUSTERS.length ? hostileApps : undefined;
    }, 90_000);
    const apps = await applications();
    for (const a of apps.filter((x) => x.name.startsWith("hostile-"))) {
      expect(a.health, a.name).not.toBe("Healthy");
      expect(a.error?.code, a.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
    for (const a of apps.filter((x) => x.name.startsWith("vault-"))) expect([a.name, a.sync, a.health]).toEqual([a.name, "Synced", "Healthy"]);
    for (const c of CLUSTERS) {
      // Nothing of the hostile app's secrets was applied as it is.
      const nomac = await fleet.getJson<{ data?: Record<string, string>; stringData?: Record<string, string> }>(c.name, "secret", "-n", "hostile", "nomac");
      expect(JSON.stringify(nomac ?? {})).not.toContain("ENC[");
    }
  });

  it("no value, nor its hex, base64 or upper-case form, in any log, API response, page, metric, KV entry, bundle, event or object metadata", async () => {
    const spokeMetrics = new Map([...metricsPorts].map(([cluster, port]) => [cluster, `http://127.0.0.1:${String(port)}/metrics`]));
    const shown = await everythingShown(fleet, { spokeMetrics });
    // Small bundles travel inside the KV entry itself; both are read.
    expect(Object.keys(shown).filter((where) => where.startsWith("KV flotilla-desired/")).length).toBe(CLUSTERS.length);
    const seen = Object.values(shown);
    for (const c of CLUSTERS) seen.push(await clusterObjectsWithoutSecretData(c.name));
    const all = seen.join("\n");
    // The sweep read what it meant to: the hostile app's failure and the sealed ciphertexts.
    expect(all).toContain("hostile-");
    expect(all).toContain("FleetSealedSecret");
    expect(findPlaintextLeaks(all, { ...VALUES, sopsIdentity })).toEqual([]);
  });
});
