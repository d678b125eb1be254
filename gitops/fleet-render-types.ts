import type { ApplicationSetStrategy } from "../crds/index.js";
import type { KubeObject } from "../kube/kube-object.js";
import type { BundleHealthV1 } from "../protocol/index.js";

/** A failure, as it appears in a render result (the same fields as a FlotillaError). */
export interface RenderError {
  readonly code: string;
  readonly message: string;
  readonly file?: string | undefined;
  readonly field?: string | undefined;
}

/** Argo's `spec.syncPolicy`, normalised: missing flags are false, lists are empty. */
export interface AppSyncPolicy {
  /** Present when the app syncs automatically (Argo `automated: {}`), absent for manual sync. */
  readonly automated?: { readonly prune: boolean; readonly selfHeal: boolean; readonly allowEmpty: boolean } | undefined;
  readonly prune: boolean;
  readonly selfHeal: boolean;
  readonly syncOptions: readonly string[];
  /** From the ApplicationSet's syncPolicy: keep the app's objects when the app goes away. */
  readonly preserveResourcesOnDeletion: boolean;
}

/** One app (one generated Application) rendered for one cluster. */
export interface AppRender {
  /** The Application's metadata.name; `<appSet>#<n>` when the template failed before it had one. */
  readonly name: string;
  /** The ApplicationSet that generated it. */
  readonly appSet: string;
  /** The destination namespace (objects without one are placed there). */
  readonly namespace: string;
  readonly project: string;
  /** The Application's labels: RollingSync steps match on these. */
  readonly labels: Readonly<Record<string, string>>;
  readonly source: {
    readonly repoURL: string;
    readonly path: string;
    readonly targetRevision: string;
    /** The chart of a Helm repository or OCI registry source (`repoURL` is then the repository). */
    readonly chart?: string | undefined;
    /** The commit (a chart's version, or a content digest) the objects were rendered from; "" when rendering failed early. */
    readonly revision: string;
  };
  readonly syncPolicy: AppSyncPolicy;
  readonly ignoreDifferences: readonly unknown[];
  /** Rendered objects sorted by group, kind, namespace, name. Sealed/SOPS objects are byte-for-byte as in Git. */
  readonly objects: readonly KubeObject[];
  /** sha256 of the canonical JSON of everything above (stable across runs and processes). */
  readonly digest: string;
  /** Set when this app failed for this cluster; `objects` is then empty. Keep the last good state. */
  readonly error?: RenderError | undefined;
}

/** Everything one cluster should run. */
export interface ClusterRender {
  readonly name: string;
  readonly server: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly apps: readonly AppRender[];
  /** sha256 over the app names and digests: unchanged digest ⇒ nothing to republish. */
  readonly digest: string;
}

/** What the hub rollout needs from one ApplicationSet. */
export interface AppSetRender {
  readonly name: string;
  readonly file?: string | undefined;
  /** `spec.strategy` as written (RollingSync steps match app labels); AllAtOnce when absent. */
  readonly strategy: ApplicationSetStrategy;
  /** How many Applications it generated (including failed ones). */
  readonly applications: number;
  /**
   * Set when the ApplicationSet failed as a whole (RENDER_BUDGET_EXCEEDED): it has no apps in this
   * render, and the hub keeps what its clusters run.
   */
  readonly error?: RenderError | undefined;
}

/** The result of rendering one revision of a fleet repository. */
export interface FleetRender {
  /** The commit oid of the fleet repository (or `sha256:` of a plain directory's content). */
  readonly revision: string;
  readonly clusters: readonly ClusterRender[];
  readonly appSets: readonly AppSetRender[];
  /** Failures that belong to no single cluster: a broken file, an unknown generator, an unknown destination. */
  readonly errors: readonly (RenderError & { readonly appSet?: string | undefined })[];
  /** The fleet's health customizations (its `health/` directory), as every bundle carries them; absent when it has none. */
  readonly health?: BundleHealthV1 | undefined;
  /** The health directory did not load (its error is in `errors`): the hub keeps the last good customizations. */
  readonly healthFailed?: boolean | undefined;
}
