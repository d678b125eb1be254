import type { AppBundle } from "../protocol/index.js";

/**
 * Argo CD's sync semantics, decided on the hub: an app with `syncPolicy.automated` gets each new
 * render; one without it (a manual app) keeps what it runs, reported OutOfSync against HEAD, until
 * someone syncs it. A sync or a rollback is an override for one app on one cluster, carried out
 * by the next plan as a new signed envelope; a suspended app is held like a manual one.
 */
export type AppOverride =
  | { readonly kind: "sync"; readonly prune: boolean; readonly by: string }
  | { readonly kind: "rollback"; readonly app: AppBundle; readonly id: number; readonly by: string };

interface SyncPolicyLike {
  readonly automated?: unknown;
  readonly prune?: unknown;
}

function policyOf(app: AppBundle): SyncPolicyLike | undefined {
  const p = (app as { syncPolicy?: unknown }).syncPolicy;
  return typeof p === "object" && p !== null ? (p) : undefined;
}

/** True when the app syncs automatically (Argo `syncPolicy.automated` present and not disabled). */
export function isAutomated(app: AppBundle): boolean {
  const automated = policyOf(app)?.automated;
  return typeof automated === "object" && automated !== null;
}

/** The app with prune turned on for this one sync (`argocd app sync --prune`). */
function withPrune(app: AppBundle): AppBundle {
  const policy = policyOf(app) ?? {};
  return { ...app, syncPolicy: { ...policy, prune: true } };
}

export interface GateInput {
  /** What the render (with its per-app fallbacks) wants, per ApplicationSet. */
  readonly planned: ReadonlyMap<string, readonly AppBundle[]>;
  /** What the cluster was last sent. */
  readonly current: readonly AppBundle[];
  readonly overrides: ReadonlyMap<string, AppOverride> | undefined;
  readonly suspended: (app: string) => boolean;
  /** The content of an app regardless of the commit it came from (the hub's unchanged-check). */
  readonly content: (app: AppBundle) => string;
  /** Apps whose HEAD did not render (or broke an allowlist): a sync of one waits until it does. */
  readonly unrendered?: ReadonlySet<string> | undefined;
}

export interface GateResult {
  readonly byAppSet: Map<string, AppBundle[]>;
  /** Overrides carried out in this plan (app name → who asked). */
  readonly applied: Map<string, AppOverride>;
  /** Held apps whose HEAD differs from what the cluster runs (or that it never got): OutOfSync. */
  readonly waiting: Set<string>;
}

/** The app without the prune flag a `sync --prune` adds: that flag does not make it differ from HEAD. */
function withoutSyncPrune(app: AppBundle): AppBundle {
  const policy = policyOf(app);
  if (policy === undefined || isAutomated(app)) return app;
  const { prune: _prune, ...rest } = policy as Record<string, unknown>;
  return { ...app, syncPolicy: rest };
}

/** Pure: which version of each app a cluster gets in this plan. */
export function gateApps(input: GateInput): GateResult {
  const same = (a: AppBundle, b: AppBundle): boolean => input.content(withoutSyncPrune(a)) === input.content(withoutSyncPrune(b));
  const current = new Map(input.current.map((a) => [a.name, a]));
  const byAppSet = new Map<string, AppBundle[]>();
  const applied = new Map<string, AppOverride>();
  const waiting = new Set<string>();
  for (const [appSet, apps] of input.planned) {
    const out: AppBundle[] = [];
    for (const app of apps) {
      const override = input.overrides?.get(app.name);
      if (override?.kind === "rollback") {
        out.push(override.app);
        applied.set(app.name, override);
        if (!same(override.app, app)) waiting.add(app.name);
        continue;
      }
      if (override?.kind === "sync" && input.unrendered?.has(app.name) !== true) {
        out.push(override.prune ? withPrune(app) : app);
        applied.set(app.name, override);
        continue;
      }
      if (isAutomated(app) && !input.suspended(app.name)) {
        out.push(app);
        continue;
      }
      const held = current.get(app.name);
      if (held !== undefined) out.push(held);
      if (held === undefined || !same(held, app)) waiting.add(app.name);
    }
    byAppSet.set(appSet, out);
  }
  return { byAppSet, applied, waiting };
}
