import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/** Credentials for an HTTPS remote: a token (sent as the password) or a username and password. */
export interface GitAuth {
  readonly token?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/**
 * A remote repository URL in the one form we match, fetch and log: scheme, lower-case host, port
 * only when it is not the scheme's default, and the path without trailing `/` or `.git`.
 */
export interface RemoteRepoURL {
  readonly scheme: "https" | "http";
  readonly host: string;
  readonly port: string;
  readonly path: string;
  /** The canonical URL (what isomorphic-git is given, so every parser sees the same host). */
  readonly href: string;
}

// Whitespace, control characters and backslashes are read differently by WHATWG URL and by the
// legacy parser the HTTP client uses; a URL that holds them is refused rather than interpreted.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
const AMBIGUOUS = /[\s\\\u0000-\u001f\u007f]/u;

/**
 * Parses a remote repoURL, refusing anything that could make two parsers (ours and the HTTP
 * client's) disagree about the host: userinfo (`https://good@evil/`), a query or fragment,
 * backslashes, whitespace. Returns the reason as a GitOpsError (code GITOPS_REPO_URL).
 */
export function parseRemoteRepoURL(url: string, where: { field?: string; file?: string } = {}): RemoteRepoURL {
  const refuse = (why: string): GitOpsError => new GitOpsError(GITOPS_ERROR.repoURL, `repoURL ${JSON.stringify(redactUserinfo(url))} ${why}`, where);
  if (AMBIGUOUS.test(url)) throw refuse("holds whitespace, a control character or a backslash");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("is not a URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw refuse("is not an http(s) URL");
  if (parsed.username !== "" || parsed.password !== "" || /^[a-z]+:\/\/[^/]*@/iu.test(url)) {
    throw refuse("carries userinfo; credentials come from the hub's credentials configuration, never from the URL");
  }
  if (parsed.search !== "" || parsed.hash !== "" || url.includes("?") || url.includes("#")) throw refuse("has a query or a fragment");
  if (parsed.hostname === "") throw refuse("names no host");
  const scheme = parsed.protocol === "https:" ? "https" : "http";
  const path = parsed.pathname.replace(/\/+$/u, "").replace(/\.git$/u, "").replace(/\/+$/u, "");
  const authority = parsed.port === "" ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  return { scheme, host: parsed.hostname, port: parsed.port, path, href: `${scheme}://${authority}${parsed.pathname.replace(/\/+$/u, "")}` };
}

/** True when `url` is a remote repository URL that {@link parseRemoteRepoURL} accepts. */
export function tryParseRemoteRepoURL(url: string): RemoteRepoURL | undefined {
  try {
    return parseRemoteRepoURL(url);
  } catch {
    return undefined;
  }
}

/**
 * Whether `repo` lies under `prefix`: same scheme, host and port, and a path equal to the
 * prefix's or below it on a `/` boundary (`/org` covers `/org/app`, never `/org-evil`).
 * `exact` asks for the same repository.
 */
export function urlPrefixMatches(prefix: RemoteRepoURL, repo: RemoteRepoURL, exact = false): boolean {
  if (prefix.scheme !== repo.scheme || prefix.host !== repo.host || prefix.port !== repo.port) return false;
  if (exact) return repo.path === prefix.path;
  return prefix.path === "" || repo.path === prefix.path || repo.path.startsWith(`${prefix.path}/`);
}

/** One credentials entry: like an Argo CD repo-creds template, it covers every URL under `url`. */
export interface GitCredentialEntry {
  /** URL prefix (`https://git.example.com/org`), or the repository URL itself. */
  readonly url: string;
  /** Default `x-access-token` (what GitHub, Gitea and most forges accept with a token). */
  readonly username?: string | undefined;
  readonly password: string;
  /** Only this repository, not the ones below it (the fleet token). */
  readonly exact?: boolean | undefined;
  /** Where the entry came from, for messages (a file and field, or a flag). */
  readonly origin?: { readonly file?: string | undefined; readonly field?: string | undefined } | undefined;
}

export interface GitCredentialsOptions {
  readonly entries: readonly GitCredentialEntry[];
  /**
   * Send credentials over plain `http://` too (development and tests only). Even then only to
   * URLs under an `http://` entry: an `https://` entry never matches an `http://` URL.
   */
  readonly allowInsecureHttp?: boolean | undefined;
}

interface CompiledEntry {
  readonly prefix: RemoteRepoURL;
  readonly exact: boolean;
  readonly auth: GitAuth;
}

/**
 * Git credentials scoped by URL prefix, as Argo CD's repository credential templates are: the
 * entry with the longest matching prefix wins. Credentials are never sent over plain http unless
 * the operator opted in, and never to a URL no entry covers.
 */
export class GitCredentials {
  readonly #entries: readonly CompiledEntry[];
  readonly #allowInsecureHttp: boolean;

  constructor(options: GitCredentialsOptions) {
    this.#allowInsecureHttp = options.allowInsecureHttp === true;
    const seen = new Set<string>();
    this.#entries = options.entries.map((entry) => {
      const where = { file: entry.origin?.file, field: entry.origin?.field ?? "url" };
      let prefix: RemoteRepoURL;
      try {
        prefix = parseRemoteRepoURL(entry.url, where);
      } catch (err) {
        throw new GitOpsError(GITOPS_ERROR.credentials, `credentials URL: ${(err as Error).message}`, where);
      }
      if (prefix.scheme === "http" && !this.#allowInsecureHttp) {
        throw new GitOpsError(
          GITOPS_ERROR.credentials,
          `credentials for ${prefix.href} would be sent over plain http; use https, or start the hub with --allow-insecure-http-credentials (development only)`,
          where,
        );
      }
      const key = `${entry.exact === true ? "=" : "^"}${prefix.scheme}://${prefix.host}:${prefix.port}${prefix.path}`;
      if (seen.has(key)) throw new GitOpsError(GITOPS_ERROR.credentials, `two credentials entries for ${prefix.href}`, where);
      seen.add(key);
      if (entry.password === "") throw new GitOpsError(GITOPS_ERROR.credentials, `the credentials for ${prefix.href} have an empty password`, where);
      return { prefix, exact: entry.exact === true, auth: { username: entry.username ?? "x-access-token", password: entry.password } };
    });
  }

  /** The credentials for `url`, or undefined (no entry covers it, or it is plain http without opt-in). */
  lookup(url: string): GitAuth | undefined {
    const repo = tryParseRemoteRepoURL(url);
    if (repo === undefined) return undefined;
    if (repo.scheme === "http" && !this.#allowInsecureHttp) return undefined;
    let best: CompiledEntry | undefined;
    let bestScore = -1;
    for (const entry of this.#entries) {
      if (!urlPrefixMatches(entry.prefix, repo, entry.exact)) continue;
      // Longest prefix wins; an exact entry beats a prefix entry of the same length.
      const score = entry.prefix.path.length * 2 + (entry.exact ? 1 : 0);
      if (score > bestScore) {
        best = entry;
        bestScore = score;
      }
    }
    return best?.auth;
  }

  /** As a function, the shape renderFleet and the git sources take. */
  resolver(): (url: string) => GitAuth | undefined {
    return (url) => this.lookup(url);
  }
}

function redactUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/iu, "$1");
}
