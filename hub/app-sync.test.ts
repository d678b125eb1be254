import { describe, expect, it } from "vitest";
import type { AppBundle } from "../protocol/index.js";
import { gateApps, type AppOverride } from "./app-sync.js";

const app = (name: string, colour: string, automated: boolean): AppBundle =>
  ({ name, appSet: "web", syncPolicy: { ...(automated ? { automated: { prune: true, selfHeal: true } } : {}), prune: automated, selfHeal: automated, syncOptions: [] }, objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { colour } }] });
const content = (a: AppBundle): string => JSON.stringify({ ...a, digest: undefined });
const gate = (planned: AppBundle[], current: AppBundle[], overrides?: Map<string, AppOverride>, suspended = false) =>
  gateApps({ planned: new Map([["web", planned]]), current, overrides, suspended: () => suspended, content });

describe("gateApps (Argo CD sync policy on the hub)", () => {
  it("gives an automated app each new render", () => {
    const r = gate([app("a", "green", true)], [app("a", "blue", true)]);
    expect(r.byAppSet.get("web")).toEqual([app("a", "green", true)]);
    expect([...r.waiting]).toEqual([]);
  });

  it("holds a manual app at what it runs, OutOfSync, and leaves a never-synced one off the cluster", () => {
    const held = gate([app("a", "green", false)], [app("a", "blue", false)]);
    expect(held.byAppSet.get("web")).toEqual([app("a", "blue", false)]);
    expect([...held.waiting]).toEqual(["a"]);
    const never = gate([app("a", "green", false)], []);
    expect(never.byAppSet.get("web")).toEqual([]);
    expect([...never.waiting]).toEqual(["a"]);
    expect([...gate([app("a", "blue", false)], [app("a", "blue", false)]).waiting]).toEqual([]);
  });

  it("holds a suspended automated app", () => {
    const r = gate([app("a", "green", true)], [app("a", "blue", true)], undefined, true);
    expect(r.byAppSet.get("web")).toEqual([app("a", "blue", true)]);
    expect([...r.waiting]).toEqual(["a"]);
  });

  it("carries out a sync (with prune for that sync only) and a rollback, and says which it applied", () => {
    const sync = gate([app("a", "green", false)], [app("a", "blue", false)], new Map([["a", { kind: "sync", prune: true, by: "alice" } as const]]));
    const sent = sync.byAppSet.get("web")?.[0] as { syncPolicy: { prune: boolean } } | undefined;
    expect(sent?.syncPolicy.prune).toBe(true);
    expect([...sync.waiting]).toEqual([]);
    expect(sync.applied.get("a")?.kind).toBe("sync");
    // The next plan holds it there without counting the prune flag as a difference from HEAD.
    expect([...gate([app("a", "green", false)], [sent as unknown as AppBundle]).waiting]).toEqual([]);

    const back = gate([app("a", "green", false)], [app("a", "green", false)], new Map([["a", { kind: "rollback", app: app("a", "blue", false), id: 1, by: "alice" } as const]]));
    expect(back.byAppSet.get("web")).toEqual([app("a", "blue", false)]);
    expect([...back.waiting]).toEqual(["a"]);
  });
  it("leaves a sync pending while the app's HEAD does not render (it would only resend what runs)", () => {
    const overrides = new Map<string, AppOverride>([["a", { kind: "sync", prune: false, by: "alice" }]]);
    const r = gateApps({ planned: new Map([["web", [app("a", "blue", false)]]]), current: [app("a", "blue", false)], overrides, suspended: () => false, content, unrendered: new Set(["a"]) });
    expect([...r.applied.keys()]).toEqual([]);
    expect(r.byAppSet.get("web")).toEqual([app("a", "blue", false)]);
  });
});
