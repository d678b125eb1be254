import { randomBytes } from "node:crypto";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSopsText } from "../../crypto/sops/index.js";
import { SPOKE_NAMESPACE, startFleet, type TestFleet } from "../e2e/fleet-harness.js";
import { everythingShown, leaksAnywhere } from "./leak-check.js";

// Attack: a Git writer without the SOPS key edits an encrypted Secret so that the spoke skips
// decryption and applies the ciphertext as it is (it used to: deleting sops.mac was enough, and the
// app showed Healthy). Each variant is its own app on a real spoke; an intact file is the control.

const PASSWORD = "Xw~Lq^Tz|Nc!Hd~Pv^Rb|";
const RULES = { encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: true };

type Sops = Record<string, unknown> & { sops?: Record<string, unknown> };
const TAMPER: Record<string, (doc: Sops) => void> = {
  "mac-deleted": (doc) => delete doc.sops?.mac,
  "mac-emptied": (doc) => {
    if (doc.sops !== undefined) doc.sops.mac = "";
  },
  "sops-deleted": (doc) => delete doc.sops,
  "rules-skip": (doc) => {
    if (doc.sops !== undefined) doc.sops.encrypted_regex = "^nothing$";
  },
};

const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: sops
spec:
  generators:
  - list:
      elements:
${[...Object.keys(TAMPER), "control"].map((a) => `      - {variant: ${a}}`).join("\n")}
  template:
    metadata:
      name: 'sops-{{.variant}}'
    spec:
      source: {repoURL: ., path: 'apps/sops/{{.variant}}'}
      destination: {name: victim, namespace: 'sops-{{.variant}}'}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
`;

let fleet: TestFleet;
let recipient: string;

async function encrypted(): Promise<string> {
  const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: "${PASSWORD}"\n`;
  return encryptSopsText(secret, {
    format: "yaml",
    keyGroups: [[{ type: "age", recipient }]],
    rules: RULES,
    random: (n) => new Uint8Array(randomBytes(n)),
    clock: { now: () => Date.now() },
  });
}

function tampered(text: string, how: (doc: Sops) => void): string {
  const doc = parse(text) as Sops;
  how(doc);
  return stringify(doc);
}

async function password(namespace: string): Promise<string | undefined> {
  const secret = await fleet.getJson<{ data?: Record<string, string> }>("victim", "secret", "-n", namespace, "db");
  const value = secret?.data?.password;
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}

beforeAll(async () => {
  const identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  const keySecret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  team.agekey: ${Buffer.from(identity).toString("base64")}\n`;
  fleet = await startFleet({ clusters: [{ name: "victim", labels: { env: "prod" } }], files: { "apps/placeholder/README.md": "x\n" }, preinstall: () => keySecret });
  const files: Record<string, string> = { "appsets/sops.yaml": APPSET, "apps/sops/control/db.sops.yaml": await encrypted() };
  for (const [variant, how] of Object.entries(TAMPER)) files[`apps/sops/${variant}/db.sops.yaml`] = tampered(await encrypted(), how);
  await fleet.repo.commit(files, "a Git writer strips the MAC");
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a SOPS Secret without its MAC is never applied as it is", () => {
  it("each tampered file fails with a clear code, its app is not Healthy, and its Secret never exists", async () => {
    const expected: Record<string, string> = {
      "mac-deleted": "SOPS_MAC_MISMATCH",
      "mac-emptied": "SOPS_MAC_MISMATCH",
      "sops-deleted": "SOPS_METADATA_NOT_FOUND",
      "rules-skip": "SOPS_MAC_MISMATCH",
    };
    const apps = await fleet.waitFor("every tampered app failed and the control app Healthy", async () => {
      const [cluster] = await fleet.hub().clusters();
      const apps = cluster?.apps.filter((a) => a.name.startsWith("sops-")) ?? [];
      const failed = apps.filter((a) => a.error !== undefined);
      return failed.length === Object.keys(TAMPER).length && apps.find((a) => a.name === "sops-control")?.health === "Healthy" ? apps : undefined;
    }, 90_000);
    for (const [variant, code] of Object.entries(expected)) {
      const app = apps.find((a) => a.name === `sops-${variant}`);
      expect(app?.error?.code, variant).toBe("SPOKE_DECRYPT_FAILED");
      expect(app?.error?.message, variant).toMatch(new RegExp(`^Secret/(sops-${variant}/)?db: ${code}: `));
      expect(app?.health, variant).not.toBe("Healthy");
      expect(await fleet.getJson("victim", "secret", "-n", `sops-${variant}`, "db"), variant).toBeUndefined();
    }
    expect(await password("sops-control")).toBe(PASSWORD);
  });

  it("removing the MAC from a file already applied keeps the decrypted Secret, never the ciphertext", async () => {
    const path = "apps/sops/control/db.sops.yaml";
    const revision = await fleet.repo.commit({ [path]: tampered(await encrypted(), TAMPER["mac-deleted"] ?? (() => undefined)) }, "strip the MAC of the control");
    const app = await fleet.waitFor("the control app reports the missing MAC", async () => {
      const [cluster] = await fleet.hub().clusters();
      const control = cluster?.apps.find((a) => a.name === "sops-control");
      return control?.revision === revision && control.error !== undefined ? control : undefined;
    }, 90_000);
    expect(app.error?.message).toContain("SOPS_MAC_MISMATCH");
    expect(app.health).not.toBe("Healthy");
    expect(await password("sops-control")).toBe(PASSWORD);
  });

  it("no ciphertext in the cluster, and no form of the password in reports, API, dashboard, KV or logs", async () => {
    const secrets = await fleet.kubectl("victim", "get", "secrets", "-A", "-o", "json");
    expect(secrets).not.toContain("ENC[AES256_GCM");
    expect(leaksAnywhere(await everythingShown(fleet), PASSWORD)).toEqual({});
  });
});
