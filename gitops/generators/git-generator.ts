import { parse as parseYaml } from "yaml";
import { KUBE_TO_JS_OPTIONS, KUBE_YAML_OPTIONS } from "../kube-yaml.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { compileGlob } from "../path-glob.js";
import { baseOf, dirOf } from "../repo-path.js";
import type { GeneratorContext } from "./generator-context.js";
import { appendTemplatedValues, stringValues } from "./generator-values.js";
import { cloneJson, flattenParams, isPlainObject, sanitizeName, type Params } from "./param-utils.js";

interface PathItem {
  readonly path: string;
  readonly exclude: boolean;
}

function pathItems(raw: unknown, field: string, file: string | undefined): PathItem[] {
  if (!Array.isArray(raw)) throw new GitOpsError(GITOPS_ERROR.invalid, "must be a list of {path, exclude}", { file, field });
  return raw.map((item: unknown, i) => {
    if (!isPlainObject(item) || typeof item["path"] !== "string") {
      throw new GitOpsError(GITOPS_ERROR.invalid, "each entry needs a string path", { file, field: `${field}[${i}].path` });
    }
    return { path: item["path"], exclude: item["exclude"] === true };
  });
}

/**
 * The git generator (Argo `git.go`), over a repository snapshot. `directories` lists every
 * non-hidden directory matching an include glob and no exclude glob (Go `path.Match`); `files`
 * parses each matching JSON/YAML file (an object or a list of objects) into param sets, flattened
 * to `a.b` strings in fasttemplate mode. Path params follow Argo's names exactly.
 */
export async function gitGenerator(spec: Record<string, unknown>, ctx: GeneratorContext, field: string): Promise<Params[]> {
  const repoURL = spec["repoURL"];
  if (typeof repoURL !== "string") throw new GitOpsError(GITOPS_ERROR.invalid, "git generator needs repoURL", { file: ctx.file, field: `${field}.repoURL` });
  const revision = typeof spec["revision"] === "string" ? spec["revision"] : "HEAD";
  const prefix = typeof spec["pathParamPrefix"] === "string" ? spec["pathParamPrefix"] : "";
  const values = stringValues(spec["values"], `${field}.values`, ctx.file);
  const snapshot = await ctx.repo(repoURL, revision, `${field}.repoURL`);
  let params: Params[];
  // Anything but an empty list (or absent) counts as given, so a wrong type is reported by pathItems.
  const given = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  if (given(spec["directories"])) {
    const items = pathItems(spec["directories"], `${field}.directories`, ctx.file);
    const globs = items.map((item, i) => ({ item, glob: compileGlob(item.path, { doubleStar: false, field: `${field}.directories[${i}].path` }) }));
    const dirs = snapshot.directories().filter((dir) => !dir.split("/").some((part) => part.startsWith(".")));
    const chosen = dirs.filter((dir) => {
      const matched = globs.filter(({ glob }) => glob.matches(dir));
      return matched.some(({ item }) => !item.exclude) && !matched.some(({ item }) => item.exclude);
    });
    params = chosen.map((dir) => directoryParams(dir, prefix, ctx.mode.goTemplate));
  } else if (given(spec["files"])) {
    const items = pathItems(spec["files"], `${field}.files`, ctx.file);
    const include = items.filter((i) => !i.exclude).map((i) => compileGlob(i.path, { doubleStar: true, field: `${field}.files` }));
    const exclude = items.filter((i) => i.exclude).map((i) => compileGlob(i.path, { doubleStar: true, field: `${field}.files` }));
    const files = snapshot.files().filter((f) => include.some((g) => g.matches(f)) && !exclude.some((g) => g.matches(f)));
    params = [];
    for (const file of files) {
      for (const object of parseParamFile(snapshot.readText(file, { field: `${field}.files` }), file)) {
        params.push(fileParams(object, file, prefix, ctx.mode.goTemplate));
      }
    }
  } else {
    throw new GitOpsError(GITOPS_ERROR.invalid, "git generator needs directories or files", { file: ctx.file, field });
  }
  return params.map((p) => appendTemplatedValues(p, values, ctx, `${field}.values`));
}

function directoryParams(dir: string, prefix: string, goTemplate: boolean): Params {
  const basename = baseOf(dir);
  if (goTemplate) {
    const path = { path: dir, basename, basenameNormalized: sanitizeName(basename), segments: dir.split("/") };
    return prefix === "" ? { path } : { [prefix]: { path } };
  }
  const name = prefix === "" ? "path" : `${prefix}.path`;
  const params: Params = { [name]: dir, [`${name}.basename`]: basename, [`${name}.basenameNormalized`]: sanitizeName(basename) };
  dir.split("/").forEach((segment, i) => {
    if (segment !== "") params[`${name}[${i}]`] = segment;
  });
  return params;
}

function fileParams(object: Params, file: string, prefix: string, goTemplate: boolean): Params {
  const dir = dirOf(file) === "" ? "." : dirOf(file);
  const basename = baseOf(dir);
  const filename = baseOf(file);
  if (goTemplate) {
    const path = {
      path: dir,
      basename,
      filename,
      basenameNormalized: sanitizeName(basename),
      filenameNormalized: sanitizeName(filename),
      segments: dir.split("/"),
    };
    const params = cloneJson(object);
    if (prefix === "") params["path"] = path;
    else params[prefix] = { path };
    return params;
  }
  const params: Params = { ...flattenParams(object) };
  const name = prefix === "" ? "path" : `${prefix}.path`;
  params[name] = dir;
  params[`${name}.basename`] = basename;
  params[`${name}.filename`] = filename;
  params[`${name}.basenameNormalized`] = sanitizeName(basename);
  params[`${name}.filenameNormalized`] = sanitizeName(filename);
  dir.split("/").forEach((segment, i) => {
    if (segment !== "") params[`${name}[${i}]`] = segment;
  });
  return params;
}

/** An object, or a list of objects, in JSON or YAML (JSON is YAML). */
function parseParamFile(text: string, file: string): Params[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { ...KUBE_YAML_OPTIONS, ...KUBE_TO_JS_OPTIONS });
  } catch (err) {
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const at = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`;
    throw new GitOpsError(GITOPS_ERROR.parse, `unable to parse file${at}: ${firstLine((err as Error).message)}`, { file });
  }
  if (parsed === null || parsed === undefined) return [{}];
  if (isPlainObject(parsed)) return [parsed];
  if (Array.isArray(parsed) && parsed.every(isPlainObject)) return parsed;
  throw new GitOpsError(GITOPS_ERROR.invalid, "unable to parse file: expected an object or a list of objects", { file });
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
