import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, checkAllowlist, policyFor, repoGlobMatches, sourcePolicy, type AppUnderReview } from "./allowlist.js";

function app(objects: AppUnderReview["objects"], extra: Partial<AppUnderReview> = {}): AppUnderReview {
  return { name: "web-eu-1", appSet: "web", project: "default", namespace: "web", source: { repoURL: "https://git.example.com/team/web.git" }, objects, ...extra };
}

const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "web" } };

describe("checkAllowlist", () => {
  it("denies cluster-scoped kinds by default but allows Namespaces", () => {
    expect(checkAllowlist(app([cm, { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } }]), DEFAULT_POLICY)).toBeNull();
    const v = checkAllowlist(app([{ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "all" } }]), DEFAULT_POLICY);
    expect(v?.code).toBe("ALLOWLIST_VIOLATION");
    expect(v?.field).toBe("ClusterRole/all");
  });

  it("checks source repos, destination namespaces and kind lists", () => {
    const policy = { sourceRepos: ["https://git.example.com/team/*"], destinationNamespaces: ["web", "web-*"], namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }] };
    expect(checkAllowlist(app([cm]), policy)).toBeNull();
    expect(checkAllowlist(app([cm], { source: { repoURL: "https://evil.example.com/x.git" } }), policy)?.field).toBe("spec.source.repoURL");
    expect(checkAllowlist(app([cm], { namespace: "kube-system" }), policy)?.field).toBe("spec.destination.namespace");
    expect(checkAllowlist(app([{ ...cm, metadata: { name: "x", namespace: "kube-system" } }]), policy)?.message).toContain("kube-system");
    expect(checkAllowlist(app([{ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" } }]), policy)?.message).toContain("denied");
    expect(checkAllowlist(app([{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }]), { namespaceResourceWhitelist: [{ group: "", kind: "*" }] })?.message).toContain("not allowed");
  });

  it("prefers a per-ApplicationSet policy over the project's", () => {
    const lists = { projects: { default: { destinationNamespaces: ["web"] } }, appSets: { web: { clusterResourceWhitelist: [{ group: "*", kind: "*" }] } } };
    expect(policyFor(app([]), lists)).toBe(lists.appSets.web);
    expect(policyFor(app([], { appSet: "other" }), lists)).toBe(lists.projects.default);
    expect(policyFor(app([], { appSet: "other", project: "none" }), lists)).toBe(DEFAULT_POLICY);
  });
});

describe("sourceRepos globs and the pre-fetch source policy", () => {
  it("keeps a host wildcard inside the host", () => {
    expect(repoGlobMatches("https://*.example.com/*", "https://git.example.com/org/app")).toBe(true);
    expect(repoGlobMatches("https://*.example.com/*", "https://evil.io/.example.com/x")).toBe(false);
    expect(repoGlobMatches("https://*.example.com/*", "https://evil.io#.example.com/x")).toBe(false);
    expect(repoGlobMatches("https://*.example.com/*", "https://evil.io@git.example.com/x")).toBe(false);
    expect(repoGlobMatches("https://git.example.com/org/*", "HTTPS://Git.Example.com/org/app.git")).toBe(true);
    expect(repoGlobMatches("https://git.example.com/org/*", "https://git.example.com/org-evil/app")).toBe(false);
    expect(repoGlobMatches("*", "anything")).toBe(true);
  });

  it("answers per ApplicationSet override, then project; a templated project must pass every project", () => {
    const policy = sourcePolicy({
      projects: { team: { sourceRepos: ["https://git.example.com/team/*"] }, other: { sourceRepos: ["https://git.example.com/other/*"] } },
      appSets: { special: { sourceRepos: ["https://git.example.com/special/*"] } },
    })!;
    expect(policy({ repoURL: "https://git.example.com/team/app", appSet: "a", project: "team" })).toBeUndefined();
    expect(policy({ repoURL: "https://evil.io/x", appSet: "a", project: "team" })).toContain("sourceRepos of project team");
    expect(policy({ repoURL: "https://git.example.com/special/x", appSet: "special", project: "team" })).toBeUndefined();
    expect(policy({ repoURL: "https://git.example.com/team/app", appSet: "special", project: "team" })).toContain("ApplicationSet special");
    expect(policy({ repoURL: "https://git.example.com/team/app", appSet: "a", project: undefined })).toContain("project other");
    expect(policy({ repoURL: "https://anything.io/x", appSet: "a", project: "unconfigured" })).toBeUndefined();
    expect(sourcePolicy(undefined)).toBeUndefined();
  });
});
