import { describe, expect, it } from "vitest";
import { decodeInventory, encodeInventory, entryRef, mergeEntries, staleEntries } from "./inventory.js";
import { refId } from "./kube-object.js";
import { inventoryName, labelValue } from "./inventory-store.js";
import { appliedHash, canonicalJson } from "./applied-hash.js";

describe("inventory", () => {
  const a = { id: "ns_a__ConfigMap", v: "v1", hash: "sha256:1" };
  const b = { id: "ns_b_apps_Deployment", v: "apps/v1" };
  const c = { id: "_ns__Namespace", v: "v1", prune: false };

  it("round-trips through its ConfigMap encoding, sorted", () => {
    const text = encodeInventory({ app: "web", entries: [b, a, c], revision: "abc", generation: 3 });
    const back = decodeInventory(text, "cm");
    expect(back.entries.map((e) => e.id)).toEqual([c.id, a.id, b.id]);
    expect(back).toMatchObject({ app: "web", revision: "abc", generation: 3 });
    expect(back.entries.find((e) => e.id === c.id)?.prune).toBe(false);
  });

  it("rejects malformed inventories with a stable code and field", () => {
    expect(() => decodeInventory("{", "ns/cm")).toThrow(expect.objectContaining({ code: "KUBE_INVALID_INVENTORY", field: "ns/cm" }));
    expect(() => decodeInventory(JSON.stringify({ app: "x", entries: [{ id: "nope", v: "v1" }] }), "ns/cm")).toThrow(
      expect.objectContaining({ code: "KUBE_INVALID_INVENTORY", field: "ns/cm.entries[0]" }),
    );
  });

  it("finds stale entries and merges with the newer entry winning", () => {
    expect(staleEntries([a, b, c], [b])).toEqual([a, c]);
    expect(mergeEntries([a], [{ ...a, hash: "sha256:2" }, b])).toEqual([{ ...a, hash: "sha256:2" }, b]);
  });

  it("rebuilds refs from ids, cluster-scoped without a namespace", () => {
    expect(entryRef(b)).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "b", namespace: "ns" });
    expect(entryRef(c)).toEqual({ apiVersion: "v1", kind: "Namespace", name: "ns" });
    expect(refId(entryRef(b))).toBe(b.id);
  });

  it("names and labels are valid Kubernetes names", () => {
    expect(inventoryName("Guest_Book")).toBe("flotilla-inventory-guest-book");
    expect(labelValue("x".repeat(80))).toHaveLength(63);
  });

  it("hashes canonically: key order does not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(appliedHash({ a: 1, b: 2 })).toBe(appliedHash({ b: 2, a: 1 }));
    expect(appliedHash({ a: 1 })).not.toBe(appliedHash({ a: 2 }));
  });
});
