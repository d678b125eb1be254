import { describe, expect, it } from "vitest";
import { ObjectStore } from "./object-store.js";

const cm = (name: string, data: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data });

describe("ObjectStore", () => {
  it("stamps increasing resourceVersions and returns copies", () => {
    const store = new ObjectStore();
    const a = store.put("", "configmaps", cm("a"));
    const b = store.put("", "configmaps", cm("b"));
    expect([a.metadata.resourceVersion, b.metadata.resourceVersion]).toEqual(["1", "2"]);
    a.metadata.name = "mutated";
    expect(store.get({ group: "", resource: "configmaps", namespace: "ns", name: "a" })?.metadata.name).toBe("a");
    expect(store.list("", "configmaps", "ns").map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(store.list("", "configmaps", "other")).toEqual([]);
  });

  it("replays events after a resourceVersion and reports expiry beyond the history", () => {
    const store = new ObjectStore({ historyLimit: 2 });
    store.put("", "configmaps", cm("a"));
    store.put("", "configmaps", cm("a", { k: "v" }));
    store.remove({ group: "", resource: "configmaps", namespace: "ns", name: "a" });
    const since = store.eventsSince(1);
    expect(since.expired ? [] : since.events.map((e) => [e.type, e.resourceVersion])).toEqual([
      ["MODIFIED", 2],
      ["DELETED", 3],
    ]);
    expect(store.eventsSince(0)).toEqual({ expired: true, oldest: 1 });
  });

  it("restores a snapshot with resourceVersions continuing after it", () => {
    const store = new ObjectStore();
    store.put("", "configmaps", cm("a"));
    store.put("", "configmaps", cm("b"));
    const restored = new ObjectStore();
    restored.restore(store.snapshot());
    expect(restored.get({ group: "", resource: "configmaps", namespace: "ns", name: "b" })?.metadata.resourceVersion).toBe("2");
    expect(restored.put("", "configmaps", cm("c")).metadata.resourceVersion).toBe("3");
    expect(restored.eventsSince(1).expired).toBe(true);
    expect(restored.eventsSince(2).expired).toBe(false);
  });

  it("notifies subscribers until they unsubscribe", () => {
    const store = new ObjectStore();
    const seen: string[] = [];
    const stop = store.subscribe((e) => seen.push(`${e.type} ${e.object.metadata.name ?? ""}`));
    store.put("", "configmaps", cm("a"));
    stop();
    store.put("", "configmaps", cm("b"));
    expect(seen).toEqual(["ADDED a"]);
  });
});
