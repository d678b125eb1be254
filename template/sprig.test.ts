import { describe, expect, it } from "vitest";
import type { Clock } from "../core/index.js";
import { renderTemplate, TemplateError } from "./index.js";

/** A fixed clock: 2026-11-23T08:52:43.123Z. */
const clock: Clock = { now: () => Date.UTC(2026, 10, 23, 8, 52, 43, 123), sleep: () => Promise.resolve() };

const run = (src: string, data: unknown = {}): string => renderTemplate(src, data, { name: "t", clock });

/** Expected outputs follow the Sprig v3 documentation and its tests (Masterminds/sprig *_test.go). */
const cases: ReadonlyArray<readonly [string, string, unknown?]> = [
  // strings
  ['{{ upper "hello" }}', "HELLO"],
  ['{{ lower "HELLO" }}', "hello"],
  ['{{ title "hello world" }}', "Hello World"],
  ['{{ untitle "Hello World" }}', "hello world"],
  ['{{ trim "   hello    " }}', "hello"],
  ['{{ trimAll "$" "$5.00$" }}', "5.00"],
  ['{{ trimSuffix "-" "hello-" }}', "hello"],
  ['{{ trimPrefix "-" "-hello" }}', "hello"],
  ['{{ replace " " "-" "I Am Henry VIII" }}', "I-Am-Henry-VIII"],
  ['{{ contains "cat" "catch" }}', "true"],
  ['{{ hasPrefix "cat" "catch" }}', "true"],
  ['{{ hasSuffix "cat" "catch" }}', "false"],
  ['{{ quote "hello" 1 }}', '"hello" "1"'],
  ['{{ squote "hello" }}', "'hello'"],
  ['{{ .s | quote }}', '"a\\"b\\n"', { s: 'a"b\n' }],
  ['{{ "a\\nb" | indent 2 }}', "  a\n  b"],
  ['{{ "a\\nb" | nindent 2 }}', "\n  a\n  b"],
  ['{{ repeat 3 "hello" }}', "hellohellohello"],
  ['{{ substr 0 5 "hello world" }}', "hello"],
  ['{{ substr 6 -1 "hello world" }}', "world"],
  ['{{ trunc 5 "hello world" }}', "hello"],
  ['{{ trunc -5 "hello world" }}', "world"],
  ['{{ abbrev 5 "hello world" }}', "he..."],
  ['{{ nospace "hello w o r l d" }}', "helloworld"],
  ['{{ initials "First Try" }}', "FT"],
  ['{{ cat "hello" "beautiful" "world" }}', "hello beautiful world"],
  ['{{ splitList "$" "foo$bar$baz" }}', "[foo bar baz]"],
  ['{{ $a := split "$" "foo$bar$baz" }}{{ $a._0 }}-{{ $a._2 }}', "foo-baz"],
  ['{{ join "-" (list "a" "b" 3) }}', "a-b-3"],
  ['{{ regexMatch "^[a-z]+\\\\.[a-z]+$" "abc.de" }}', "true"],
  ['{{ regexMatch "[" "x" }}', "false"],
  ['{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}', "d1"],
  ['{{ regexFindAll "[2,4,6,8]" "123456789" -1 }}', "[2 4 6 8]"],
  ['{{ regexFindAll "[2,4,6,8]" "123456789" 2 }}', "[2 4]"],
  ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', "-W-xxW-"],
  ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', "---"],
  ['{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', "-${1}-${1}-"],
  ['{{ regexReplaceAll "(?P<first>[a-z]+) (?P<last>[a-z]+)" "ada lovelace" "${last} ${first}" }}', "lovelace ada"],
  ['{{ regexSplit "z+" "pizza" -1 }}', "[pi a]"],
  ['{{ regexQuoteMeta "1.2.3" }}', "1\\.2\\.3"],
  ['{{ snakecase "FirstName" }}', "first_name"],
  ['{{ snakecase "HTTPServer" }}', "http_server"],
  ['{{ kebabcase "FirstName" }}', "first-name"],
  ['{{ camelcase "http_server" }}', "HttpServer"],
  ['{{ swapcase "This Is A.Test" }}', "tHIS iS a.tEST"],
  ['{{ plural "one anchovy" "many anchovies" 2 }}', "many anchovies"],
  // defaults and flow
  ['{{ default "foo" .missing }}', "foo", { missing: "" }],
  ['{{ .v | default "foo" }}', "bar", { v: "bar" }],
  ["{{ default 42 0 }}", "42"],
  ['{{ empty "" }} {{ empty 0 }} {{ empty (list) }} {{ empty "x" }}', "true true true false"],
  ['{{ coalesce 0 "" "x" }}', "x"],
  ['{{ ternary "yes" "no" true }}-{{ ternary "yes" "no" false }}', "yes-no"],
  ['{{ required "need it" "here" }}', "here"],
  // conversion and JSON/YAML
  ['{{ toString 42 }} {{ typeOf (toString 42) }}', "42 string"],
  ['{{ atoi "42" }} {{ typeOf (atoi "42") }} {{ atoi "x" }}', "42 int 0"],
  ['{{ int "42" }} {{ int64 3.9 }} {{ float64 "1.5" }}', "42 3 1.5"],
  ['{{ toJson . }}', '{"a":[1,"x",true,null],"b":{"c":1.5},"h":"\\u003cb\\u003e"}', { b: { c: 1.5 }, a: [1, "x", true, null], h: "<b>" }],
  ['{{ toRawJson . }}', '{"h":"<b>&"}', { h: "<b>&" }],
  ['{{ toPrettyJson . }}', '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}', { b: [2], a: 1 }],
  ['{{ (fromJson "{\\"a\\":{\\"b\\":2}}").a.b }}', "2"],
  ["{{ fromJson \"not json\" }}", "<no value>"],
  ['{{ toYaml . }}', "a: 1\nb:\n- x\n- y", { b: ["x", "y"], a: 1 }],
  ['{{ (fromYaml "a:\\n  b: hi").a.b }}', "hi"],
  ['{{ index (fromYamlArray "- one\\n- two") 1 }}', "two"],
  // lists
  ["{{ list 1 2 3 }}", "[1 2 3]"],
  ["{{ first (list 1 2 3) }} {{ last (list 1 2 3) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}", "1 3 [2 3] [1 2]"],
  ["{{ append (list 1 2) 3 }} {{ prepend (list 1 2) 0 }}", "[1 2 3] [0 1 2]"],
  ["{{ uniq (list 1 1 2 2 3) }}", "[1 2 3]"],
  ['{{ has 4 (list 1 2 3 4) }} {{ has "x" (list 1) }}', "true false"],
  ["{{ without (list 1 2 3 4) 1 3 }}", "[2 4]"],
  ['{{ compact (list 1 "" 0 "a" nil) }}', "[1 a]"],
  ['{{ sortAlpha (list "b" "c" "a") }}', "[a b c]"],
  ["{{ concat (list 1 2) (list 3) }}", "[1 2 3]"],
  ["{{ reverse (list 1 2 3) }}", "[3 2 1]"],
  ["{{ slice (list 1 2 3 4) 1 3 }}", "[2 3]"],
  ["{{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }}", "[0 1 2] [0 4 8] 1 2 3"],
  // dicts
  ['{{ $d := dict "a" 1 "b" "two" }}{{ $d.a }} {{ $d.b }} {{ get $d "b" }} {{ get $d "zz" }}', "1 two two "],
  ['{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}', "map[a:1 b:2]"],
  ['{{ $d := dict "a" 1 "b" 2 }}{{ $_ := unset $d "a" }}{{ $d }}', "map[b:2]"],
  ['{{ hasKey (dict "a" 1) "a" }} {{ hasKey (dict "a" 1) "b" }}', "true false"],
  ['{{ keys (dict "b" 1 "a" 2) }} {{ values (dict "b" 1 "a" 2) }}', "[a b] [2 1]"],
  ['{{ pick (dict "a" 1 "b" 2 "c" 3) "a" "c" }} {{ omit (dict "a" 1 "b" 2) "a" }}', "map[a:1 c:3] map[b:2]"],
  ['{{ merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "y" 2)) }}', "map[a:1 b:3 n:map[x:1 y:2]]"],
  ['{{ mergeOverwrite (dict "a" 1 "k" true) (dict "a" 2 "k" false) }}', "map[a:2 k:false]"],
  ['{{ dig "a" "b" "none" . }} {{ dig "a" "x" "none" . }}', "deep none", { a: { b: "deep" } }],
  ['{{ $c := deepCopy . }}{{ $_ := set $c "x" 9 }}{{ .x }} {{ $c.x }}', "1 9", { x: 1 }],
  // math
  ["{{ add 1 2 3 }} {{ sub 5 3 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }} {{ add1 1 }}", "6 2 24 3 1 2"],
  ["{{ max 1 5 3 }} {{ min 4 2 8 }}", "5 2"],
  ["{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }} {{ round 2.5 0 }}", "1 2 3.14 3"],
  ["{{ addf 1.1 2.2 }} {{ mulf 1.5 2 }} {{ divf 1 4 }}", "3.3 3 0.25"],
  ["{{ add .n 1 }}", "1000001", { n: 1000000 }],
  // encoding
  ['{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }}', "aGVsbG8= hello"],
  ['{{ b64dec "%%%" }}', "illegal base64 data at input byte 0"],
  ['{{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }}', "NBSWY3DP hello"],
  ['{{ sha256sum "hello" }}', "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"],
  ['{{ sha1sum "hello" }}', "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"],
  ['{{ adler32sum "hello" }}', "103547413"],
  // paths
  ['{{ base "a/b/c.txt" }} {{ dir "a/b/c.txt" }} {{ ext "c.tar.gz" }} {{ clean "a//b/../c" }} {{ isAbs "/x" }}', "c.txt a/b .gz a/c true"],
  // dates, with the injected clock
  ['{{ now | date "2006-01-02T15:04:05Z07:00" }}', "2026-11-23T08:52:43Z"],
  ['{{ date "Jan 2, 2006 at 3:04pm (MST)" now }}', "Nov 23, 2026 at 8:52am (UTC)"],
  ['{{ date "2006-01-02" 0 }}', "1970-01-01"],
  ["{{ now | unixEpoch }}", "1795423963"],
  ['{{ now | htmlDate }}', "2026-11-23"],
  ['{{ now | dateModify "-1.5h" | date "15:04" }}', "07:22"],
  ["{{ now }}", "2026-11-23 08:52:43.123 +0000 UTC"],
  ["{{ now.Year }} {{ (now).Format \"Monday\" }}", "2026 Monday"],
  ['{{ duration 3725 }}', "1h2m5s"],
  // Argo CD additions
  ['{{ normalize "Feature/ABC_1" }}', "feature-abc-1"],
  ['{{ slugify "Hello World Foo" }}', "hello-world-foo"],
  ['{{ slugify 11 true "Hello World Foo" }}', "hello-world"],
];

describe("Sprig functions (Argo CD set)", () => {
  it.each(cases)("%s", (...row: unknown[]) => {
    const [src, want, data] = row as [string, string, unknown];
    expect(run(src, data ?? {})).toBe(want);
  });

  it("reports `fail` and `required` as Go errors", () => {
    expect(() => run('{{ fail "boom" }}')).toThrow('template: t:1:3: executing "t" at <fail "boom">: error calling fail: boom');
    expect(() => run('{{ required "name is required" .name }}', { name: "" })).toThrow("error calling required: name is required");
  });

  it("reports a Sprig panic as an error calling the function", () => {
    expect(() => run("{{ first 3 }}")).toThrow("error calling first: Cannot find first on type int");
    // Sprig's slice replaces Go's builtin in Argo CD and Sealed Secrets, and refuses strings.
    expect(() => run('{{ slice "abc" 1 }}')).toThrow("error calling slice: Cannot slice on type string");
  });

  it("refuses the functions Argo CD removes (random ones are there, as in Argo CD)", () => {
    for (const fn of ["env", "expandenv", "getHostByName"]) {
      expect(() => run(`{{ ${fn} "x" }}`)).toThrow(`template: t:1: function "${fn}" not defined`);
    }
    expect(run("{{ randAlphaNum 4 | len }} {{ uuidv4 | len }}")).toBe("4 36");
  });

  it("exposes Argo's additions only in the Argo CD set", () => {
    expect(() => renderTemplate('{{ normalize "x" }}', {}, { functionSet: "sealed-secrets" })).toThrow(TemplateError);
    expect(renderTemplate('{{ upper "x" }}', {}, { functionSet: "sealed-secrets" })).toBe("X");
    expect(() => renderTemplate('{{ upper "x" }}', {}, { functionSet: "none" })).toThrow('function "upper" not defined');
  });

  it("lets callers add and override functions", () => {
    expect(renderTemplate("{{ shout .x }} {{ upper .x }}", { x: "a" }, { funcs: { shout: (s) => `${String(s)}!`, upper: () => "overridden" } })).toBe("a! overridden");
    expect(() => renderTemplate("{{ bad }}", {}, { name: "t", funcs: { bad: () => { throw new Error("nope"); } } })).toThrow(
      'template: t:1:3: executing "t" at <bad>: error calling bad: nope',
    );
  });
});
