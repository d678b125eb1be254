import { Counter, Gauge, Registry } from "prom-client";
import type { ReconcileSummary } from "./spoke-reconciler.js";

/** What the metrics read from the running spoke, at scrape time. */
export interface SpokeMetricsSource {
  /** Kubernetes API requests sent so far, by HTTP method. */
  readonly requestCounts?: () => Readonly<Record<string, number>>;
  /** RSA private-key operations of the current key ring (unwraps of sealed items). */
  readonly privateOperations: () => number;
  /** The generation of the desired state being enforced (0 before any). */
  readonly desiredGeneration: () => number;
}

/**
 * The spoke's Prometheus metrics, on a registry of its own. The object-change counter is what an
 * operator watches after a migration or a bootstrap `--then-join`: a steady spoke only counts
 * `unchanged`.
 */
export class SpokeMetrics {
  readonly registry = new Registry();
  readonly passes = new Counter({ name: "flotilla_spoke_reconcile_passes_total", help: "Reconcile passes by outcome", labelNames: ["outcome"], registers: [this.registry] });
  readonly objectChanges = new Counter({
    name: "flotilla_spoke_object_changes_total",
    help: "Objects handled by server-side apply and prune, by action (created, configured, unchanged, deleted, skipped)",
    labelNames: ["action"],
    registers: [this.registry],
  });

  constructor(source: SpokeMetricsSource) {
    const requests = source.requestCounts;
    if (requests !== undefined) {
      new Counter({
        name: "flotilla_spoke_kube_requests_total",
        help: "Kubernetes API requests sent, by method",
        labelNames: ["method"],
        registers: [this.registry],
        // The client keeps the running totals; each scrape copies them.
        collect() {
          this.reset();
          for (const [method, count] of Object.entries(requests())) this.labels(method).inc(count);
        },
      });
    }
    new Gauge({
      name: "flotilla_spoke_rsa_private_operations",
      help: "RSA private-key operations by the current sealing key ring",
      registers: [this.registry],
      collect() {
        this.set(source.privateOperations());
      },
    });
    new Gauge({
      name: "flotilla_spoke_desired_generation",
      help: "Generation of the desired state being enforced",
      registers: [this.registry],
      collect() {
        this.set(source.desiredGeneration());
      },
    });
    for (const action of ["created", "configured", "unchanged", "deleted", "skipped"]) this.objectChanges.labels(action).inc(0);
  }

  /** Records one reconcile pass. */
  observe(summary: ReconcileSummary): void {
    this.passes.labels(summary.outcome.kind).inc();
    for (const [action, count] of Object.entries(summary.actions)) if (count > 0) this.objectChanges.labels(action).inc(count);
  }
}
