import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderTemplateItem, SealedTemplateError } from "./render-template-data.js";
import { SEALED_ERROR } from "./sealed-errors.js";

/** Every way a leak could be spelled: the value, its encodings, case changes, and every substring of 4+. */
export function leakForms(value: string): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(value, "utf8");
  for (const v of [value, value.toUpperCase(), value.toLowerCase(), [...value].reverse().join("")]) {
    for (let i = 0; i + 4 <= v.length; i++) for (let j = i + 4; j <= v.length; j++) forms.add(v.slice(i, j));
  }
  forms.add(bytes.toString("hex"));
  forms.add(bytes.toString("hex").toUpperCase());
  forms.add(bytes.toString("base64"));
  forms.add(bytes.toString("base64url"));
  forms.add(JSON.stringify(value).slice(1, -1));
  return [...forms].filter((f) => f.length >= 4);
}

export function leaked(text: string, value: string): string[] {
  return leakForms(value).filter((form) => text.includes(form));
}

const VALUE = "Zq7Ks3cr3tV4lu3xP9wD";

// Templates a Git writer could put in spec.template.data to get a value into an error message.
const ATTACKS: Record<string, string> = {
  fail: "{{ fail .v }}",
  failHex: '{{ printf "%x" .v | fail }}',
  failUpper: "{{ upper .v | fail }}",
  failSplit: "{{ fail (cat (substr 0 6 .v) (substr 6 99 .v)) }}",
  failB64: "{{ b64enc .v | fail }}",
  failReverse: "{{ fail (.v | splitList \"\" | reverse | join \"\") }}",
  failSha: "{{ sha256sum .v | fail }}",
  failQuote: "{{ quote .v | fail }}",
  failDict: "{{ dict .v 1 | toJson | fail }}",
  failLine2: "ok\n{{ if true }}\n  {{ fail (lower .v) }}{{ end }}",
  required: '{{ required (printf "no %s" .v) .missing }}',
  fromJson: "{{ mustFromJson .v }}",
  fromJsonWrapped: '{{ mustFromJson (printf "{%s" .v) }}',
  regexPattern: '{{ mustRegexMatch (printf "(%s" .v) "x" }}',
  regexFind: '{{ mustRegexFind (cat "[" .v) "x" }}',
  indexOutOfRange: "{{ index .v 999 }}",
  indexByValue: "{{ index (list 1 2) .v }}",
  slice: "{{ slice .v 5 999 }}",
  fieldOfString: "{{ .v.secret }}",
  printfBadVerb: '{{ printf "%d %z" .v | fail }}',
  toDecimal: "{{ toDecimal .v | fail }}",
  atoiDiv: "{{ div 1 (atoi .v) }}",
  b64dec: "{{ b64dec .v | fail }}",
  mustFirst: "{{ mustFirst .v }}",
  deepLoop: '{{ define "x" }}{{ template "x" . }}{{ end }}{{ template "x" .v }}',
  mustToDate: '{{ mustToDate "2006" .v }}',
  semverCompare: '{{ semverCompare .v "1.0" }}',
  duration: "{{ duration .v | fail }}",
  mustMerge: "{{ mustMerge .v (dict) }}",
  call: "{{ call .v }}",
};

function failure(source: string, value = VALUE): SealedTemplateError {
  try {
    renderTemplateItem("dsn", source, { v: value, other: "x" });
  } catch (err) {
    if (err instanceof SealedTemplateError) return err;
    throw err;
  }
  throw new Error(`template did not fail: ${source}`);
}

function failureOf(source: string, key: string, data: Record<string, string>): string {
  try {
    renderTemplateItem(key, source, data);
  } catch (err) {
    return (err as Error).message;
  }
  return "";
}

describe("spec.template.data errors carry a code, the key and a position, never text from a value", () => {
  it.each(Object.entries(ATTACKS))("%s", (_name, source) => {
    const err = failure(source);
    expect(err.code).toBe(SEALED_ERROR.template);
    expect(err.item).toBe("dsn");
    expect(err.field).toBe("spec.template.data.dsn");
    expect(err.cause).toBeUndefined();
    expect(leaked(err.message, VALUE)).toEqual([]);
    expect(leaked(JSON.stringify({ ...err, stack: err.stack }), VALUE)).toEqual([]);
    if (err.stage === "execute") {
      expect(err.line).toBeGreaterThanOrEqual(1);
      expect(err.message).toMatch(/^spec\.template\.data\.dsn: template failed at line \d+, column \d+$/);
    }
  });

  it("names the failing action's line and column, counted as Go does", () => {
    const err = failure("ok\n{{ if true }}\n  {{ fail .v }}{{ end }}");
    expect({ stage: err.stage, line: err.line, column: err.column }).toEqual({ stage: "execute", line: 3, column: 5 });
    expect(err.message).toBe("spec.template.data.dsn: template failed at line 3, column 5");
  });

  it("keeps Go's message for a parse error, which depends on the source alone", () => {
    const err = failure('{{ env "HOME" }}');
    expect(err.stage).toBe("parse");
    expect(err.message).toBe('spec.template.data.dsn: template does not parse at line 1: function "env" not defined');
  });

  it("leaks nothing for any value through any of the attack templates (property)", () => {
    const sources = Object.values(ATTACKS);
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 40 }), fc.constantFrom(...sources), (value, source) => {
        let message = "";
        try {
          message = renderTemplateItem("k", source, { v: value });
        } catch (err) {
          expect(err).toBeInstanceOf(SealedTemplateError);
          const e = err as SealedTemplateError;
          message = e.message;
          // An execution error is made of the key and two numbers; a parse error does not see the data at all.
          if (e.stage === "execute") expect(message).toMatch(/^spec\.template\.data\.k: template failed at line \d+, column \d+$/);
          else expect(message).toBe(failureOf(source, "k", {}));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("still renders the values into the data on success", () => {
    expect(renderTemplateItem("dsn", "postgres://u:{{ .v }}@db", { v: VALUE })).toBe(`postgres://u:${VALUE}@db`);
  });
});

describe("spec.template.data runs under a budget on the spoke", () => {
  const bombs: Record<string, string> = {
    "nested until": "{{ range $i := until 40000 }}{{ range $j := until 40000 }}{{ end }}{{ end }}",
    "repeat bomb": '{{ repeat 100000000 "x" }}',
    "output doubling": '{{ $s := "xxxxxxxxxxxxxxxx" }}{{ range until 30 }}{{ $s = print $s $s }}{{ end }}{{ $s }}',
  };
  for (const [what, source] of Object.entries(bombs)) {
    it(`${what}: SEALED_TEMPLATE_FAILED naming the key and the budget, nothing of the value`, () => {
      let caught: unknown;
      try {
        renderTemplateItem("bomb", source, { password: "budget-secret-value" });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SealedTemplateError);
      const err = caught as SealedTemplateError;
      expect(err.code).toBe(SEALED_ERROR.template);
      expect(err.message).toMatch(/^spec\.template\.data\.bomb: template failed.*budget/);
      expect(err.message).not.toContain("budget-secret-value");
    });
  }

  it("a real template stays far inside it", () => {
    const dsn = renderTemplateItem("dsn", "postgres://{{ .user }}:{{ .password | urlquery }}@db:5432/app?{{ range $k, $v := dict \"sslmode\" \"require\" }}{{ $k }}={{ $v }}{{ end }}", { user: "app", password: "p@ss" });
    expect(dsn).toBe("postgres://app:p%40ss@db:5432/app?sslmode=require");
  });
});
