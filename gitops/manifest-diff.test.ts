import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/kube-object.js";
import { diffManifests } from "./manifest-diff.js";

const cm = (colour: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: "web" }, data: { colour } });
const secret = (password: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "web" }, data: { password, user: "YWRtaW4=" } });

describe("diffManifests", () => {
  it("prints a unified diff per changed, added or removed object and nothing for equal ones", () => {
    const d = diffManifests([cm("blue"), secret("czNjcjN0")], [cm("green"), { apiVersion: "v1", kind: "Service", metadata: { name: "web" } }, secret("czNjcjN0")], { beforeLabel: "hub", afterLabel: "local", namespace: "web" });
    expect(d.map((x) => [x.id, x.change])).toEqual([
      ["/ConfigMap/web/web", "changed"],
      ["/Service/web/web", "added"],
    ]);
    expect(d[0]?.diff).toContain("-  colour: blue\n+  colour: green");
    expect(d[0]?.diff).toContain("--- hub//ConfigMap/web/web");
  });

  it("shows that a Secret value changed without showing it, nor anything derived from it", () => {
    const [d] = diffManifests([secret("b2xkLXBhc3N3b3Jk")], [secret("bmV3LXBhc3N3b3Jk")], { beforeLabel: "hub", afterLabel: "local" });
    expect(d?.change).toBe("changed");
    expect(d?.diff).toContain("-  password: ++++++++\n+  password: +++++++++");
    expect(d?.diff).toContain("   user: ++++++++");
    for (const plain of ["b2xkLXBhc3N3b3Jk", "bmV3LXBhc3N3b3Jk", "old-password", "new-password", "YWRtaW4=", "admin"]) expect(d?.diff).not.toContain(plain);
  });
});
