import { goFunc, type GoFunction } from "../go-function.js";
import { kindName } from "./cast.js";
import { mapGet } from "../go-values.js";

/**
 * Sprig's `urlParse` and `urlJoin` over a port of Go's `net/url` Parse and URL.String. The WHATWG
 * `URL` class is not used: it normalises (lower-cases hosts, adds `/` paths, rejects `something`
 * without a scheme) where Go keeps the text as written, and charts compare the pieces.
 */

type Mode = "path" | "pathSegment" | "host" | "zone" | "userPassword" | "queryComponent" | "fragment";

interface GoUrl {
  scheme: string;
  opaque: string;
  user: { username: string; password: string | undefined } | undefined;
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
  forceQuery: boolean;
}

/** net/url shouldEscape. */
function shouldEscape(c: string, mode: Mode): boolean {
  if (/[A-Za-z0-9]/.test(c)) return false;
  if (mode === "host" || mode === "zone") {
    if ("!$&'()*+,;=:[]<>\"".includes(c)) return false;
  }
  if ("-_.~".includes(c)) return false;
  if ("$&+,/:;=?@".includes(c)) {
    switch (mode) {
      case "path":
        return c === "?";
      case "pathSegment":
        return c === "/" || c === ";" || c === "," || c === "?";
      case "userPassword":
        return c === "@" || c === "/" || c === "?" || c === ":";
      case "queryComponent":
        return true;
      case "fragment":
        return false;
      default:
        break;
    }
  }
  if (mode === "fragment" && (c === "!" || c === "(" || c === ")" || c === "*")) return false;
  return true;
}

function escape(s: string, mode: Mode): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && !shouldEscape(c, mode)) out += c;
    else if (c === " " && mode === "queryComponent") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** net/url unescape: `%XX` to bytes; errors on a bad escape as Go does. */
function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] ?? 0;
    if (b === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString("latin1");
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        const bad = raw.subarray(i, i + 3).toString("utf8");
        throw new Error(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (b === 0x2b && mode === "queryComponent") bytes.push(0x20);
    else {
      if ((mode === "host" || mode === "zone") && b < 0x80 && shouldEscape(String.fromCharCode(b), mode)) throw new Error(`invalid character ${JSON.stringify(String.fromCharCode(b))} in host name`);
      bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function parseAuthority(authority: string): Pick<GoUrl, "user" | "host"> {
  const at = authority.lastIndexOf("@");
  const host = unescape(at < 0 ? authority : authority.slice(at + 1), "host");
  if (at < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, at);
  if (/[^A-Za-z0-9\-._:~!$&'()*+,;=%@]/.test(userinfo)) throw new Error("net/url: invalid userinfo");
  const colon = userinfo.indexOf(":");
  if (colon < 0) return { user: { username: unescape(userinfo, "userPassword"), password: undefined }, host };
  return { user: { username: unescape(userinfo.slice(0, colon), "userPassword"), password: unescape(userinfo.slice(colon + 1), "userPassword") }, host };
}

/** Go's url.Parse (not via a request). Throws `parse "...": ...` like Go's *url.Error. */
export function parseGoUrl(raw: string): GoUrl {
  try {
    const hash = raw.indexOf("#");
    const u = parseNoFragment(hash < 0 ? raw : raw.slice(0, hash));
    if (hash >= 0) u.fragment = unescape(raw.slice(hash + 1), "fragment");
    return u;
  } catch (err) {
    throw new Error(`parse ${JSON.stringify(raw)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseNoFragment(raw: string): GoUrl {
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new Error("net/url: invalid control character in URL");
  const u: GoUrl = { scheme: "", opaque: "", user: undefined, host: "", path: "", rawQuery: "", fragment: "", forceQuery: false };
  if (raw === "*") {
    u.path = "*";
    return u;
  }
  let rest = raw;
  const m = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(raw);
  if (m !== null) {
    u.scheme = (m[1] ?? "").toLowerCase();
    rest = raw.slice(m[0].length);
  } else if (raw.startsWith(":")) throw new Error("missing protocol scheme");
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") {
      u.opaque = rest;
      return u;
    }
    const colon = rest.indexOf(":");
    const slash = rest.indexOf("/");
    if (colon >= 0 && (slash < 0 || colon < slash)) throw new Error("first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    const after = rest.slice(2);
    const slash = after.indexOf("/");
    const authority = slash < 0 ? after : after.slice(0, slash);
    rest = slash < 0 ? "" : after.slice(slash);
    Object.assign(u, parseAuthority(authority));
  }
  u.path = unescape(rest, "path");
  return u;
}

function hostname(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(":");
  return colon >= 0 && /^:\d*$/.test(host.slice(colon)) ? host.slice(0, colon) : host;
}

function userString(user: NonNullable<GoUrl["user"]>): string {
  return escape(user.username, "userPassword") + (user.password === undefined ? "" : ":" + escape(user.password, "userPassword"));
}

/** Go's URL.String. */
export function formatGoUrl(u: GoUrl): string {
  let out = "";
  if (u.scheme !== "") out += u.scheme + ":";
  if (u.opaque !== "") out += u.opaque;
  else {
    if (u.scheme !== "" || u.host !== "" || u.user !== undefined) {
      if (u.host !== "" || u.path !== "" || u.user !== undefined) out += "//";
      if (u.user !== undefined) out += userString(u.user) + "@";
      if (u.host !== "") out += escape(u.host, "host");
    }
    const path = escape(u.path, "path");
    if (path !== "" && path[0] !== "/" && u.host !== "") out += "/";
    if (out === "" && (path.split("/")[0] ?? "").includes(":")) out += "./";
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== "") out += "?" + u.rawQuery;
  if (u.fragment !== "") out += "#" + escape(u.fragment, "fragment");
  return out;
}

export function urlParse(v: string): Record<string, string> {
  let u: GoUrl;
  try {
    u = parseGoUrl(v);
  } catch (err) {
    throw new Error(`unable to parse url: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    scheme: u.scheme,
    host: u.host,
    hostname: hostname(u.host),
    path: u.path,
    query: u.rawQuery,
    opaque: u.opaque,
    fragment: u.fragment,
    userinfo: u.user === undefined ? "" : userString(u.user),
  };
}

function field(d: object, key: string): string {
  const v = mapGet(d, key);
  if (v === undefined) return "";
  if (typeof v !== "string") throw new Error(`unable to parse ${key} key, must be of type string, but ${kindName(v)} found`);
  return v;
}

export function urlJoin(d: object): string {
  const userinfo = field(d, "userinfo");
  let user: GoUrl["user"];
  if (userinfo !== "") {
    try {
      user = parseGoUrl(`proto://${userinfo}@host`).user;
    } catch (err) {
      throw new Error(`unable to parse userinfo in dict: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return formatGoUrl({
    scheme: field(d, "scheme"),
    host: field(d, "host"),
    path: field(d, "path"),
    rawQuery: field(d, "query"),
    opaque: field(d, "opaque"),
    fragment: field(d, "fragment"),
    user,
    forceQuery: false,
  });
}

export const URL_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["urlParse", goFunc(["string"], urlParse)],
  ["urlJoin", goFunc(["map"], (d: object | null) => urlJoin(d ?? {}))],
];
