import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleet, type FleetClusterSpec, type TestFleet } from "./fleet-harness.js";

// A fleet operator gates a RollingSync rollout on a custom resource through a Lua health script
// kept in the fleet repository (health/<group>/<kind>/health.lua, Argo CD's layout). The script
// travels in the signed bundle; the spoke rates the Certificate with it; the hub holds the next
// step until staging's Certificate is Healthy by the script, not by any generic rule.

const CLUSTERS: readonly FleetClusterSpec[] = [
  { name: "staging", labels: { env: "staging" } },
  { name: "prod", labels: { env: "prod" } },
];

/** A cert-manager-style Certificate CRD (ours, for this test), with a status subresource. */
const CERTIFICATE_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.cert-manager.io
spec:
  group: cert-manager.io
  scope: Namespaced
  names: {plural: certificates, singular: certificate, kind: Certificate}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

/**
 * Healthy only once an `Issued` condition is True. A generic (kstatus) rule would call the
 * Certificate Healthy as soon as `Ready` is True: the test sets Ready first to show the script decides.
 */
const HEALTH_LUA = `
local hs = {status = "Progressing", message = "Waiting for certificate"}
if obj.status ~= nil and obj.status.conditions ~= nil then
  hs.message = "Certificate not issued yet"
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Issued" and c.status == "True" then
      return {status = "Healthy", message = "Certificate issued"}
    end
  end
end
return hs
`;

const CERTS_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: certs
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'certs-{{.name}}'
      labels:
        env: '{{index .metadata.labels "env"}}'
    spec:
      source: {repoURL: ., path: apps/certs}
      destination: {name: '{{.name}}', namespace: certs}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: env, operator: In, values: [staging]}]
      - matchExpressions: [{key: env, operator: In, values: [prod]}]
`;

const CERTIFICATE = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web-tls
spec:
  secretName: web-tls
  dnsNames: [web.example.com]
`;

interface AppView {
  name: string;
  health: string;
  message?: string;
}
interface ClusterView {
  apps: AppView[];
}
interface RolloutView {
  appSet: string;
  revision: string;
  phase: string;
  currentStep: number;
}

let fleet: TestFleet;
let revision = "";

beforeAll(async () => {
  fleet = await startFleet({
    clusters: CLUSTERS,
    files: {},
    preinstall: () => CERTIFICATE_CRD,
    // Sealing keys are not what this story is about: small ones keep the start short.
    spokeFlags: () => ["--key-bits", "2048"],
  });
  revision = await fleet.repo.commit(
    {
      "appsets/certs.yaml": CERTS_APPSET,
      "apps/certs/certificate.yaml": CERTIFICATE,
      "health/cert-manager.io/Certificate/health.lua": HEALTH_LUA,
    },
    "certs: RollingSync gated by a Lua health script",
  );
}, 120_000);

afterAll(async () => {
  await fleet.stop();
}, 60_000);

async function certsApp(cluster: string): Promise<AppView | undefined> {
  const res = await fetch(`${fleet.hubUrl()}/api/v1/clusters/${cluster}`);
  if (!res.ok) return undefined;
  return ((await res.json()) as ClusterView).apps.find((a) => a.name === `certs-${cluster}`);
}

async function rollout(): Promise<RolloutView | undefined> {
  return (await fleet.hub().rollouts()).find((r) => r.appSet === "certs") as RolloutView | undefined;
}

const certificateOn = (cluster: string): Promise<unknown> => fleet.getJson(cluster, "certificate", "web-tls", "-n", "certs");

async function setConditions(cluster: string, conditions: readonly Record<string, string>[]): Promise<void> {
  await fleet.kubectl(cluster, "patch", "certificate", "web-tls", "-n", "certs", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { conditions } }));
}

describe("a RollingSync step gated by a Lua health script from the fleet repository", () => {
  it("holds prod while the script rates staging's Certificate Progressing, and releases it once the script says Healthy", async () => {
    // Staging runs the Certificate; the script (not a generic rule) rates it.
    const waiting = await fleet.waitFor("staging's Certificate rated by the script", async () => {
      const app = await certsApp("staging");
      return app?.health === "Progressing" && app.message === "Waiting for certificate" ? app : undefined;
    });
    expect(waiting.health).toBe("Progressing");
    expect(await rollout()).toMatchObject({ revision, currentStep: 0 });
    expect(await certificateOn("prod")).toBeUndefined();

    // Ready=True would satisfy a generic rule; the script still says Progressing, so prod waits.
    await setConditions("staging", [{ type: "Ready", status: "True", reason: "Ready", message: "ok" }]);
    await fleet.waitFor("the script re-rating staging after its status changed", async () => ((await certsApp("staging"))?.message === "Certificate not issued yet" ? true : undefined));
    expect((await certsApp("staging"))?.health).toBe("Progressing");
    expect(await rollout()).toMatchObject({ revision, currentStep: 0 });
    expect(await certificateOn("prod")).toBeUndefined();

    // Issued: the script says Healthy, the step completes and prod gets the Certificate.
    await setConditions("staging", [
      { type: "Ready", status: "True", reason: "Ready", message: "ok" },
      { type: "Issued", status: "True", reason: "Issued", message: "issued" },
    ]);
    await fleet.waitFor("staging Healthy by the script", async () => ((await certsApp("staging"))?.health === "Healthy" ? true : undefined));
    await fleet.waitFor("prod released: its Certificate applied", async () => ((await certificateOn("prod")) === undefined ? undefined : true));
    expect((await rollout())?.currentStep).toBe(1);
    await fleet.waitFor("prod's Certificate rated by the same script", async () => ((await certsApp("prod"))?.message === "Waiting for certificate" ? true : undefined));
  }, 180_000);
});
