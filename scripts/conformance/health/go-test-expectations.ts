/**
 * Reads the expectations of gitops-engine's `pkg/health/health_test.go` at run time, so the
 * conformance run never carries upstream results of its own. Understood forms:
 *   assertAppHealth(t, "PATH", HealthStatusX)
 *   assert.Nil(t, getHealthStatus(t, "PATH"))
 *   assert.Equal(t, "MSG", getHealthStatus(t, "PATH").Message)
 *   v := unstructured.Unstructured{Object: map[string]any{…}}   then   health, err := getXHealth(&v)
 *   assert.Equal(t, HealthStatusX, health.Status) / assert.Equal(t, "MSG", health.Message) / assert.Empty(t, health.Message)
 * Anything else that calls a health function is reported as not understood, never dropped silently.
 */

export interface Expectation {
  /** A testdata file (relative to pkg/health) or an inline object. */
  readonly source: { readonly file: string } | { readonly object: Record<string, unknown>; readonly checker: string; readonly label: string };
  /** Undefined: no status asserted; null: gitops-engine gives no health at all. */
  status?: string | null;
  /** Undefined: no message asserted; "" : asserted empty. */
  message?: string;
  readonly line: number;
}

export interface ParsedTests {
  readonly expectations: Expectation[];
  readonly notUnderstood: { line: number; text: string }[];
}

/** A Go composite literal of maps, slices, strings, numbers, bools and nil, as JSON. */
function parseGoLiteral(src: string, start: number): { value: unknown; end: number } {
  let i = start;
  const ws = (): void => {
    for (;;) {
      while (i < src.length && /\s/u.test(src[i] ?? "")) i++;
      if (src.startsWith("//", i)) {
        while (i < src.length && src[i] !== "\n") i++;
        continue;
      }
      return;
    }
  };
  const value = (): unknown => {
    ws();
    const rest = src.slice(i);
    const mapType = /^(?:map\[string\](?:any|interface\{\})|unstructured\.Unstructured)\{/u.exec(rest);
    if (mapType !== null) {
      i += mapType[0].length;
      const out: Record<string, unknown> = {};
      for (;;) {
        ws();
        if (src[i] === "}") {
          i++;
          return out;
        }
        let k: string;
        if (src[i] === '"' || src[i] === "`") k = String(value());
        else {
          const ident = /^[A-Za-z_]\w*/u.exec(src.slice(i));
          if (ident === null) throw new Error(`unexpected ${JSON.stringify(src.slice(i, i + 20))}`);
          k = ident[0];
          i += k.length;
        }
        ws();
        if (src[i] !== ":") throw new Error(`expected ':' after ${k}`);
        i++;
        out[k] = value();
        ws();
        if (src[i] === ",") i++;
      }
    }
    const sliceType = /^\[\](?:any|interface\{\}|map\[string\](?:any|interface\{\})|string)\{/u.exec(rest);
    if (sliceType !== null) {
      i += sliceType[0].length;
      const out: unknown[] = [];
      for (;;) {
        ws();
        if (src[i] === "}") {
          i++;
          return out;
        }
        // Elements of a []map[string]any may omit their type: `{…}`.
        if (src[i] === "{") {
          const inner = parseGoLiteral(`map[string]any${src.slice(i)}`, 0);
          out.push(inner.value);
          i += inner.end - "map[string]any".length;
        } else out.push(value());
        ws();
        if (src[i] === ",") i++;
      }
    }
    if (src[i] === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/u.exec(rest);
      if (m === null) throw new Error("unterminated string");
      i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    if (src[i] === "`") {
      const endTick = src.indexOf("`", i + 1);
      const s = src.slice(i + 1, endTick);
      i = endTick + 1;
      return s;
    }
    const word = /^(?:-?\d+(?:\.\d+)?|true|false|nil)/u.exec(rest);
    if (word === null) throw new Error(`unexpected ${JSON.stringify(rest.slice(0, 20))}`);
    i += word[0].length;
    return word[0] === "nil" ? null : (JSON.parse(word[0]) as unknown);
  };
  const v = value();
  return { value: v, end: i };
}

const lineAt = (src: string, offset: number): number => src.slice(0, offset).split("\n").length;

export function parseHealthTests(src: string): ParsedTests {
  const expectations: Expectation[] = [];
  const notUnderstood: { line: number; text: string }[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  let current: Expectation | undefined;
  const STATUS = /^HealthStatus(\w+)$/u;
  // Statements of interest, in file order.
  const pattern =
    /^func\s+(\w+)\(|(\w+)\s*:?=\s*unstructured\.Unstructured\{|assertAppHealth\(t,\s*("(?:[^"\\]|\\.)*"),\s*(\w+)\)|assert\.Nil\(t,\s*getHealthStatus\(t,\s*("(?:[^"\\]|\\.)*")\)\)|assert\.Equal\(t,\s*("(?:[^"\\]|\\.)*"),\s*getHealthStatus\(t,\s*("(?:[^"\\]|\\.)*")\)\.Message\)|health,\s*err\s*:?=\s*(get\w+Health)\(&(\w+)\)|assert\.Equal\(t,\s*(\w+),\s*health\.Status\)|assert\.Equal\(t,\s*("(?:[^"\\]|\\.)*"),\s*health\.Message\)|assert\.Empty\(t,\s*health\.Message\)|(get\w+Health)\(/gmu;
  for (let m = pattern.exec(src); m !== null; m = pattern.exec(src)) {
    const line = lineAt(src, m.index);
    const [, func, objVar, aPath, aStatus, nilPath, eqMsg, eqPath, fn, fnArg, statusConst, msg, otherCall] = m;
    if (func !== undefined) {
      current = undefined;
      objects.clear();
    } else if (objVar !== undefined) {
      const open = m.index + m[0].length - 1;
      const literal = parseGoLiteral(src, open - "unstructured.Unstructured".length);
      const obj = (literal.value as { Object?: unknown }).Object;
      objects.set(objVar, typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>) : {});
      pattern.lastIndex = literal.end;
    } else if (aPath !== undefined && aStatus !== undefined) {
      expectations.push({ source: { file: JSON.parse(aPath) as string }, status: STATUS.exec(aStatus)?.[1] ?? aStatus, line });
    } else if (nilPath !== undefined) {
      expectations.push({ source: { file: JSON.parse(nilPath) as string }, status: null, line });
    } else if (eqMsg !== undefined && eqPath !== undefined) {
      expectations.push({ source: { file: JSON.parse(eqPath) as string }, message: JSON.parse(eqMsg) as string, line });
    } else if (fn !== undefined && fnArg !== undefined) {
      const object = objects.get(fnArg);
      if (object === undefined) {
        notUnderstood.push({ line, text: m[0] });
        current = undefined;
        continue;
      }
      current = { source: { object, checker: fn, label: `${fn}(${fnArg}) at health_test.go:${String(line)}` }, line };
      expectations.push(current);
    } else if (statusConst !== undefined) {
      // `assert.Equal(t, expectedStatus, health.Status)` is the assertAppHealth helper's own body.
      if (!STATUS.test(statusConst)) continue;
      if (current === undefined) notUnderstood.push({ line, text: m[0] });
      else current.status = STATUS.exec(statusConst)?.[1] ?? statusConst;
    } else if (msg !== undefined) {
      if (current === undefined) notUnderstood.push({ line, text: m[0] });
      else current.message = JSON.parse(msg) as string;
    } else if (m[0].startsWith("assert.Empty")) {
      if (current === undefined) notUnderstood.push({ line, text: m[0] });
      else current.message = "";
    } else if (otherCall !== undefined && otherCall !== "getHealthStatus") {
      notUnderstood.push({ line, text: src.slice(m.index, src.indexOf("\n", m.index)).trim() });
    }
  }
  return { expectations, notUnderstood };
}
