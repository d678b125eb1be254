import { FAILSAFE_SCHEMA, Type, load } from "js-yaml";
import { FALSE_WORDS, NON_FINITE, NUMBER_LIKE, TRUE_WORDS, goYamlNumber } from "./kube-yaml.js";

// The `yaml` package is the reference reading of a file (kube-yaml.ts) but costs about 100 µs for
// a ten-line Cluster file, and a fleet of 10 000 clusters is 10 000 such files: most of a cold
// render. js-yaml reads the same small files about 15× faster. It is used here only inside a
// subset where both libraries read every file the same way (checked by a differential test,
// fast-yaml.test.ts): one document, no tags, anchors, aliases, merge keys, complex keys, tabs or
// directives. Anything else, and anything js-yaml refuses, is read by `yaml` as before, so
// errors and their messages do not change.

/** The `yaml` package's core null (kube-yaml.ts keeps it), then go-yaml v2's bools and numbers, in the same order. */
const nullType = new Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (data: string | null) => data === null || /^(?:~|[Nn]ull|NULL)?$/u.test(data),
  construct: () => null,
});
// One type per tag: js-yaml keeps only the last of several types with the same tag.
const boolType = new Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (data: string | null) => data !== null && (TRUE_WORDS.test(data) || FALSE_WORDS.test(data)),
  construct: (data: string) => TRUE_WORDS.test(data),
});
/** `.inf` and `.nan` are an error in kube-yaml.ts: refusing them here hands the file to `yaml`, which reports it. */
const nonFiniteType = new Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (data: string | null) => data !== null && NON_FINITE.test(data),
  construct: () => {
    throw new Error("non-finite float");
  },
});
const numberType = new Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string | null) => data !== null && NUMBER_LIKE.test(data),
  construct: (data: string) => goYamlNumber(data) ?? data,
});

const SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, nonFiniteType, numberType] });

/**
 * What sends a file to `yaml`: tabs, CR, BOM; merge keys; a tag, anchor, alias, complex key,
 * directive, block scalar or reserved indicator where a node starts; a document end; a flow
 * collection used as a key; a `#` right after a quote, bracket or comma; a sequence entry that is
 * empty on its line or nests another on it (`- -`); `__proto__`; lines of 1000 characters or more
 * (`yaml` limits implicit keys to 1024). One pass over the characters: this runs for every file.
 */
function outsideSubset(text: string): boolean {
  let lineLength = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      lineLength = 0;
      continue;
    }
    if (++lineLength >= 1000 || c === TAB || c === CR || c === BOM) return true;
    if (c >= SCREEN.length || SCREEN[c] === 0) continue;
    const prev = i === 0 ? LF : text.charCodeAt(i - 1);
    switch (SCREEN[c]) {
      case NODE_INDICATOR:
        if (TOKEN_BOUNDARY.has(prev)) return true;
        break;
      case LT:
        if (text.charCodeAt(i + 1) === c) return true;
        break;
      case DOT:
        if (prev === LF && text.startsWith("...", i)) return true;
        break;
      case CLOSE: {
        let j = i + 1;
        while (text.charCodeAt(j) === SPACE) j++;
        if (text.charCodeAt(j) === COLON && endsToken(text, j + 1)) return true;
        break;
      }
      case UNDERSCORE:
        if (text.startsWith("__proto__", i)) return true;
        break;
      case HASH:
        if (AFTER_FLOW.has(prev)) return true;
        break;
      case DASH: {
        if (prev !== LF && prev !== SPACE) break;
        let j = i + 1;
        while (text.charCodeAt(j) === SPACE) j++;
        if (endsLine(text, j)) return true;
        if (j > i + 1 && text.charCodeAt(j) === c && endsToken(text, j + 1)) return true;
        break;
      }
    }
  }
  return false;
}

const [TAB, LF, CR, SPACE, COLON, BOM] = [9, 10, 13, 32, 58, 0xfeff];
const [NODE_INDICATOR, LT, DOT, CLOSE, UNDERSCORE, HASH, DASH] = [1, 2, 3, 4, 5, 6, 7];
const SCREEN = new Uint8Array(128);
for (const ch of "&*!?%@`|>") SCREEN[ch.charCodeAt(0)] = NODE_INDICATOR;
SCREEN["<".charCodeAt(0)] = LT;
SCREEN[".".charCodeAt(0)] = DOT;
SCREEN["]".charCodeAt(0)] = CLOSE;
SCREEN["}".charCodeAt(0)] = CLOSE;
SCREEN["_".charCodeAt(0)] = UNDERSCORE;
SCREEN["#".charCodeAt(0)] = HASH;
SCREEN["-".charCodeAt(0)] = DASH;
const TOKEN_BOUNDARY = new Set([..." \n[]{},"].map((ch) => ch.charCodeAt(0)));
const AFTER_FLOW = new Set([..."]}\"',"].map((ch) => ch.charCodeAt(0)));

function endsLine(text: string, i: number): boolean {
  return i >= text.length || text.charCodeAt(i) === LF;
}

function endsToken(text: string, i: number): boolean {
  return endsLine(text, i) || text.charCodeAt(i) === SPACE;
}

const MARKER = /^---(?=[ \n]|$)/gmu;
const BLANK_OR_COMMENT = /^ *(?:#.*)?$/u;

/** Keys on which the two libraries differ (a null key is "" in `yaml`, "null" in js-yaml) or that need care. */
const SUSPECT_KEYS = new Set(["null", "__proto__", "[object Object]"]);

/** A document read on the fast path: its value (null when empty) and the line its content starts on. */
export interface FastYamlDocument {
  readonly value: unknown;
  readonly line: number;
}

/**
 * Reads a one-document file with js-yaml when it is inside the subset above; undefined when it is
 * not (or js-yaml refuses it), and the caller must read it with `yaml`. Never throws.
 */
export function fastYamlDocument(text: string): FastYamlDocument | undefined {
  if (outsideSubset(text)) return undefined;
  const markers = text.includes("---") ? [...text.matchAll(MARKER)] : [];
  if (markers.length > 1) return undefined;
  const start = markers.length === 1 ? markers[0].index : 0;
  if (start > 0 && !text.slice(0, start).split("\n").every((l) => BLANK_OR_COMMENT.test(l))) return undefined;
  let value: unknown;
  const multiLine = multiLineWatch(text);
  try {
    value = load(text, { schema: SCHEMA, listener: multiLine.listener });
  } catch {
    return undefined;
  }
  if (multiLine.seen() || hasSuspectKey(value)) return undefined;
  return { value: value ?? null, line: contentLine(text, start, markers.length === 1) };
}

/**
 * Watches js-yaml's node events for scalars and flow collections that span lines: the two
 * libraries differ on how far such a node may be indented, so those files go to `yaml`.
 */
function multiLineWatch(text: string): { listener: (event: "open" | "close", state: { position: number; line: number; kind: string | null }) => void; seen: () => boolean } {
  const opened: number[] = [];
  let seen = false;
  return {
    listener: (event, state) => {
      if (event === "open") {
        opened.push(state.position, state.line);
        return;
      }
      const line = opened.pop()!;
      const position = opened.pop()!;
      if (seen || line === state.line) return;
      if (state.kind === "scalar") seen = true;
      else if (/^\s*[[{]/u.test(text.slice(position, Math.min(state.position, position + 256)))) seen = true;
    },
    seen: () => seen,
  };
}

/** The 1-based line of the first content after `start` (the `---` line itself when content follows it there). */
function contentLine(text: string, start: number, marker: boolean): number {
  let line = text.slice(0, start).split("\n").length;
  let offset = start;
  if (marker) {
    const end = text.indexOf("\n", offset);
    const rest = text.slice(offset + 3, end < 0 ? text.length : end);
    if (!BLANK_OR_COMMENT.test(rest)) return line;
    if (end < 0) return line;
    offset = end + 1;
    line++;
  }
  while (offset < text.length) {
    const end = text.indexOf("\n", offset);
    const current = text.slice(offset, end < 0 ? text.length : end);
    if (!BLANK_OR_COMMENT.test(current)) return line;
    if (end < 0) break;
    offset = end + 1;
    line++;
  }
  return line;
}

function hasSuspectKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current !== "object" || current === null) continue;
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (SUSPECT_KEYS.has(key)) return true;
      stack.push((current as Record<string, unknown>)[key]);
    }
  }
  return false;
}
