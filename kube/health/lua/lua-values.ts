import type { LuaWasm } from "wasmoon";

/**
 * Values crossing the Lua boundary, converted the way Argo CD converts them.
 *
 * Into Lua (Argo's `decodeValue`): a JSON object becomes a table keyed by strings, an array a
 * sequence 1..n, null becomes nil (so the key is absent), numbers become Lua numbers. gopher-lua
 * has only floats; Lua 5.4 has integers too, and a whole JSON number goes in as an integer so
 * `tostring(obj.spec.replicas)` reads `3` as it does in Argo CD, not `3.0`.
 *
 * Out of Lua (gopher-json's `Encode`, which Argo runs on the returned table): an empty table is
 * `[]`, a table whose keys are 1..n is an array, a table keyed by strings is an object; mixed or
 * sparse keys, functions and the like are errors.
 */
export type LuaJson = null | boolean | number | string | LuaJson[] | { [key: string]: LuaJson };

export class LuaValueError extends Error {
  override readonly name = "LuaValueError";
}

/** Deeper than any Kubernetes object; deeper input is refused rather than risking the C stack. */
export const MAX_LUA_DEPTH = 100;

const T = { nil: 0, boolean: 1, number: 3, string: 4, table: 5 } as const;

export function pushString(wasm: LuaWasm, L: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  const ptr = wasm.module._malloc(Math.max(1, bytes.length));
  try {
    wasm.module.HEAPU8.set(bytes, ptr);
    wasm.lua_pushlstring(L, ptr, bytes.length);
  } finally {
    wasm.module._free(ptr);
  }
}

/** Pushes a JSON-like value (a Kubernetes object) onto the Lua stack. */
export function pushJson(wasm: LuaWasm, L: number, value: unknown, depth = 0): void {
  if (depth > MAX_LUA_DEPTH) throw new LuaValueError(`nested deeper than ${MAX_LUA_DEPTH} levels`);
  if (wasm.lua_checkstack(L, 4) === 0) throw new LuaValueError("Lua stack exhausted");
  if (value === null || value === undefined) wasm.lua_pushnil(L);
  else if (typeof value === "boolean") wasm.lua_pushboolean(L, value ? 1 : 0);
  else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) wasm.lua_pushinteger(L, BigInt(value));
    else wasm.lua_pushnumber(L, value);
  } else if (typeof value === "string") pushString(wasm, L, value);
  else if (Array.isArray(value)) {
    wasm.lua_createtable(L, value.length, 0);
    let n = 0;
    for (const item of value) {
      // gopher-lua's Append skips nil: a null inside an array leaves no hole.
      if (item === null || item === undefined) continue;
      pushJson(wasm, L, item, depth + 1);
      wasm.lua_rawseti(L, -2, BigInt(++n));
    }
  } else if (typeof value === "object") {
    const entries = Object.entries(value);
    wasm.lua_createtable(L, 0, entries.length);
    for (const [key, item] of entries) {
      if (item === null || item === undefined) continue;
      pushString(wasm, L, key);
      pushJson(wasm, L, item, depth + 1);
      wasm.lua_rawset(L, -3);
    }
  } else throw new LuaValueError(`cannot pass a ${typeof value} to Lua`);
}

function readNumber(wasm: LuaWasm, L: number, index: number): number {
  if (wasm.lua_isinteger(L, index) !== 0) return Number(wasm.lua_tointegerx(L, index, null));
  return wasm.lua_tonumberx(L, index, null);
}

/** Reads the value at `index` as gopher-json would encode it. Throws LuaValueError where gopher-json errors. */
export function readJson(wasm: LuaWasm, L: number, index: number, depth = 0, seen = new Set<number>()): LuaJson {
  const at = wasm.lua_absindex(L, index);
  const type = Number(wasm.lua_type(L, at));
  switch (type) {
    case T.nil:
      return null;
    case T.boolean:
      return wasm.lua_toboolean(L, at) !== 0;
    case T.number:
      return readNumber(wasm, L, at);
    case T.string:
      return wasm.lua_tolstring(L, at, null) ?? "";
    case T.table:
      return readTable(wasm, L, at, depth, seen);
    default:
      throw new LuaValueError(`cannot encode ${wasm.lua_typename(L, type)} to JSON`);
  }
}

function readTable(wasm: LuaWasm, L: number, at: number, depth: number, seen: Set<number>): LuaJson {
  if (depth > MAX_LUA_DEPTH) throw new LuaValueError(`nested deeper than ${MAX_LUA_DEPTH} levels`);
  const id = wasm.lua_topointer(L, at);
  if (seen.has(id)) throw new LuaValueError("cannot encode recursively nested tables to JSON");
  seen.add(id);
  if (wasm.lua_checkstack(L, 4) === 0) throw new LuaValueError("Lua stack exhausted");
  const numbered = new Map<number, LuaJson>();
  const named: Record<string, LuaJson> = {};
  let kind: "array" | "object" | undefined;
  wasm.lua_pushnil(L);
  while (wasm.lua_next(L, at) !== 0) {
    const keyType = Number(wasm.lua_type(L, -2));
    const keyKind = keyType === T.number ? "array" : keyType === T.string ? "object" : undefined;
    kind ??= keyKind;
    if (keyKind === undefined || keyKind !== kind) {
      wasm.lua_settop(L, -3);
      throw new LuaValueError("cannot encode mixed or invalid key types");
    }
    const value = readJson(wasm, L, -1, depth + 1, seen);
    if (kind === "array") numbered.set(readNumber(wasm, L, -2), value);
    // lua_tolstring on a key would turn a number key into a string in place and break lua_next: keys here are strings.
    else named[wasm.lua_tolstring(L, -2, null) ?? ""] = value;
    wasm.lua_settop(L, -2);
  }
  if (kind !== "array") return kind === undefined ? [] : named;
  const out: LuaJson[] = [];
  for (let i = 1; i <= numbered.size; i++) {
    if (!numbered.has(i)) throw new LuaValueError("cannot encode sparse array");
    out.push(numbered.get(i) ?? null);
  }
  return out;
}
