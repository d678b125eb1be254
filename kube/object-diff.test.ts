import { describe, expect, it } from "vitest";
import type { KubeObject } from "./kube-object.js";
import { diffObjects, hideSecretData, projectOnto, safeDiff } from "./object-diff.js";

const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n" }, data, ...extra });

describe("diffObjects", () => {
  it("ignores server-set metadata, status and fields desired does not set", () => {
    const live = cm({ a: "1" }, { status: { x: 1 }, other: "server-default" });
    live.metadata = { ...live.metadata, resourceVersion: "9", uid: "u", managedFields: [], creationTimestamp: "t", labels: { extra: "y" } };
    expect(diffObjects(cm({ a: "1" }), live)).toEqual([]);
  });

  it("reports changed and removed managed fields by path", () => {
    expect(diffObjects(cm({ a: "1", b: "2" }), cm({ a: "9" }))).toEqual([
      { path: ".data.a", desired: "1", live: "9" },
      { path: ".data.b", desired: "2", live: undefined },
    ]);
  });

  it("compares lists element by element and whole when lengths differ", () => {
    const d = { apiVersion: "v1", kind: "X", metadata: { name: "x" }, spec: { ports: [{ port: 80 }, { port: 81 }] } } as KubeObject;
    const l = { apiVersion: "v1", kind: "X", metadata: { name: "x" }, spec: { ports: [{ port: 80, protocol: "TCP" }, { port: 82, protocol: "TCP" }] } } as KubeObject;
    expect(diffObjects(d, l)).toEqual([{ path: ".spec.ports[1].port", desired: 81, live: 82 }]);
    const shorter = { ...l, spec: { ports: [{ port: 80 }] } } as KubeObject;
    expect(diffObjects(d, shorter)).toHaveLength(1);
  });

  it("reports a missing object", () => {
    expect(diffObjects(cm({}), undefined)).toEqual([{ path: "", desired: "<present>", live: "<missing>" }]);
  });

  it("projectOnto keeps only desired's shape", () => {
    expect(projectOnto({ a: { b: 1 } }, { a: { b: 2, c: 3 }, d: 4 })).toEqual({ a: { b: 2 } });
  });
});

describe("hideSecretData (gitops-engine HideSecretData)", () => {
  const secret = (data: Record<string, string>, annotations: Record<string, string> = {}): KubeObject =>
    ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n", annotations }, data });

  it("masks values so equal values mask equal and different values differ, and drops last-applied", () => {
    const plaintext = Buffer.from("hunter2-very-secret").toString("base64");
    const { desired, live } = hideSecretData(
      secret({ same: "c2FtZQ==", changed: plaintext }),
      secret({ same: "c2FtZQ==", changed: "b3RoZXI=" }, { "kubectl.kubernetes.io/last-applied-configuration": `{"data":{"changed":"${plaintext}"}}` }),
    );
    expect(desired?.data).toEqual({ same: "++++++++", changed: "+++++++++" });
    expect((live?.data as Record<string, string>).same).toBe("++++++++");
    expect((live?.data as Record<string, string>).changed).not.toBe((desired?.data as Record<string, string>).changed);
    expect(JSON.stringify({ desired, live })).not.toContain(plaintext);
  });

  it("leaves other kinds alone and never mutates its input", () => {
    const d = cm({ a: "1" });
    expect(hideSecretData(d, undefined).desired).toBe(d);
    const s = secret({ k: "dmFsdWU=" });
    hideSecretData(s, undefined);
    expect(s.data).toEqual({ k: "dmFsdWU=" });
  });

  it("safeDiff shows which keys changed without any value", () => {
    const diff = safeDiff(secret({ password: Buffer.from("p4ss").toString("base64") }), secret({ password: Buffer.from("other").toString("base64") }));
    expect(diff.map((d) => d.path)).toEqual([".data.password"]);
    expect(JSON.stringify(diff)).not.toMatch(/cDRzcw|b3RoZXI/);
  });
});
