import { describe, expect, it } from "vitest";
import { isApiStatusError, type ApiStatusError } from "./api-status.js";
import type { KubeObject } from "./kube-object.js";
import { serverSideApply, trackUpdate } from "./managed-fields.js";

const target = { name: "web", resource: "deployments", group: "apps" };

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, force = false): KubeObject {
  return serverSideApply({ live, applied, manager, force, scope: "main", hasStatus: true, apiVersion: "apps/v1", time: "2026-01-01T00:00:00Z" }, target);
}

function deployment(image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image, ...extra }] } } },
  };
}

function conflictOf(fn: () => unknown): ApiStatusError | undefined {
  try {
    fn();
  } catch (err) {
    if (isApiStatusError(err)) return err;
    throw err;
  }
  return undefined;
}

describe("server-side apply", () => {
  it("records the applier's fields with list items keyed by merge key", () => {
    const created = apply(undefined, deployment("nginx:1"), "flotilla");
    expect(created.metadata.managedFields).toEqual([
      {
        manager: "flotilla",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: "2026-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:replicas": {},
            "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:name": {}, "f:image": {} } } } },
          },
        },
      },
    ]);
  });

  it("raises a 409 naming the field and the other manager, unless forced (then ownership moves)", () => {
    const live = apply(undefined, deployment("nginx:1"), "flotilla");
    const err = conflictOf(() => apply(live, deployment("nginx:2"), "intruder"));
    expect(err?.code).toBe(409);
    expect(err?.message).toBe('Apply failed with 1 conflict: conflict with "flotilla" using apps/v1: .spec.template.spec.containers[name="web"].image');
    const forced = apply(live, deployment("nginx:2"), "intruder", true);
    const spec = forced.spec as { template: { spec: { containers: { image: string }[] } } };
    expect(spec.template.spec.containers[0]?.image).toBe("nginx:2");
    const flotilla = forced.metadata.managedFields?.find((m) => m.manager === "flotilla");
    expect(JSON.stringify(flotilla?.fieldsV1)).not.toContain("f:image");
  });

  it("shares ownership without conflict when the values agree", () => {
    const live = apply(undefined, deployment("nginx:1"), "flotilla");
    const shared = apply(live, deployment("nginx:1"), "other");
    expect(shared.metadata.managedFields?.map((m) => m.manager)).toEqual(["flotilla", "other"]);
  });

  it("removes fields the manager no longer applies, unless another manager owns them", () => {
    const live = apply(undefined, deployment("nginx:1", { args: ["--a"] }), "flotilla");
    const dropped = apply(live, deployment("nginx:1"), "flotilla");
    const containers = (dropped.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;
    expect(containers[0]).toEqual({ name: "web", image: "nginx:1" });

    const coOwned = apply(live, deployment("nginx:1", { args: ["--a"] }), "other");
    const kept = apply(coOwned, deployment("nginx:1"), "flotilla");
    const keptContainers = (kept.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;
    expect(keptContainers[0]?.args).toEqual(["--a"]);
  });

  it("does not conflict on a Service port after the server defaulted its protocol", () => {
    const svc = (targetPort: number): KubeObject => ({ metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort }] } });
    const run = (live: KubeObject | undefined, applied: KubeObject, manager: string): KubeObject =>
      serverSideApply({ live, applied, manager, force: false, scope: "main", hasStatus: true, apiVersion: "v1", time: "t" }, { name: "s", resource: "services", group: "" });
    const live = run(undefined, svc(8080), "a");
    (live.spec as { ports: Record<string, unknown>[] }).ports[0].protocol = "TCP";
    const again = run(live, svc(8080), "b");
    expect(again.metadata.managedFields?.map((m) => m.manager)).toEqual(["a", "b"]);
    expect(conflictOf(() => run(live, svc(9090), "b"))?.message).toContain('.spec.ports[port=80,protocol="TCP"].targetPort');
  });
});

describe("trackUpdate", () => {
  it("gives changed fields to the updating manager and takes them from others", () => {
    const live = apply(undefined, deployment("nginx:1"), "flotilla");
    const edited = deployment("nginx:3");
    const entries = trackUpdate({ before: live, after: { ...edited, metadata: { ...edited.metadata, managedFields: live.metadata.managedFields } }, manager: "kubectl-edit", scope: "main", hasStatus: true, apiVersion: "apps/v1", time: "t" });
    expect(entries.map((e) => [e.manager, e.operation])).toEqual([
      ["flotilla", "Apply"],
      ["kubectl-edit", "Update"],
    ]);
    expect(JSON.stringify(entries[0]?.fieldsV1)).not.toContain("f:image");
    expect(JSON.stringify(entries[1]?.fieldsV1)).toContain("f:image");
  });
});
