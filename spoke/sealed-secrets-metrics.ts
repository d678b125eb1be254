import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The Sealed Secrets controller's own metric names (`sealed_secrets_controller_*`, upstream
 * pkg/controller/metrics.go), so dashboards and alerts made for the controller keep working. Labels
 * carry namespaces, names and reasons only, never a value.
 */
export class SealedSecretsMetrics {
  readonly registry = new Registry();
  readonly unsealRequests = new Counter({ name: "sealed_secrets_controller_unseal_requests_total", help: "Total number of sealed secret unseal requests", registers: [this.registry] });
  readonly unsealErrors = new Counter({
    name: "sealed_secrets_controller_unseal_errors_total",
    help: "Total number of sealed secret unseal errors by reason",
    labelNames: ["reason", "namespace"],
    registers: [this.registry],
  });
  readonly conditionInfo = new Gauge({
    name: "sealed_secrets_controller_condition_info",
    help: "Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)",
    labelNames: ["namespace", "name", "condition", "instance"],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: "sealed_secrets_controller_http_requests_total",
    help: "A counter for requests to the wrapped handler.",
    labelNames: ["path", "code", "method"],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "sealed_secrets_controller_http_request_duration_seconds",
    help: "A histogram of latencies for requests.",
    labelNames: ["path", "method"],
    registers: [this.registry],
  });

  constructor(options: { readonly version: string }) {
    new Gauge({ name: "sealed_secrets_controller_build_info", help: "Build information.", labelNames: ["revision"], registers: [this.registry] }).labels(options.version).set(1);
  }

  /** `ObserveCondition`: the Synced condition of one SealedSecret. */
  observeCondition(namespace: string, name: string, instance: string, status: "True" | "False"): void {
    this.conditionInfo.labels(namespace, name, "Synced", instance).set(status === "True" ? 1 : -1);
  }

  /** `UnregisterCondition`: the SealedSecret is gone. */
  forget(namespace: string, name: string, instance: string): void {
    this.conditionInfo.remove(namespace, name, "Synced", instance);
  }
}
