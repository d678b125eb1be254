import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, checkAllowlist, policyFor, type AppUnderReview } from "./allowlist.js";

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
