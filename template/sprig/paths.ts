import { goFunc, type GoFunction } from "../go-function.js";

/** Go's `path.Clean`. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

function base(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function dir(p: string): string {
  const i = p.lastIndexOf("/");
  return cleanPath(p.slice(0, i + 1));
}

function ext(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== "/"; i--) if (p[i] === ".") return p.slice(i);
  return "";
}

/** Sprig's path functions (`path` package semantics; the `os*` forms behave the same on Linux). */
export const PATH_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["base", goFunc(["string"], base)],
  ["dir", goFunc(["string"], dir)],
  ["clean", goFunc(["string"], cleanPath)],
  ["ext", goFunc(["string"], ext)],
  ["isAbs", goFunc(["string"], (p: string) => p.startsWith("/"))],
  ["osBase", goFunc(["string"], base)],
  ["osDir", goFunc(["string"], dir)],
  ["osClean", goFunc(["string"], cleanPath)],
  ["osExt", goFunc(["string"], ext)],
  ["osIsAbs", goFunc(["string"], (p: string) => p.startsWith("/"))],
];
