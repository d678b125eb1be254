import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The hub's Prometheus metrics, on a registry of its own (never the global one). */
export class HubMetrics {
  readonly registry = new Registry();
  readonly publishes = new Counter({ name: "flotilla_hub_publishes_total", help: "Desired-state entries published", labelNames: ["result"], registers: [this.registry] });
  readonly reconciles = new Counter({ name: "flotilla_hub_reconciles_total", help: "Fetch-render-publish passes", labelNames: ["result"], registers: [this.registry] });
  readonly sourceErrors = new Counter({ name: "flotilla_hub_source_errors_total", help: "Failed fetches or renders of a fleet repository", labelNames: ["code"], registers: [this.registry] });
  readonly spokeMessages = new Counter({ name: "flotilla_hub_spoke_messages_total", help: "Hello, heartbeat and status messages", labelNames: ["kind", "result"], registers: [this.registry] });
  readonly clusters = new Gauge({ name: "flotilla_hub_clusters", help: "Known clusters by connection", labelNames: ["connection"], registers: [this.registry] });
  readonly publishSeconds = new Histogram({ name: "flotilla_hub_publish_seconds", help: "Time to publish one plan", registers: [this.registry], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30] });
  readonly restoreRejected = new Counter({ name: "flotilla_hub_restore_rejected_total", help: "flotilla-desired entries not restored on start (wrong cluster or fleet, bad signature, older generation, unreadable)", labelNames: ["code"], registers: [this.registry] });
  readonly conditions = new Gauge({ name: "flotilla_hub_fleet_conditions", help: "Fleet-level failures of HEAD (ComparisonError, SourceError, PublishError) by code; 0 series when HEAD rendered and published", labelNames: ["type", "code"], registers: [this.registry] });
  readonly headPublished = new Gauge({ name: "flotilla_hub_head_published", help: "1 when every cluster got HEAD, 0 while a fleet-level condition holds some back", registers: [this.registry] });
  readonly actions = new Counter({ name: "flotilla_hub_actions_total", help: "Operator actions through the API (sync, rollback, refresh, suspend, resume)", labelNames: ["action", "result"], registers: [this.registry] });
  readonly webhooks = new Counter({ name: "flotilla_hub_webhooks_total", help: "Webhook deliveries", labelNames: ["result"], registers: [this.registry] });
}
