import type { SourcePolicy } from "../gitops/index.js";
import { nameOrPrefix, type KubeObject } from "../kube/kube-object.js";
import { HUB_ERROR } from "./hub-errors.js";

/** A group/kind pattern; `*` matches anything (Argo AppProject resource lists). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Like an Argo CD AppProject: where an app may come from and what it may touch. */
export interface ProjectPolicy {
  /** Repo URL globs (`*` wildcard); empty = any. */
  readonly sourceRepos?: readonly string[] | undefined;
  /** Destination namespace globs; empty = any. */
  readonly destinationNamespaces?: readonly string[] | undefined;
  /** Cluster-scoped kinds allowed; cluster-scoped kinds not listed are denied. */
  readonly clusterResourceWhitelist?: readonly GroupKind[] | undefined;
  /** Namespaced kinds denied. */
  readonly namespaceResourceBlacklist?: readonly GroupKind[] | undefined;
  /** Namespaced kinds allowed; empty = any. */
  readonly namespaceResourceWhitelist?: readonly GroupKind[] | undefined;
}

/** Projects by name, and per-ApplicationSet overrides (checked first). */
export interface Allowlists {
  readonly projects: Readonly<Record<string, ProjectPolicy>>;
  readonly appSets?: Readonly<Record<string, ProjectPolicy>> | undefined;
}

/** Without configuration: any repo and namespace, Namespaces the only cluster-scoped kind. */
export const DEFAULT_POLICY: ProjectPolicy = { clusterResourceWhitelist: [{ group: "", kind: "Namespace" }] };

const CLUSTER_SCOPED = new Set([
  "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService", "IngressClass", "RuntimeClass",
  "CSIDriver", "CSINode", "VolumeAttachment", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration",
  "ClusterIssuer",
]);

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

/** Argo's NormalizeGitURL, for http(s) URLs: lower case, no trailing `/` or `.git`. */
function normalizeRepoURL(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/u, "").replace(/\.git$/u, "");
}

/**
 * A sourceRepos glob against a repoURL. A `*` in the host part never crosses `/`, `@`, `?`, `#` or
 * `\`, so `https://*.example.com/*` cannot be met by `https://evil.io/.example.com/x` or
 * `https://evil.io#.example.com/x`; in the path it matches anything, as in Argo CD.
 */
export function repoGlobMatches(pattern: string, repoURL: string): boolean {
  if (pattern === "*") return true;
  const p = normalizeRepoURL(pattern);
  const u = normalizeRepoURL(repoURL);
  const escape = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/u.exec(p);
  if (scheme === null) return glob(p, u);
  const [, prefix, authority, path] = scheme;
  const re = `^${escape(prefix)}${authority.split("*").map(escape).join("[^/@?#\\\\]*")}${path.split("*").map(escape).join(".*")}$`;
  return new RegExp(re, "u").test(u);
}

/** True when `policy` lets an app read `repoURL` ("" is the fleet repository itself). */
export function sourceRepoAllowed(policy: ProjectPolicy, repoURL: string): boolean {
  const repos = policy.sourceRepos ?? [];
  return repos.length === 0 || repoURL === "" || repos.some((r) => repoGlobMatches(r, repoURL));
}

/**
 * The sourceRepos rule as a gitops SourcePolicy, so it is checked before any fetch (and again on
 * the render by {@link checkAllowlist}). A git generator whose apps' project is templated must be
 * allowed by every project (and the default policy), since any of them may be the one rendered.
 */
export function sourcePolicy(allowlists: Allowlists | undefined): SourcePolicy | undefined {
  if (allowlists === undefined) return undefined;
  return ({ repoURL, appSet, project }) => {
    const override = allowlists.appSets?.[appSet];
    const candidates: [string, ProjectPolicy][] =
      override !== undefined
        ? [[`ApplicationSet ${appSet}`, override]]
        : project !== undefined
          ? [[`project ${project}`, allowlists.projects[project] ?? DEFAULT_POLICY]]
          : [["the default policy", DEFAULT_POLICY], ...Object.entries(allowlists.projects).map(([name, p]): [string, ProjectPolicy] => [`project ${name}`, p])];
    const denied = candidates.find(([, p]) => !sourceRepoAllowed(p, repoURL));
    return denied === undefined ? undefined : `source repo ${repoURL} is not in the sourceRepos of ${denied[0]}`;
  };
}

function groupOf(obj: KubeObject): string {
  const slash = obj.apiVersion.indexOf("/");
  return slash < 0 ? "" : obj.apiVersion.slice(0, slash);
}

function matchesKind(list: readonly GroupKind[], group: string, kind: string): boolean {
  return list.some((gk) => glob(gk.group, group) && glob(gk.kind, kind));
}

export interface AppUnderReview {
  readonly name: string;
  readonly appSet: string;
  readonly project: string;
  readonly namespace: string;
  readonly source: { readonly repoURL: string };
  readonly objects: readonly KubeObject[];
}

export interface AllowlistViolation {
  readonly code: typeof HUB_ERROR.allowlist;
  readonly message: string;
  readonly field?: string | undefined;
}

export function policyFor(app: AppUnderReview, allowlists: Allowlists | undefined): ProjectPolicy {
  return allowlists?.appSets?.[app.appSet] ?? allowlists?.projects[app.project] ?? DEFAULT_POLICY;
}

/** The first thing `app` is not allowed to do, or null (pure). */
export function checkAllowlist(app: AppUnderReview, policy: ProjectPolicy): AllowlistViolation | null {
  const violation = (message: string, field?: string): AllowlistViolation => ({ code: HUB_ERROR.allowlist, message, field });
  if (!sourceRepoAllowed(policy, app.source.repoURL)) {
    return violation(`source repo ${app.source.repoURL} is not allowed for app ${app.name}`, "spec.source.repoURL");
  }
  const namespaces = policy.destinationNamespaces ?? [];
  const allowedNs = (ns: string): boolean => namespaces.length === 0 || namespaces.some((n) => glob(n, ns));
  if (app.namespace !== "" && !allowedNs(app.namespace)) {
    return violation(`destination namespace ${app.namespace} is not allowed for app ${app.name}`, "spec.destination.namespace");
  }
  for (const obj of app.objects) {
    const group = groupOf(obj);
    const where = `${obj.kind}/${nameOrPrefix(obj)}`;
    if (CLUSTER_SCOPED.has(obj.kind)) {
      if (!matchesKind(policy.clusterResourceWhitelist ?? [], group, obj.kind)) {
        return violation(`cluster-scoped ${where} is not in the clusterResourceWhitelist of app ${app.name}`, where);
      }
      continue;
    }
    if (matchesKind(policy.namespaceResourceBlacklist ?? [], group, obj.kind)) return violation(`kind ${obj.kind} is denied for app ${app.name}`, where);
    const white = policy.namespaceResourceWhitelist ?? [];
    if (white.length > 0 && !matchesKind(white, group, obj.kind)) return violation(`kind ${obj.kind} is not allowed for app ${app.name}`, where);
    const ns = obj.metadata.namespace ?? app.namespace;
    if (ns !== "" && !allowedNs(ns)) return violation(`${where} targets namespace ${ns}, which is not allowed for app ${app.name}`, where);
  }
  return null;
}
