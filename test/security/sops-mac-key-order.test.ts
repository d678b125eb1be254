import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runFlotilla } from "../harness/index.js";
import { clustersAppSet, SPOKE_NAMESPACE, startFleet, type FleetClusterSpec, type TestFleet } from "../e2e/fleet-harness.js";

// sops' MAC is a SHA-512 over a file's values in document order. The hub re-encodes every manifest
// into the bundle it signs; if that encoding (or the spoke's decoding) sorted keys, any SOPS file
// whose keys are not already alphabetical, with the MAC over all values (sops' default), would
// never open on a spoke. Real processes: nats-server, the hub, a spoke and its devcluster; the files
// are made with `flotilla sops encrypt` the way a user commits them. Then the attacks on the MAC:
// a covered value changed, and keys reordered, after encryption: both must still fail.

const CLUSTERS: readonly FleetClusterSpec[] = [{ name: "prod-eu", labels: { env: "prod" } }];
const CLUSTER = "prod-eu";

const VALUES = {
  password: "order-password-4f1c0b2e",
  token: "order-token-8d27a913",
  zeta: "order-zeta-31be77c0",
  alpha: "order-alpha-c5e0a64d",
} as const;

/** The Flux-style Secret of the bug report: `type` before `stringData`, `password` before `api-token`. */
const fluxStyle = (name: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: vault\n  labels:\n    team: payments\ntype: Opaque\nstringData:\n  password: ${VALUES.password}\n  api-token: ${VALUES.token}\n`;

/** Every mapping reversed: `stringData` before `metadata`, `namespace` before `name`, `kind` before `apiVersion`. */
const reversedOrder = (name: string): string =>
  `stringData:\n  zeta: ${VALUES.zeta}\n  alpha: ${VALUES.alpha}\ntype: Opaque\nmetadata:\n  namespace: vault\n  name: ${name}\nkind: Secret\napiVersion: v1\n`;


let fleet: TestFleet;
let sopsIdentity: string;
let recipient: string;

async function flotillaOk(args: string[]): Promise<string> {
  const res = await runFlotilla(args, { cwd: fleet.dir, timeoutMs: 60_000 });
  expect(res.code, `flotilla ${args.join(" ")}\n${res.stderr}`).toBe(0);
  return res.stdout;
}

async function sopsEncrypt(file: string, text: string, macOnlyEncrypted = false): Promise<string> {
  const plain = join(fleet.dir, file);
  await writeFile(plain, text, { mode: 0o600 });
  return flotillaOk(["sops", "encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", ...(macOnlyEncrypted ? ["--mac-only-encrypted"] : []), plain]);
}

async function secretData(name: string): Promise<Record<string, string> | undefined> {
  const secret = await fleet.getJson<{ data?: Record<string, string> }>(CLUSTER, "secret", "-n", "vault", name);
  if (secret === undefined) return undefined;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
}

interface AppRow {
  readonly name: string;
  readonly revision: string | null;
  readonly sync: string;
  readonly health: string;
  readonly error?: { readonly code: string; readonly message: string };
}

async function applications(): Promise<AppRow[]> {
  const res = await fetch(`${fleet.hubUrl()}/api/v1/applications`);
  return ((await res.json()) as { items: AppRow[] }).items;
}

beforeAll(async () => {
  sopsIdentity = await generateIdentity();
  recipient = await identityToRecipient(sopsIdentity);
  fleet = await startFleet({
    clusters: CLUSTERS,
    files: { "appsets/vault.yaml": clustersAppSet("vault", { namespace: "vault" }) },
    preinstall: () => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  team.agekey: ${Buffer.from(sopsIdentity).toString("base64")}\n`,
  });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("SOPS files keep their MAC from the fleet repository to the spoke", { timeout: 240_000 }, () => {
  let revision = "";

  it("the hub delivers SOPS Secrets in any key order, MAC over all values or not, and the spoke opens and applies each", async () => {
    const files = {
      "apps/vault/flux.yaml": await sopsEncrypt("flux.yaml", fluxStyle("flux")),
      "apps/vault/mac-only.yaml": await sopsEncrypt("mac-only.yaml", fluxStyle("mac-only"), true),
      "apps/vault/reversed.yaml": await sopsEncrypt("reversed.yaml", reversedOrder("reversed")),
    };
    // The committed files really are in these orders (the encryptor keeps the document's).
    expect(Object.keys(parse(files["apps/vault/flux.yaml"]) as object)).toEqual(["apiVersion", "kind", "metadata", "type", "stringData", "sops"]);
    expect(Object.keys(parse(files["apps/vault/reversed.yaml"]) as object)).toEqual(["stringData", "type", "metadata", "kind", "apiVersion", "sops"]);
    expect(files["apps/vault/flux.yaml"]).not.toMatch(/mac_only_encrypted/);
    expect(files["apps/vault/mac-only.yaml"]).toMatch(/mac_only_encrypted: true/);
    revision = await fleet.repo.commit(files, "SOPS Secrets in document order");
    await fleet.converged(revision);

    expect(await secretData("flux")).toEqual({ password: VALUES.password, "api-token": VALUES.token });
    expect(await secretData("mac-only")).toEqual({ password: VALUES.password, "api-token": VALUES.token });
    expect(await secretData("reversed")).toEqual({ zeta: VALUES.zeta, alpha: VALUES.alpha });
    const flux = await fleet.getJson<{ type: string; metadata: { labels: Record<string, string> } }>(CLUSTER, "secret", "-n", "vault", "flux");
    expect([flux?.type, flux?.metadata.labels.team]).toEqual(["Opaque", "payments"]);
  });

  it("flotilla bootstrap, from the same commit with no hub, opens the same Secrets; the spoke then agrees with the hub", async () => {
    await fleet.stopSpoke(CLUSTER);
    await fleet.deleteDevcluster(CLUSTER);
    await fleet.startDevcluster(CLUSTER);
    expect(await secretData("flux")).toBeUndefined();
    const out = await flotillaOk(["bootstrap", "--repo", fleet.repo.dir, "--cluster", CLUSTER, "--kubeconfig", fleet.kubeconfig(CLUSTER), "--namespace", SPOKE_NAMESPACE]);
    expect(out).toMatch(new RegExp(`^bootstrapped ${CLUSTER} at ${revision}: 1 apps, `));
    expect(await secretData("flux")).toEqual({ password: VALUES.password, "api-token": VALUES.token });
    expect(await secretData("reversed")).toEqual({ zeta: VALUES.zeta, alpha: VALUES.alpha });
    await fleet.startSpoke(CLUSTER);
    await fleet.converged(revision);
    expect(await secretData("mac-only")).toEqual({ password: VALUES.password, "api-token": VALUES.token });
  });

  it("a value covered by the MAC changed after encryption, or keys reordered after encryption, still fail the MAC on the spoke", async () => {
    await fleet.repo.commit({ "appsets/relabelled.yaml": clustersAppSet("relabelled", { namespace: "vault" }), "appsets/reordered.yaml": clustersAppSet("reordered", { namespace: "vault" }) }, "two more apps");
    // A Git writer moves the Secret to another team: an unencrypted value, covered by the MAC.
    const relabelled = (await sopsEncrypt("relabelled.yaml", fluxStyle("relabelled"))).replace("team: payments", "team: attacker");
    // A Git writer (or a formatter) sorts the keys of a committed file: sops itself rejects that.
    const doc = parse(await sopsEncrypt("reordered.yaml", fluxStyle("reordered"))) as Record<string, unknown> & { stringData: Record<string, string> };
    const sorted = { ...Object.fromEntries(Object.entries(doc).sort(([a], [b]) => a.localeCompare(b))), stringData: Object.fromEntries(Object.entries(doc.stringData).sort()) };
    const hostile = await fleet.repo.commit({ "apps/relabelled/secret.yaml": relabelled, "apps/reordered/secret.yaml": stringify(sorted) }, "tampered SOPS files");

    const failed = await fleet.waitFor("both tampered apps reported failed", async () => {
      const rows = (await applications()).filter((a) => /^(relabelled|reordered)-/.test(a.name) && a.revision === hostile && a.error !== undefined);
      return rows.length === 2 ? rows : undefined;
    }, 90_000);
    for (const row of failed) {
      expect(row.error?.code, row.name).toBe("SPOKE_DECRYPT_FAILED");
      expect(row.error?.message, row.name).toContain("SOPS_MAC_MISMATCH");
      expect(row.sync, JSON.stringify(row)).not.toBe("Synced");
    }
    expect(await secretData("relabelled")).toBeUndefined();
    expect(await secretData("reordered")).toBeUndefined();
    // The good app is untouched, and no value was said out loud anywhere the hub shows.
    const vault = (await applications()).find((a) => a.name === `vault-${CLUSTER}`);
    expect([vault?.sync, vault?.health]).toEqual(["Synced", "Healthy"]);
    const seen = [fleet.logs("hub"), fleet.logs("spoke"), JSON.stringify(await applications())].join("\n");
    for (const value of [...Object.values(VALUES), sopsIdentity]) expect(seen).not.toContain(value);
  });
});
