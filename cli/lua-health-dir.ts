import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { FlotillaError, errorMessage } from "../core/index.js";
import { HEALTH_SCRIPT_FILE, parseLuaHealthScripts, type HealthScriptFile, type LuaHealthScripts } from "../kube/index.js";

/** `--lua DIR` failures: a directory that cannot be read (its malformed entries are KUBE_INVALID_HEALTH_SCRIPT). */
export const LUA_DIR_ERRORS = { unreadable: "HEALTH_LUA_DIR_UNREADABLE" } as const;

const CONFIG_FILE = /\.(ya?ml|json)$/iu;

/**
 * Reads a health directory in Argo CD's layout (docs/health.md): `<group>/<kind>/health.lua`,
 * `<kind>/health.lua` for the core group, and `argocd-cm`-style ConfigMaps at its root. A checkout's
 * `resource_customizations/` works as it is: its `health_test.yaml`, `testdata/` and `actions/`
 * are not read.
 */
export async function readLuaHealthDir(dir: string, cwd: string): Promise<LuaHealthScripts> {
  const root = isAbsolute(dir) ? dir : resolve(cwd, dir);
  const files: HealthScriptFile[] = [];
  const list = async (rel: string): Promise<string[]> => {
    try {
      return (await readdir(join(root, rel), { withFileTypes: true })).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    } catch (err) {
      throw new FlotillaError(LUA_DIR_ERRORS.unreadable, `cannot read the directory: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { file: join(dir, rel) });
    }
  };
  const read = async (rel: string): Promise<void> => {
    try {
      files.push({ path: rel, text: await readFile(join(root, rel), "utf8") });
    } catch (err) {
      throw new FlotillaError(LUA_DIR_ERRORS.unreadable, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { file: join(dir, rel) });
    }
  };
  for (const top of await list("")) {
    if (!top.endsWith("/")) {
      if (CONFIG_FILE.test(top)) await read(top);
      continue;
    }
    for (const second of await list(top)) {
      if (second === HEALTH_SCRIPT_FILE) await read(`${top}${second}`);
      else if (second.endsWith("/") && (await list(`${top}${second}`)).includes(HEALTH_SCRIPT_FILE)) await read(`${top}${second}${HEALTH_SCRIPT_FILE}`);
    }
  }
  try {
    return parseLuaHealthScripts(files);
  } catch (err) {
    // Name the file as the user wrote the directory.
    if (err instanceof FlotillaError && err.file !== undefined) throw new FlotillaError(err.code, err.message, { file: join(dir, err.file), field: err.field, userError: true });
    throw err;
  }
}
