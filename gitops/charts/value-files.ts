import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { confinePath, joinRepoPath } from "../repo-path.js";
import type { RepoSnapshot } from "../repo-snapshot.js";
import { envsubst, type ArgoBuildEnv } from "./argo-helm-source.js";
import { expandGlob, isGlobPath } from "./value-file-glob.js";

// Argo CD's getResolvedValueFiles (reposerver/repository/repository.go) on snapshots: value files
// relative to the chart directory, `/x` from the repository root, `$ref/x` from a ref source's
// root, URLs with an allowed scheme (fetched before rendering, see chart-app-prepare.ts), and
// globs expanded in lexical order with explicitly listed files keeping their own position. Nothing
// leaves its repository: `..` past the root and symlinks pointing out are GITOPS_PATH_ESCAPE.

/** Argo CD's default `helm.valuesFileSchemes`. */
export const VALUES_FILE_SCHEMES = ["https", "http"] as const;

type Where = { readonly file?: string | undefined; readonly field: string };

/** Where a value file is read from: a snapshot, or the files of a chart archive. */
export interface ValueFileContext {
  readonly origin: { readonly kind: "git"; readonly snapshot: RepoSnapshot; readonly path: string } | { readonly kind: "archive" };
  /** The files of a chart archive (chart-relative). */
  readonly chartFiles: ReadonlyMap<string, Uint8Array>;
  readonly refs: ReadonlyMap<string, RepoSnapshot>;
  readonly env: ArgoBuildEnv;
  /** URL value files fetched before rendering: URL → text. */
  readonly remote: ReadonlyMap<string, string>;
  readonly ignoreMissing: boolean;
}

/** A value file as written, resolved: a URL, or a path in one store (a glob stays a pattern). */
type Resolved =
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "path"; readonly store: Store; readonly path: string; readonly name: string };

interface Store {
  readonly id: string;
  files(): Iterable<string>;
  has(path: string): boolean;
  read(path: string, where: Where): Uint8Array;
}

const decoder = new TextDecoder("utf-8");

/** The URL a value file names (after envsubst), or undefined for a path; GITOPS_INVALID for a scheme not allowed. */
export function valueFileUrl(text: string, where: Where, schemes: readonly string[] = VALUES_FILE_SCHEMES): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/iu.exec(text);
  if (m === null) return undefined;
  if (!schemes.some((s) => s.toLowerCase() === m[1].toLowerCase())) throw new GitOpsError(GITOPS_ERROR.invalid, `the URL scheme '${m[1]}' is not allowed`, where);
  return text;
}

function snapshotStore(id: string, s: RepoSnapshot): Store {
  return { id, files: () => s.files(), has: (p) => s.isFile(p), read: (p, where) => s.read(p, { field: where.field }) };
}

function filesStore(files: ReadonlyMap<string, Uint8Array>): Store {
  return {
    id: "chart",
    files: () => files.keys(),
    has: (p) => files.has(p),
    read: (p, where) => {
      const data = files.get(p);
      if (data === undefined) throw new GitOpsError(GITOPS_ERROR.notFound, `${p} does not exist`, where);
      return data;
    },
  };
}

function resolve(raw: string, ctx: ValueFileContext, where: Where): Resolved {
  const refMatch = /^\$([^/]+)\/(.*)$/u.exec(raw);
  const ref = refMatch === null ? undefined : ctx.refs.get(refMatch[1]);
  if (ref !== undefined) {
    // `$values/a/b.yaml`: the path after the ref, from the root of that source's repository.
    const path = confinePath(envsubst(refMatch![2], ctx.env), where);
    return { kind: "path", store: snapshotStore(`$${refMatch![1]}`, ref), path, name: `$${refMatch![1]}/${path}` };
  }
  const text = envsubst(raw, ctx.env);
  const url = valueFileUrl(text, where);
  if (url !== undefined) return { kind: "url", url };
  const { origin } = ctx;
  if (origin.kind === "git") {
    const root = confinePath(origin.path, where);
    // Relative to the chart directory; an absolute path is relative to the repository root (Argo's rule).
    const path = text.startsWith("/") ? confinePath(text.slice(1), where) : joinRepoPath(root, text, where);
    return { kind: "path", store: snapshotStore("repo", origin.snapshot), path, name: path };
  }
  const path = confinePath(text.replace(/^\/+/u, ""), where);
  return { kind: "path", store: filesStore(ctx.chartFiles), path, name: path };
}

function key(r: Resolved): string {
  return r.kind === "url" ? `url\0${r.url}` : `${r.store.id}\0${r.path}`;
}

/** Every value file of `raws` in helm's order, with its text; missing ones skipped only with ignoreMissing. */
export function resolveValueFiles(raws: readonly string[], ctx: ValueFileContext, whereOf: (i: number) => Where): { name: string; text: string }[] {
  // Explicit entries keep their own position: a glob skips them (Argo's explicitPaths).
  const explicit = new Set<string>();
  raws.forEach((raw, i) => {
    try {
      const r = resolve(raw, ctx, whereOf(i));
      if (r.kind === "url" || !isGlobPath(r.path)) explicit.add(key(r));
    } catch {
      // reported in the main loop
    }
  });
  const out: { name: string; text: string }[] = [];
  const seen = new Set<string>();
  const add = (k: string, name: string, text: () => string): void => {
    if (seen.has(k)) return; // Argo adds a resolved path once
    seen.add(k);
    out.push({ name, text: text() });
  };
  raws.forEach((raw, i) => {
    const where = whereOf(i);
    const r = resolve(raw, ctx, where);
    if (r.kind === "url") {
      const text = ctx.remote.get(r.url);
      if (text === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `value file ${JSON.stringify(raw)} was not fetched`, where);
      add(key(r), r.url, () => text);
      return;
    }
    if (isGlobPath(r.path)) {
      const matches = expandGlob(r.path, r.store.files(), where);
      if (matches.length === 0) {
        if (ctx.ignoreMissing) return;
        throw new GitOpsError(GITOPS_ERROR.notFound, `values file glob ${JSON.stringify(raw)} matched no files`, where);
      }
      for (const m of matches) {
        const k = `${r.store.id}\0${m}`;
        if (explicit.has(k)) continue;
        const name = r.name.startsWith("$") ? `${r.name.slice(0, r.name.indexOf("/"))}/${m}` : m;
        // read() follows in-repo symlinks and refuses one that points out (Argo's verifyGlobMatchesWithinRoot).
        add(k, name, () => decoder.decode(r.store.read(m, where)));
      }
      return;
    }
    if (!r.store.has(r.path)) {
      if (ctx.ignoreMissing) return;
      throw new GitOpsError(GITOPS_ERROR.notFound, `value file ${JSON.stringify(raw)} does not exist${r.name === raw ? "" : ` (${r.name})`}`, where);
    }
    add(key(r), r.name, () => decoder.decode(r.store.read(r.path, where)));
  });
  return out;
}

/** One file (a `fileParameters` path): no globs; a URL only when fetched. */
export function readOneValueFile(raw: string, ctx: ValueFileContext, where: Where): string {
  const r = resolve(raw, ctx, where);
  if (r.kind === "url") {
    const text = ctx.remote.get(r.url);
    if (text === undefined) throw new GitOpsError(GITOPS_ERROR.chartFetch, `file ${JSON.stringify(raw)} was not fetched`, where);
    return text;
  }
  if (isGlobPath(r.path)) throw new GitOpsError(GITOPS_ERROR.invalid, `file ${JSON.stringify(raw)} is a glob: a file parameter names one file`, where);
  if (!r.store.has(r.path)) throw new GitOpsError(GITOPS_ERROR.notFound, `value file ${JSON.stringify(raw)} does not exist${r.name === raw ? "" : ` (${r.name})`}`, where);
  return decoder.decode(r.store.read(r.path, where));
}

/** The URLs among value files and file parameters (after envsubst): what must be fetched before rendering. */
export function valueFileUrls(raws: readonly string[], refs: ReadonlySet<string>, env: ArgoBuildEnv, whereOf: (i: number) => Where): { url: string; where: Where }[] {
  const out: { url: string; where: Where }[] = [];
  raws.forEach((raw, i) => {
    const m = /^\$([^/]+)\//u.exec(raw);
    if (m !== null && refs.has(m[1])) return;
    const url = valueFileUrl(envsubst(raw, env), whereOf(i));
    if (url !== undefined && !out.some((o) => o.url === url)) out.push({ url, where: whereOf(i) });
  });
  return out;
}
