/** One REST resource the server serves, as discovery describes it. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** The plural, lower-case REST name (`deployments`). */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Has a `/status` subresource: the main resource ignores status changes. */
  readonly status: boolean;
  /** Has a `/scale` subresource; the paths of spec and status replicas. */
  readonly scale: { readonly specReplicasPath: string; readonly statusReplicasPath: string } | undefined;
  /** Built-in kinds accept strategic merge patch; custom resources do not (as in Kubernetes). */
  readonly strategicMerge: boolean;
  /** Extra printer columns for custom resources (`additionalPrinterColumns`). */
  readonly printerColumns: readonly PrinterColumn[];
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export function apiVersionOf(type: Pick<ResourceType, "group" | "version">): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}
