/**
 * What the dashboard shows, as plain data. The hub fills it from its status views (hub-views.ts);
 * tests and other hosts can supply their own. Nothing here carries a secret value: statuses,
 * names, revisions and scrubbed messages only.
 */
export interface DashboardObject {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly sync: string;
  readonly health: string;
  readonly message?: string | undefined;
}

export interface DashboardApp {
  readonly name: string;
  readonly appSet: string;
  readonly sync: string;
  readonly health: string;
  readonly revision: string | null;
  readonly desiredRevision: string | null;
  readonly message?: string | undefined;
  readonly errorCode?: string | undefined;
  readonly objects: readonly DashboardObject[];
}

export interface DashboardCluster {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly online: boolean;
  readonly sync: string;
  readonly health: string;
  readonly appliedRevision: string | null;
  readonly desiredRevision: string | null;
  /** Epoch ms of the last message from the spoke; null when it never connected. */
  readonly lastSeen: number | null;
  readonly errors: readonly { readonly code: string; readonly message: string }[];
  /** Why this cluster runs its last good state instead of HEAD (fleet-level conditions); empty when at HEAD. */
  readonly behindHead?: readonly string[] | undefined;
  readonly apps: readonly DashboardApp[];
}

/** A fleet-level failure of HEAD, shown as a banner on every page. */
export interface DashboardCondition {
  readonly type: string;
  readonly code: string;
  readonly message: string;
  readonly revision: string | null;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly app?: string | undefined;
  readonly appSet?: string | undefined;
  /** How many clusters it holds back; "all" for the whole fleet. */
  readonly clusters: number | "all";
}

export interface DashboardRolloutStep {
  readonly index: number;
  readonly clusters: readonly { readonly cluster: string; readonly state: string }[];
  /** Epoch ms; absent for a step not reached yet (and in records older than the timeline). */
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  readonly haltedAt?: number | undefined;
}

export interface DashboardRollout {
  readonly appSet: string;
  readonly revision: string;
  readonly phase: string;
  readonly currentStep: number;
  readonly message?: string | undefined;
  readonly steps: readonly DashboardRolloutStep[];
  readonly startedAt?: number | undefined;
  readonly updatedAt?: number | undefined;
  /** Clusters given their previous content back, with the commit they were given. */
  readonly rolledBack?: readonly { readonly cluster: string; readonly revision: string | null }[] | undefined;
}

/** A commit as the history and the rollout pages show it. */
export interface DashboardCommit {
  readonly message?: string | undefined;
  readonly author?: string | undefined;
  readonly time?: string | undefined;
}

/** One app on one cluster in detail: what a sync would change and its deployments. */
export interface DashboardAppDetail {
  /** HEAD against what the cluster was sent, Secret values masked; empty when in sync. */
  readonly diffs: readonly { readonly id: string; readonly change: string; readonly diff: string }[];
  readonly history: readonly {
    readonly id: number;
    readonly revision: string;
    readonly deployedAt: string;
    readonly kind: string;
    readonly initiatedBy: string;
    readonly message?: string | undefined;
    readonly author?: string | undefined;
    readonly committedAt?: string | undefined;
  }[];
  readonly syncPolicy?: string | undefined;
}

/** The small read interface the dashboard plugin needs from its host. */
export interface DashboardViews {
  readonly fleet: string;
  clusters(): readonly DashboardCluster[];
  rollouts(): readonly DashboardRollout[];
  /** Fleet-level failures of HEAD; optional for hosts that have none. */
  conditions?(): readonly DashboardCondition[];
  /** A plain-text notice for the top of every page (a standby hub says who leads); undefined for none. */
  notice?(): string | undefined;
  /** Detail of one app on one cluster (diff, history); optional for hosts without it. */
  appDetail?(cluster: string, app: string): Promise<DashboardAppDetail | undefined>;
  /** Message, author and time of a commit; optional. */
  commit?(revision: string): Promise<DashboardCommit | undefined>;
  now(): number;
  /**
   * Optional: a value that changes whenever what the pages show changes (ages aside). With it the
   * change check compares this; without it, a digest of every view.
   */
  version?(): string;
}

/** How the browser asking for a page is signed in (the hub derives it from the session cookie). */
export interface DashboardSession {
  readonly role: "admin" | "read" | "anonymous";
  /** The CSRF token the action forms carry; set only for a session earned with the API token. */
  readonly csrf?: string | undefined;
  /** The hub has an API token, so a browser can sign in to act. */
  readonly canSignIn: boolean;
}
