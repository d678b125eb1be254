import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { KubeError, KUBE_ERROR } from "./kube-errors.js";
import { isRecord } from "./kube-object.js";
import type { ExecPluginConfig, KubeTarget, KubeUser } from "./kube-target.js";

/** The exec credential versions client-go speaks (v1alpha1 was removed in 1.24). */
export const EXEC_API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const;
const INTERACTIVE_MODES = new Set(["Never", "IfAvailable", "Always"]);

export interface KubeconfigOptions {
  /** The context to use; default `current-context`. */
  readonly context?: string | undefined;
  /** Reads a file named in the kubeconfig (certificates, keys); injectable for tests. */
  readonly readFile?: (path: string) => string;
}

function fail(file: string, field: string, message: string): KubeError {
  return new KubeError(KUBE_ERROR.config, message, { file, field, userError: true });
}

/** The `name`d entry of a kubeconfig list (`clusters`, `users`, `contexts`), with its inner object. */
function named(doc: Record<string, unknown>, list: string, inner: string, name: string, file: string): Record<string, unknown> {
  const entries = doc[list];
  if (entries !== undefined && entries !== null && !Array.isArray(entries)) throw fail(file, list, `${list} must be a list`);
  for (const entry of entries ?? []) {
    if (isRecord(entry) && entry.name === name) {
      const value = entry[inner] ?? {};
      if (!isRecord(value)) throw fail(file, `${list}[${name}].${inner}`, `${inner} must be a mapping`);
      return value;
    }
  }
  throw fail(file, list, `no ${inner} named "${name}"`);
}

function optionalString(obj: Record<string, unknown>, key: string, file: string, field: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw fail(file, `${field}.${key}`, `${key} must be a string`);
  return value;
}

/**
 * A PEM from `<key>-data` (base64) or `<key>` (a file, relative to the kubeconfig). The field path,
 * never the content, goes into errors: a client key is a secret.
 */
function pem(obj: Record<string, unknown>, key: string, o: { file: string; field: string; baseDir: string; readFile: (p: string) => string }): string | undefined {
  const data = optionalString(obj, `${key}-data`, o.file, o.field);
  if (data !== undefined) {
    const text = Buffer.from(data, "base64").toString("utf8");
    if (!text.includes("-----BEGIN ")) throw fail(o.file, `${o.field}.${key}-data`, `${key}-data is not base64 of a PEM block`);
    return text;
  }
  const path = optionalString(obj, key, o.file, o.field);
  if (path === undefined) return undefined;
  try {
    return o.readFile(isAbsolute(path) ? path : resolve(o.baseDir, path));
  } catch {
    throw fail(o.file, `${o.field}.${key}`, `cannot read ${key} file ${path}`);
  }
}

function stringList(value: unknown, file: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw fail(file, field, "must be a list of strings");
  return value;
}

function execConfig(exec: unknown, file: string, field: string): ExecPluginConfig {
  if (!isRecord(exec)) throw fail(file, field, "exec must be a mapping");
  const apiVersion = optionalString(exec, "apiVersion", file, field);
  if (apiVersion === undefined || !(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw fail(file, `${field}.apiVersion`, `exec apiVersion must be one of ${EXEC_API_VERSIONS.join(", ")}`);
  }
  const command = optionalString(exec, "command", file, field);
  if (command === undefined) throw fail(file, `${field}.command`, "exec needs a command");
  const env: Record<string, string> = {};
  const rawEnv = exec.env ?? [];
  if (!Array.isArray(rawEnv)) throw fail(file, `${field}.env`, "exec env must be a list of {name, value}");
  for (const [i, entry] of rawEnv.entries()) {
    if (!isRecord(entry) || typeof entry.name !== "string" || typeof entry.value !== "string") throw fail(file, `${field}.env[${i}]`, "exec env entries need a name and a string value");
    env[entry.name] = entry.value;
  }
  // client-go: v1 requires interactiveMode; v1beta1 defaults it to IfAvailable.
  const mode = optionalString(exec, "interactiveMode", file, field) ?? (apiVersion.endsWith("/v1beta1") ? "IfAvailable" : undefined);
  if (mode === undefined || !INTERACTIVE_MODES.has(mode)) throw fail(file, `${field}.interactiveMode`, "interactiveMode must be Never, IfAvailable or Always");
  return {
    apiVersion,
    command,
    args: stringList(exec.args, file, `${field}.args`),
    env,
    interactiveMode: mode,
    provideClusterInfo: exec.provideClusterInfo === true,
    installHint: optionalString(exec, "installHint", file, field),
  };
}

/** Kubeconfig user fields we do not implement: fail loudly rather than send unauthenticated requests. */
const UNSUPPORTED_USER_FIELDS: Readonly<Record<string, string>> = {
  "auth-provider": "auth-provider plugins were removed from client-go; use an exec plugin (kubelogin, gke-gcloud-auth-plugin)",
  username: "basic auth was removed from Kubernetes 1.19; use a token, a client certificate or an exec plugin",
  as: "impersonation is not supported by the spoke's client",
  "as-groups": "impersonation is not supported by the spoke's client",
};

/** Resolves one context of a parsed kubeconfig to a KubeTarget. Reads only the files it names. */
export function kubeconfigTarget(text: string, file: string, options: KubeconfigOptions = {}): KubeTarget {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw fail(file, "", "the kubeconfig is not valid YAML");
  }
  if (!isRecord(doc)) throw fail(file, "", "the kubeconfig is not a mapping");
  const contextName = options.context ?? (typeof doc["current-context"] === "string" ? doc["current-context"] : "");
  if (contextName === "") throw fail(file, "current-context", "the kubeconfig has no current-context");
  const context = named(doc, "contexts", "context", contextName, file);
  const clusterName = optionalString(context, "cluster", file, `contexts[${contextName}].context`);
  if (clusterName === undefined) throw fail(file, `contexts[${contextName}].context.cluster`, "the context names no cluster");
  const cluster = named(doc, "clusters", "cluster", clusterName, file);
  const userName = optionalString(context, "user", file, `contexts[${contextName}].context`);
  const user = userName === undefined ? {} : named(doc, "users", "user", userName, file);
  const baseDir = dirname(resolve(file));
  const clusterField = `clusters[${clusterName}].cluster`;
  const userField = `users[${userName ?? ""}].user`;

  const server = optionalString(cluster, "server", file, clusterField);
  if (server === undefined) throw fail(file, `${clusterField}.server`, "the cluster has no server");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw fail(file, `${clusterField}.server`, "server is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw fail(file, `${clusterField}.server`, "server must be an http(s) URL");
  if (optionalString(cluster, "proxy-url", file, clusterField) !== undefined) throw fail(file, `${clusterField}.proxy-url`, "proxy-url is not supported by the spoke's client");

  for (const [key, why] of Object.entries(UNSUPPORTED_USER_FIELDS)) {
    if (user[key] !== undefined && user[key] !== null) throw fail(file, `${userField}.${key}`, why);
  }
  const io = { file, baseDir, readFile };
  const certPem = pem(user, "client-certificate", { ...io, field: userField });
  const keyPem = pem(user, "client-key", { ...io, field: userField });
  if ((certPem === undefined) !== (keyPem === undefined)) throw fail(file, userField, "client-certificate and client-key must be given together");
  const tokenFile = optionalString(user, "tokenFile", file, userField);
  const kubeUser: KubeUser = {
    token: optionalString(user, "token", file, userField),
    tokenFile: tokenFile === undefined ? undefined : isAbsolute(tokenFile) ? tokenFile : resolve(baseDir, tokenFile),
    clientCertificate: certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem },
    exec: user.exec === undefined || user.exec === null ? undefined : execConfig(user.exec, file, `${userField}.exec`),
  };
  return {
    server: server.replace(/\/+$/, ""),
    caPem: pem(cluster, "certificate-authority", { ...io, field: clusterField }),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: optionalString(cluster, "tls-server-name", file, clusterField),
    namespace: optionalString(context, "namespace", file, `contexts[${contextName}].context`) ?? "default",
    user: kubeUser,
    baseDir,
    source: file,
  };
}

/** Reads and resolves a kubeconfig file. */
export function loadKubeconfig(file: string, options: KubeconfigOptions = {}): KubeTarget {
  let text: string;
  try {
    text = (options.readFile ?? ((p: string) => readFileSync(p, "utf8")))(file);
  } catch {
    throw fail(file, "", "cannot read the kubeconfig");
  }
  return kubeconfigTarget(text, file, options);
}
