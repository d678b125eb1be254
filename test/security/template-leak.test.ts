import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatManifest, parseSealingCertificate, sealSecret, type SealingCertificate } from "../../crypto/seal.js";
import { startFleet, type TestFleet } from "../e2e/fleet-harness.js";
import { REPO_ROOT } from "../harness/index.js";
import { everythingShown, leaksAnywhere } from "./leak-check.js";

// Attack: spec.template of a SealedSecret is not covered by the seal, so anyone who can push to the
// fleet repository can rewrite it. A template whose execution fails with text computed from the
// decrypted value would carry that value into the spoke's report, the hub's API and dashboard, the
// status KV bucket and the logs. Each app below holds one such SealedSecret, sealed (at test time,
// by our own code) for the real spoke's key; one more app holds a benign template as a control.

// Characters that logs, digests and signatures do not contain in runs of four, so a substring
// match is a real leak and not a coincidence.
const VALUE = "Qz~Kp^Wx|Jm!Vb~Rt^Yq|Hs";

const ATTACKS: Record<string, string> = {
  hex: '{{ printf "%x" .password | fail }}',
  upper: "{{ upper .password | fail }}",
  split: "{{ fail (cat (substr 0 6 .password) (substr 6 99 .password)) }}",
  required: '{{ required (printf "missing %s" .password) .nothing }}',
  json: "{{ mustFromJson .password }}",
  regex: '{{ mustRegexMatch (cat "(" .password) "x" }}',
  multiline: "user=app\n{{- if true }}\n  pw={{ b64enc .password | fail }}{{ end }}",
};

const APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: leak
spec:
  generators:
  - list:
      elements:
${[...Object.keys(ATTACKS), "control"].map((a) => `      - {attack: ${a}}`).join("\n")}
  template:
    metadata:
      name: 'leak-{{.attack}}'
    spec:
      source: {repoURL: ., path: 'apps/leak/{{.attack}}'}
      destination: {name: victim, namespace: 'leak-{{.attack}}'}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
`;

let fleet: TestFleet;

function sealed(certificate: SealingCertificate, namespace: string, template: string): string {
  const secret = { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "db", namespace }, stringData: { password: VALUE } };
  const manifest = sealSecret(secret, { certificate, random: (n) => new Uint8Array(randomBytes(n)) });
  return formatManifest({ ...manifest, spec: { ...manifest.spec, template: { ...manifest.spec.template, data: { dsn: template } } } }, "yaml");
}

beforeAll(async () => {
  // The SealedSecret CRD, as deploy/ installs it, so the control SealedSecret is applied beside its Secret.
  const crd = await readFile(join(REPO_ROOT, "crds", "sealed-secret.yaml"), "utf8");
  fleet = await startFleet({ clusters: [{ name: "victim", labels: { env: "prod" } }], files: { "apps/placeholder/README.md": "x\n" }, preinstall: () => crd });
  const pem = await fleet.waitFor("the victim's sealing certificate on the hub", () => fleet.hub().clusterCert("victim"));
  const certificate = parseSealingCertificate(pem, { file: "victim" });
  const files: Record<string, string> = { "appsets/leak.yaml": APPSET };
  for (const [attack, template] of Object.entries(ATTACKS)) files[`apps/leak/${attack}/db.sealed.yaml`] = sealed(certificate, `leak-${attack}`, template);
  files["apps/leak/control/db.sealed.yaml"] = sealed(certificate, "leak-control", "postgres://app:{{ .password }}@db");
  await fleet.repo.commit(files, "a Git writer rewrites spec.template.data");
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a Git writer's spec.template.data cannot carry a sealed value out", () => {
  it("each failing template is reported with a stable code, its key and a position; nothing is applied", async () => {
    let last: unknown;
    const apps = await fleet
      .waitFor(
        "every attack app reported as failed, the control app Healthy",
        async () => {
          const [cluster] = await fleet.hub().clusters();
          const leak = cluster?.apps.filter((a) => a.name.startsWith("leak-")) ?? [];
          last = cluster;
          const failed = leak.filter((a) => a.error !== undefined);
          const control = leak.find((a) => a.name === "leak-control");
          return failed.length === Object.keys(ATTACKS).length && control?.health === "Healthy" ? leak : undefined;
        },
        90_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\nhub view: ${JSON.stringify(last, null, 1)}`);
      });
    for (const attack of Object.keys(ATTACKS)) {
      const app = apps.find((a) => a.name === `leak-${attack}`);
      expect(app?.error?.code, attack).toBe("SPOKE_DECRYPT_FAILED");
      expect(app?.error?.message, attack).toMatch(/^SealedSecret\/leak-\w+\/db: SEALED_TEMPLATE_FAILED: spec\.template\.data\.dsn: template failed at line \d+, column \d+$/);
      expect(app?.health, attack).not.toBe("Healthy");
      expect(await fleet.getJson("victim", "secret", "-n", `leak-${attack}`, "db"), attack).toBeUndefined();
    }
    expect(apps.find((a) => a.name === "leak-multiline")?.error?.message).toContain("at line 3, column 27");
  });

  it("the control app proves the value was really decrypted on the spoke", async () => {
    const secret = await fleet.getJson<{ data: Record<string, string> }>("victim", "secret", "-n", "leak-control", "db");
    expect(Buffer.from(secret?.data.dsn ?? "", "base64").toString("utf8")).toBe(`postgres://app:${VALUE}@db`);
  });

  it("no form of the value (hex, base64, upper case, any 4+ character substring) in reports, API, dashboard, KV or logs", async () => {
    const seen = await everythingShown(fleet);
    expect(Object.keys(seen).length).toBeGreaterThan(8);
    expect(seen["KV flotilla-status/cluster.victim"]).toContain("SEALED_TEMPLATE_FAILED");
    expect(leaksAnywhere(seen, VALUE)).toEqual({});
  });
});
