import type { KubeObject } from "../kube-object.js";
import type { HealthStatus } from "./health-status.js";
import type { Shape } from "./typed-shape.js";

/** One gitops-engine built-in check, with what its Go original converts the object to first. */
export interface BuiltinCheck {
  /** The name gitops-engine's own error messages use ("Deployment", "HPA"). */
  readonly name: string;
  /** apiVersion versions the Go check converts; any other is Unknown ("unsupported … GVK"). Absent: any. */
  readonly versions?: readonly string[];
  /** The Go types of the fields the check reads; a mismatch is Unknown ("failed to convert …"). */
  readonly shape?: Shape;
  readonly rate: (obj: KubeObject) => HealthStatus;
}
