import { coerce, parse } from "semver";
import { withGoMethods } from "../template/index.js";

/**
 * `.Capabilities` as `helm template` fakes it (no cluster): Helm 3.17.2's defaults, a Kubernetes
 * version from `--kube-version` and extra API versions from `--api-versions`.
 */
export interface KubeVersion {
  readonly version: string;
  readonly major: string;
  readonly minor: string;
}

/** What helm 3.17.2 (built against client-go 1.32) reports without --kube-version. */
export const DEFAULT_KUBE_VERSION: KubeVersion = { version: "v1.32.0", major: "1", minor: "32" };

export const HELM_VERSION = { version: "v3.17.2", gitCommit: "cc0bbbd6d6276b83880042c1ecb34087e84d41eb", gitTreeState: "clean", goVersion: "go1.23.7" } as const;

/** client-go's scheme for Kubernetes 1.32 plus apiextensions, in Helm's (prioritized) order. */
export const DEFAULT_API_VERSIONS: readonly string[] = [
  "v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1", "admissionregistration.k8s.io/v1beta1",
  "internal.apiserver.k8s.io/v1alpha1", "apps/v1", "apps/v1beta1", "apps/v1beta2", "authentication.k8s.io/v1",
  "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1", "authorization.k8s.io/v1", "authorization.k8s.io/v1beta1",
  "autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2", "batch/v1", "batch/v1beta1",
  "certificates.k8s.io/v1", "certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1", "coordination.k8s.io/v1alpha2",
  "coordination.k8s.io/v1beta1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "discovery.k8s.io/v1beta1", "events.k8s.io/v1",
  "events.k8s.io/v1beta1", "extensions/v1beta1", "flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1",
  "flowcontrol.apiserver.k8s.io/v1beta2", "flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1", "networking.k8s.io/v1alpha1",
  "networking.k8s.io/v1beta1", "node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1", "policy/v1", "policy/v1beta1",
  "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1", "resource.k8s.io/v1beta1",
  "resource.k8s.io/v1alpha3", "scheduling.k8s.io/v1alpha1", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1", "storage.k8s.io/v1beta1",
  "storage.k8s.io/v1", "storage.k8s.io/v1alpha1", "storagemigration.k8s.io/v1alpha1", "apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1",
];

/** Helm's `ParseKubeVersion` (Masterminds semver, lenient: `1.16`, `v1.16.0`); undefined when not a version. */
export function parseKubeVersion(text: string): KubeVersion | undefined {
  const t = text.trim();
  if (!/^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(t)) return undefined;
  const exact = parse(t.replace(/^v/, ""), { loose: true });
  const sv = exact ?? coerce(t, { includePrerelease: true });
  if (sv === null) return undefined;
  let s = `${sv.major}.${sv.minor}.${sv.patch}`;
  if (sv.prerelease.length > 0) s += `-${sv.prerelease.join(".")}`;
  if (sv.build.length > 0) s += `+${sv.build.join(".")}`;
  return { version: `v${s}`, major: String(sv.major), minor: String(sv.minor) };
}

/** The `.Capabilities` object with Go's methods (`APIVersions.Has`, `KubeVersion.GitVersion`). */
export function capabilitiesObject(kube: KubeVersion, extraApiVersions: readonly string[]): Record<string, unknown> {
  const kubeVersion = withGoMethods({ Version: kube.version, Major: kube.major, Minor: kube.minor }, { String: () => kube.version, GitVersion: () => kube.version });
  const apiVersions = [...DEFAULT_API_VERSIONS, ...extraApiVersions];
  const versionSet = withGoMethods([...apiVersions], { Has: (v) => typeof v === "string" && apiVersions.includes(v) });
  const h = HELM_VERSION;
  const helmVersion = withGoMethods({ Version: h.version, GitCommit: h.gitCommit, GitTreeState: h.gitTreeState, GoVersion: h.goVersion }, {
    String: () => `{${h.version} ${h.gitCommit} ${h.gitTreeState} ${h.goVersion}}`,
  });
  return { KubeVersion: kubeVersion, APIVersions: versionSet, HelmVersion: helmVersion };
}
