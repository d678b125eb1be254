import * as fs from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import git from "isomorphic-git";
import { errorMessage, silentLogger, type Logger } from "../core/index.js";
import { parseRemoteRepoURL, type GitAuth } from "./git-credentials.js";
import { guardedHttpClient } from "./git-http-client.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { DEFAULT_LIMITS, SnapshotBuilder, type RepoSnapshot, type SnapshotEntry, type SnapshotLimits } from "./repo-snapshot.js";

export type { GitAuth } from "./git-credentials.js";

const http = guardedHttpClient();

export interface GitSourceOptions {
  /** An `https://` or `http://` URL, or a local path (a git repository or a plain directory). */
  readonly url: string;
  readonly auth?: GitAuth | undefined;
  /** Allow `auth` on a plain `http://` URL (tests and development); otherwise that is refused. */
  readonly allowInsecureHttp?: boolean | undefined;
  /** Where remote clones are kept between fetches; defaults to `<tmp>/flotilla-git-cache`. */
  readonly cacheDir?: string | undefined;
  readonly limits?: SnapshotLimits | undefined;
  readonly logger?: Logger | undefined;
  /** Resolves relative local paths (the CLI passes its cwd). */
  readonly cwd?: string | undefined;
  /**
   * A local git repository is read as its working tree (the files on disk, `.git` left out) instead
   * of a commit: `flotilla render`/`diff` preview uncommitted changes, like `argocd app diff --local`.
   * Every revision of it is then the working tree.
   */
  readonly workingTree?: boolean | undefined;
}

/** A repository we can resolve revisions of and check out into memory. */
export interface GitSource {
  readonly url: string;
  /** `git` for a repository, `directory` for a plain folder (its working files are the only revision). */
  readonly kind: "git" | "directory";
  /** Fetches new commits from the remote (a no-op for local sources). */
  fetch(): Promise<void>;
  /** Resolves a branch, tag, `HEAD` or (abbreviated) commit to a commit oid. */
  resolve(revision?: string): Promise<string>;
  /** Reads the tree of `revision` into memory, bounded by the limits. */
  checkout(revision?: string): Promise<RepoSnapshot>;
  /** The commit's message (first line), author and time; undefined for a plain directory or an unknown oid. */
  commitInfo?(oid: string): Promise<CommitInfo | undefined>;
}

/** What the dashboard's history shows of a commit. */
export interface CommitInfo {
  readonly oid: string;
  readonly message: string;
  readonly author: string;
  /** ISO 8601. */
  readonly time: string;
}

async function readCommitInfo(repo: RepoAccess, oid: string): Promise<CommitInfo | undefined> {
  if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
  try {
    const { commit } = await git.readCommit({ fs, dir: repo.dir, oid, cache: repo.cache });
    return { oid, message: (commit.message.split("\n")[0] ?? "").slice(0, 200), author: commit.author.name.slice(0, 100), time: new Date(commit.author.timestamp * 1000).toISOString() };
  } catch {
    return undefined;
  }
}

export function isRemoteUrl(url: string): boolean {
  return /^https?:\/\//iu.test(url);
}

/** Opens a source: clones (or fetches into an existing clone of) a remote, or opens a local path. */
export async function openGitSource(options: GitSourceOptions): Promise<GitSource> {
  const logger = options.logger ?? silentLogger();
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (isRemoteUrl(options.url)) {
    // The canonical form is what goes on the wire: every parser then agrees on the host.
    const remote = parseRemoteRepoURL(options.url, { field: "repoURL" });
    if (options.auth !== undefined && remote.scheme === "http" && options.allowInsecureHttp !== true) {
      throw new GitOpsError(GITOPS_ERROR.credentials, `refusing to send credentials to ${remote.href} over plain http`, { field: "repoURL" });
    }
    const cacheRoot = options.cacheDir ?? join(tmpdir(), "flotilla-git-cache");
    const dir = join(cacheRoot, createHash("sha256").update(remote.href).digest("hex").slice(0, 32));
    const source = new RemoteGitSource({ url: options.url, remoteUrl: remote.href, dir, auth: options.auth, limits, logger });
    await source.ensureCloned();
    return source;
  }
  const path = resolve(options.cwd ?? ".", options.url.replace(/^file:\/\//u, ""));
  let isDir = false;
  try {
    isDir = (await lstat(path)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new GitOpsError(GITOPS_ERROR.git, `${options.url} is neither a directory nor an http(s) URL`, { field: "repo" });
  if (fs.existsSync(join(path, ".git")) && options.workingTree !== true) return new LocalGitSource({ url: options.url, dir: path, limits, logger });
  return new DirectorySource({ url: options.url, dir: path, limits, anyRevision: options.workingTree === true });
}

interface RepoAccess {
  /** The subtrees of the last checkout, by tree oid (see checkoutTree). */
  trees?: Map<string, TreeFiles> | undefined;
  readonly dir: string;
  readonly cache: object;
}

/** Branch → tag → commit, the order `git rev-parse` and Argo's repo server use. */
async function resolveIn(repo: RepoAccess, revision: string, remote: boolean): Promise<string> {
  let rev = revision === "" ? "HEAD" : revision;
  if (remote && rev === "HEAD") rev = await remoteDefaultBranch(repo);
  const candidates =
    rev === "HEAD"
      ? remote
        ? ["refs/remotes/origin/HEAD", "HEAD"]
        : ["HEAD"]
      : remote
        ? [`refs/remotes/origin/${rev}`, `refs/tags/${rev}`, `refs/heads/${rev}`, rev]
        : [`refs/heads/${rev}`, `refs/tags/${rev}`, rev];
  for (const ref of candidates) {
    try {
      const oid = await git.resolveRef({ fs, dir: repo.dir, ref });
      return await peelToCommit(repo, oid);
    } catch {
      // try the next form
    }
  }
  if (/^[0-9a-f]{4,40}$/iu.test(rev)) {
    try {
      const oid = await git.expandOid({ fs, dir: repo.dir, oid: rev.toLowerCase(), cache: repo.cache });
      return await peelToCommit(repo, oid);
    } catch {
      // fall through to the error
    }
  }
  throw new GitOpsError(GITOPS_ERROR.revision, `revision ${JSON.stringify(rev)} is not a branch, tag or commit`, {
    field: "targetRevision",
  });
}

/**
 * The branch the remote's HEAD names. A clone without checkout keeps a local HEAD that never
 * moves, so HEAD of a remote is resolved through its branch in refs/remotes/origin.
 */
async function remoteDefaultBranch(repo: RepoAccess): Promise<string> {
  for (const ref of ["refs/remotes/origin/HEAD", "HEAD"]) {
    try {
      const target = await git.resolveRef({ fs, dir: repo.dir, ref, depth: 2 });
      const match = /^refs\/(?:remotes\/origin|heads)\/(.+)$/u.exec(target);
      if (match !== null && match[1] !== "HEAD") return match[1];
    } catch {
      // try the next
    }
  }
  return "HEAD";
}

async function peelToCommit(repo: RepoAccess, oid: string): Promise<string> {
  let current = oid;
  for (let i = 0; i < 8; i++) {
    const obj = await git.readObject({ fs, dir: repo.dir, oid: current, format: "parsed", cache: repo.cache });
    if (obj.type === "commit") return current;
    if (obj.type === "tag") {
      current = (obj.object as { object: string }).object;
      continue;
    }
    break;
  }
  throw new GitOpsError(GITOPS_ERROR.revision, `${oid} is not a commit`, { field: "targetRevision" });
}

/** A subtree's files, relative to it, as read at some commit (a tree oid names its content exactly). */
type TreeFiles = readonly (readonly [path: string, entry: SnapshotEntry])[];

async function checkoutTree(repo: RepoAccess, commit: string, source: string, limits: SnapshotLimits): Promise<RepoSnapshot> {
  const builder = new SnapshotBuilder(source, limits);
  const { commit: parsed } = await git.readCommit({ fs, dir: repo.dir, oid: commit, cache: repo.cache });
  // Subtrees of the last checkout by oid: a commit that leaves `clusters/` alone reads none of its
  // 10 000 files again. Only the last checkout's trees are kept, so the cache never outgrows one snapshot.
  const previous = repo.trees ?? new Map<string, TreeFiles>();
  const seen = new Map<string, TreeFiles>();
  const at = (prefix: string, path: string): string => (prefix === "" ? path : `${prefix}/${path}`);
  // Every file goes through the builder as it is found, so the limits stop a huge tree early.
  const walk = async (treeOid: string, prefix: string): Promise<TreeFiles> => {
    const known = seen.get(treeOid) ?? previous.get(treeOid);
    if (known !== undefined) {
      seen.set(treeOid, known);
      for (const [path, entry] of known) builder.add(at(prefix, path), entry);
      return known;
    }
    const files: (readonly [string, SnapshotEntry])[] = [];
    const { tree } = await git.readTree({ fs, dir: repo.dir, oid: treeOid, cache: repo.cache });
    for (const entry of tree) {
      if (entry.type === "tree") {
        for (const [path, e] of await walk(entry.oid, at(prefix, entry.path))) files.push([`${entry.path}/${path}`, e]);
      } else if (entry.type === "blob") {
        const { blob } = await git.readBlob({ fs, dir: repo.dir, oid: entry.oid, cache: repo.cache });
        const e: SnapshotEntry =
          entry.mode === "120000" ? { kind: "symlink", target: new TextDecoder().decode(blob) } : builder.accepts(blob.byteLength) ? { kind: "file", data: blob } : { kind: "oversized", size: blob.byteLength };
        builder.add(at(prefix, entry.path), e);
        files.push([entry.path, e]);
      }
      // Submodules ("commit" entries) are not followed.
    }
    seen.set(treeOid, files);
    return files;
  };
  await walk(parsed.tree, "");
  repo.trees = seen;
  return builder.build(commit);
}

class LocalGitSource implements GitSource {
  readonly kind = "git" as const;
  readonly url: string;
  readonly #repo: RepoAccess;
  readonly #limits: SnapshotLimits;
  readonly #logger: Logger;

  constructor(init: { url: string; dir: string; limits: SnapshotLimits; logger: Logger }) {
    this.url = init.url;
    this.#repo = { dir: init.dir, cache: {} };
    this.#limits = init.limits;
    this.#logger = init.logger;
  }

  fetch(): Promise<void> {
    return Promise.resolve();
  }

  resolve(revision = "HEAD"): Promise<string> {
    return resolveIn(this.#repo, revision, false);
  }

  async checkout(revision = "HEAD"): Promise<RepoSnapshot> {
    const commit = await this.resolve(revision);
    this.#logger.debug({ repo: this.url, commit }, "checking out local repository");
    return checkoutTree(this.#repo, commit, this.url, this.#limits);
  }

  commitInfo(oid: string): Promise<CommitInfo | undefined> {
    return readCommitInfo(this.#repo, oid);
  }
}

class RemoteGitSource implements GitSource {
  readonly kind = "git" as const;
  readonly url: string;
  readonly #remoteUrl: string;
  readonly #repo: RepoAccess;
  readonly #auth: GitAuth | undefined;
  readonly #limits: SnapshotLimits;
  readonly #logger: Logger;

  constructor(init: { url: string; remoteUrl: string; dir: string; auth: GitAuth | undefined; limits: SnapshotLimits; logger: Logger }) {
    this.url = init.url;
    this.#remoteUrl = init.remoteUrl;
    this.#repo = { dir: init.dir, cache: {} };
    this.#auth = init.auth;
    this.#limits = init.limits;
    this.#logger = init.logger;
  }

  /** Set when the server refused our credentials: isomorphic-git then reports only "canceled". */
  #authRejected = false;

  #onAuth(): { username: string; password: string } | undefined {
    const auth = this.#auth;
    if (auth === undefined) return undefined;
    if (auth.token !== undefined) return { username: auth.username ?? "x-access-token", password: auth.token };
    if (auth.username !== undefined) return { username: auth.username, password: auth.password ?? "" };
    return undefined;
  }

  #common() {
    return {
      fs,
      http,
      dir: this.#repo.dir,
      url: this.#remoteUrl,
      onAuth: () => this.#onAuth(),
      // Never retry with other credentials: a wrong token must fail, not loop.
      onAuthFailure: () => {
        this.#authRejected = true;
        return { cancel: true };
      },
      cache: this.#repo.cache,
    };
  }

  async ensureCloned(): Promise<void> {
    if (fs.existsSync(join(this.#repo.dir, ".git"))) {
      await this.fetch();
      return;
    }
    this.#logger.info({ repo: redactUrl(this.url) }, "cloning repository");
    this.#authRejected = false;
    try {
      await git.clone({ ...this.#common(), noCheckout: true, singleBranch: false, noTags: false });
    } catch (err) {
      fs.rmSync(this.#repo.dir, { recursive: true, force: true });
      throw gitFailure("clone", this.url, err, this.#authRejected, this.#auth !== undefined);
    }
  }

  async fetch(): Promise<void> {
    this.#authRejected = false;
    try {
      await git.fetch({ ...this.#common(), singleBranch: false, tags: true, prune: true });
    } catch (err) {
      throw gitFailure("fetch", this.url, err, this.#authRejected, this.#auth !== undefined);
    }
  }

  resolve(revision = "HEAD"): Promise<string> {
    return resolveIn(this.#repo, revision, true);
  }

  async checkout(revision = "HEAD"): Promise<RepoSnapshot> {
    const commit = await this.resolve(revision);
    return checkoutTree(this.#repo, commit, redactUrl(this.url), this.#limits);
  }

  commitInfo(oid: string): Promise<CommitInfo | undefined> {
    return readCommitInfo(this.#repo, oid);
  }
}

/** A plain directory (no `.git`): its files as they are on disk, named by a digest of their content. */
class DirectorySource implements GitSource {
  readonly kind = "directory" as const;
  readonly url: string;
  readonly #dir: string;
  readonly #limits: SnapshotLimits;
  readonly #anyRevision: boolean;

  constructor(init: { url: string; dir: string; limits: SnapshotLimits; anyRevision?: boolean }) {
    this.url = init.url;
    this.#dir = init.dir;
    this.#limits = init.limits;
    this.#anyRevision = init.anyRevision ?? false;
  }

  fetch(): Promise<void> {
    return Promise.resolve();
  }

  async resolve(revision = "HEAD"): Promise<string> {
    return (await this.checkout(revision)).revision;
  }

  async checkout(revision = "HEAD"): Promise<RepoSnapshot> {
    if (revision !== "HEAD" && revision !== "" && !this.#anyRevision && !revision.startsWith("sha256:")) {
      throw new GitOpsError(GITOPS_ERROR.revision, `${this.url} is a plain directory, not a git repository: it has no revision ${JSON.stringify(revision)}`, {
        field: "revision",
      });
    }
    const builder = new SnapshotBuilder(this.url, this.#limits);
    const hash = createHash("sha256");
    const walkDir = async (abs: string, rel: string): Promise<void> => {
      const names = (await readdir(abs)).sort();
      for (const name of names) {
        if (rel === "" && name === ".git") continue;
        const full = join(abs, name);
        const path = rel === "" ? name : `${rel}/${name}`;
        const info = await lstat(full);
        if (info.isDirectory()) await walkDir(full, path);
        else if (info.isSymbolicLink()) {
          const target = await readlink(full);
          builder.add(path, { kind: "symlink", target });
          hash.update(`${path}\0L${target}\0`);
        } else if (info.isFile()) {
          if (!builder.accepts(info.size)) {
            builder.add(path, { kind: "oversized", size: info.size });
            hash.update(`${path}\0O${info.size}\0`);
            continue;
          }
          const data = await readFile(full);
          builder.add(path, { kind: "file", data });
          hash.update(`${path}\0F${data.byteLength}\0`).update(data);
        }
      }
    };
    await walkDir(this.#dir, "");
    return builder.build(`sha256:${hash.digest("hex")}`);
  }
}

/** Strips credentials from a URL before it goes into a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]*@/iu, "$1");
}

function gitFailure(op: string, url: string, err: unknown, authRejected = false, hadAuth = true): GitOpsError {
  const status = (err as { data?: { statusCode?: unknown } } | null)?.data?.statusCode;
  const raw = authRejected
    ? "authentication failed: the server rejected the credentials (check the token or username/password)"
    : !hadAuth && (status === 401 || status === 403)
      ? "authentication required: no credentials are configured for this URL (they are scoped by URL prefix and never sent over plain http)"
      : errorMessage(err);
  // isomorphic-git messages can echo the URL; never let userinfo or a token through.
  const message = raw.replace(/https?:\/\/[^@\s/]*@/giu, "https://");
  return new GitOpsError(GITOPS_ERROR.git, `${op} ${redactUrl(url)} failed: ${message}`, { field: "repoURL", cause: err });
}
