import type { KubeObject } from "../kube-object.js";
import { at, str } from "./fields.js";
import { healthy, progressing, type HealthStatus } from "./health-status.js";

function hasIngress(obj: KubeObject): boolean {
  const ingress = at(obj, ["status", "loadBalancer", "ingress"]);
  return Array.isArray(ingress) && ingress.length > 0;
}

/** gitops-engine `pkg/health/health_service.go`: only LoadBalancers wait for an address. */
export function serviceHealth(obj: KubeObject): HealthStatus {
  if (str(obj, "spec", "type") === "LoadBalancer") return hasIngress(obj) ? healthy() : progressing();
  return healthy();
}

/** gitops-engine `pkg/health/health_ingress.go`. */
export function ingressHealth(obj: KubeObject): HealthStatus {
  return hasIngress(obj) ? healthy() : progressing();
}
