import { afterEach, describe, expect, it } from "vitest";
import { done, retry } from "./outcome.js";
import { SpokeMetrics } from "./spoke-metrics.js";
import { startSpokeProbeServer, type SpokeProbeServer } from "./spoke-probe-server.js";

let server: SpokeProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function metricsWith(counts: Record<string, number>): SpokeMetrics {
  return new SpokeMetrics({ requestCounts: () => counts, privateOperations: () => 7, desiredGeneration: () => 12 });
}

describe("SpokeMetrics", () => {
  it("counts object changes per action and passes per outcome, and copies the client's request totals", async () => {
    const counts: Record<string, number> = { GET: 3, PATCH: 5 };
    const metrics = metricsWith(counts);
    metrics.observe({ outcome: done(), actions: { created: 4, configured: 0, unchanged: 2, deleted: 0, skipped: 0 }, synced: ["a"] });
    metrics.observe({ outcome: retry("ApplyFailed", new Error("boom")), actions: { created: 0, configured: 1, unchanged: 5, deleted: 1, skipped: 0 }, synced: [] });
    counts.PATCH = 9;
    const text = await metrics.registry.metrics();
    expect(text).toContain('flotilla_spoke_object_changes_total{action="created"} 4');
    expect(text).toContain('flotilla_spoke_object_changes_total{action="configured"} 1');
    expect(text).toContain('flotilla_spoke_object_changes_total{action="unchanged"} 7');
    expect(text).toContain('flotilla_spoke_object_changes_total{action="deleted"} 1');
    expect(text).toContain('flotilla_spoke_reconcile_passes_total{outcome="done"} 1');
    expect(text).toContain('flotilla_spoke_reconcile_passes_total{outcome="retry"} 1');
    expect(text).toContain('flotilla_spoke_kube_requests_total{method="PATCH"} 9');
    expect(text).toContain("flotilla_spoke_rsa_private_operations 7");
    expect(text).toContain("flotilla_spoke_desired_generation 12");
  });

  it("lists every action at zero before any pass, so a steady spoke reads created 0", async () => {
    const text = await metricsWith({}).registry.metrics();
    for (const action of ["created", "configured", "unchanged", "deleted", "skipped"]) expect(text).toContain(`flotilla_spoke_object_changes_total{action="${action}"} 0`);
  });
});

describe("spoke probe server", () => {
  it("serves metrics, liveness, and readiness once ready", async () => {
    let ready = false;
    server = await startSpokeProbeServer({ listen: "127.0.0.1:0", metrics: metricsWith({}), ready: () => ready });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toContain("flotilla_spoke_desired_generation 12");
  });

  it("rejects a listen address that is not host:port", async () => {
    await expect(startSpokeProbeServer({ listen: "nope", metrics: metricsWith({}), ready: () => true })).rejects.toThrow(/not host:port/);
  });
});
