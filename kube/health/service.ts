import type { KubeObject } from "../kube-object.js";
import type { BuiltinCheck } from "./builtin-check.js";
import { at, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";
import { list, object, string, struct } from "./typed-shape.js";

function hasIngress(obj: KubeObject): boolean {
  const ingress = at(obj, ["status", "loadBalancer", "ingress"]);
  return Array.isArray(ingress) && ingress.length > 0;
}

/** gitops-engine `pkg/health/health_service.go`: only LoadBalancers wait for an address. */
export function serviceHealth(obj: KubeObject): HealthStatus {
  if (str(obj, "spec", "type") === "LoadBalancer") return hasIngress(obj) ? healthy() : progressing();
  return healthy();
}

/** gitops-engine `pkg/health/health_ingress.go` (reads the list untyped: any version, no conversion). */
export function ingressHealth(obj: KubeObject): HealthStatus {
  return hasIngress(obj) ? healthy() : progressing();
}

export const serviceCheck: BuiltinCheck = {
  name: "Service",
  versions: ["v1"],
  shape: object(struct({ type: string }), struct({ loadBalancer: struct({ ingress: list(struct({ ip: string, hostname: string })) }) })),
  rate: serviceHealth,
};

export const ingressCheck: BuiltinCheck = { name: "Ingress", rate: ingressHealth };
