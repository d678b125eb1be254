import { describe, expect, it } from "vitest";
import { silentLogger } from "../core/index.js";
import type { AppHistoryEntry } from "./app-history.js";
import { AppStateStore, APP_STATE_KEY, type StatusBucket } from "./app-state-store.js";

/** The status bucket's contract, in memory: what the store writes is what it reads back. */
function bucket(maxPayload: number): StatusBucket & { readonly data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    maxPayload,
    putStatus: (key, record) => {
      data.set(key, JSON.parse(JSON.stringify(record)) as unknown);
      return Promise.resolve();
    },
    loadStatus: (prefix) => Promise.resolve(new Map([...data].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]))),
  };
}

const entry = (id: number, size: number): AppHistoryEntry => ({
  id,
  revision: `rev${String(id)}`,
  deployedAt: "2026-01-01T00:00:00.000Z",
  initiatedBy: "automated",
  kind: "auto",
  generation: id,
  app: { name: "web", objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { blob: "x".repeat(size) } }] },
});

describe("AppStateStore", () => {
  it("keeps histories within one KV value, dropping the oldest entries first", async () => {
    const b = bucket(64 * 1024 + 20_000);
    const store = new AppStateStore({ bucket: b, logger: silentLogger() });
    store.markHistory({ cluster: "eu-1", app: "web", nextId: 6, entries: [1, 2, 3, 4, 5].map((i) => entry(i, 6000)) });
    await store.flush();
    const [loaded] = await store.loadHistory();
    expect(loaded?.entries.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(loaded?.nextId).toBe(6);
    expect([...b.data.keys()]).toEqual([`${APP_STATE_KEY.history}eu-1.web`]);
  });

  it("reads back pending actions and suspensions, and drops what is not one", async () => {
    const b = bucket(1024 * 1024);
    const store = new AppStateStore({ bucket: b, logger: silentLogger() });
    await store.putPending("eu-1", new Map([["web", { kind: "sync", prune: true, by: "alice (api-token)" }]]));
    b.data.set(`${APP_STATE_KEY.pending}eu-2`, { cluster: "eu-2", overrides: { web: { kind: "delete-everything" } } });
    await store.putSuspended(["web", "eu-1\0api"]);
    expect([...(await store.loadPending())].map(([c, m]) => [c, [...m]])).toEqual([["eu-1", [["web", { kind: "sync", prune: true, by: "alice (api-token)" }]]]]);
    expect(await store.loadSuspended()).toEqual(["eu-1\0api", "web"]);
    await store.putPending("eu-1", new Map());
    expect(await store.loadPending()).toEqual(new Map());
  });
});
