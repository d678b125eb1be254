import { describe, expect, it } from "vitest";
import { renderTemplate } from "./index.js";

/** printf verbs and Go's %v value printing; expected strings are what Go's fmt prints for the same values. */
describe("printf and value printing", () => {
  it.each([
    ['{{ printf "%d|%5d|%-5d|%05d|%+d" 42 42 42 42 42 }}', "42|   42|42   |00042|+42"],
    ['{{ printf "%x|%X|%#x|%o|%#o|%b|%O" 255 255 255 8 8 5 8 }}', "ff|FF|0xff|10|010|101|0o10"],
    ["{{ printf \"%c|%q|%U\" 'a' 'a' 'a' }}", "a|'a'|U+0061"],
    ['{{ printf "%f|%.2f|%8.3f|%-8.2f|%05.2f" 3.14159 3.14159 3.14159 3.14159 3.14159 }}', "3.141590|3.14|   3.142|3.14    |03.14"],
    ['{{ printf "%e|%E|%.2e" 1000000.0 1000000.0 123456.789 }}', "1.000000e+06|1.000000E+06|1.23e+05"],
    ['{{ printf "%g|%g|%g|%.3g|%g" 1000000.0 100000.0 0.00001 3.14159 1e21 }}', "1e+06|100000|1e-05|3.14|1e+21"],
    ['{{ printf "%s|%10s|%-10s|%.2s|%q" "hi" "hi" "hi" "hello" "a\\"b" }}', 'hi|        hi|hi        |he|"a\\"b"'],
    ['{{ printf "%x|% x|%X" "hi" "hi" "hi" }}', "6869|68 69|6869"],
    ['{{ printf "%t|%v" true false }}', "true|false"],
    ['{{ printf "%v|%d|%s" (list 1 2) (list 1 2) (list "a" "b") }}', "[1 2]|[1 2]|[a b]"],
    ['{{ printf "%v" (dict "b" 1 "a" (list 1 nil)) }}', "map[a:[1 <nil>] b:1]"],
    ['{{ printf "%T|%T|%T|%T|%T|%T" 1 1.5 "s" true (list) (dict) }}', "int|float64|string|bool|[]interface {}|map[string]interface {}"],
    ['{{ printf "%#v|%#v" "s" (list 1 "a") }}', '"s"|[]interface {}{1, "a"}'],
    ['{{ printf "%s|%d" 5 "x" }}', "%!s(int=5)|%!d(string=x)"],
    ['{{ printf "%d %d" 1 }}', "1 %!d(MISSING)"],
    ['{{ printf "%d" 1 2 }}', "1%!(EXTRA int=2)"],
    ['{{ printf "100%%" }}', "100%"],
    ['{{ printf "%*d|%-*d|" 4 7 3 7 }}', "   7|7  |"],
    ['{{ printf "%v %v %v" .missing nil .n }}', "<nil> <nil> 1.5"],
    ['{{ print "a" "b" 1 2 "c" }}', "ab1 2c"],
    ['{{ println "a" 1 }}', "a 1\n"],
    ["{{ 1.0 }} {{ 2.5 }} {{ 1e6 }} {{ 1e20 }} {{ 1e21 }} {{ 0.000001 }} {{ -0.5 }} {{ 123456789.0 }}", "1 2.5 1e+06 1e+20 1e+21 1e-06 -0.5 1.23456789e+08"],
    ["{{ .m }} {{ .l }} {{ .e }} {{ .b }}", "map[a:1 b:map[c:x]] [a 1 true <nil>] map[] <no value>", { m: { b: { c: "x" }, a: 1 }, l: ["a", 1, true, null], e: {}, b: null }],
    ['{{ html "<a href=\\"x\\">&</a>" }} {{ html .missing }}', "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt; &lt;no value&gt;"],
    ["{{ js \"<'a'=b>\" }}", "\\u003C\\'a\\'\\u003Db\\u003E"],
    ['{{ urlquery "a b&c=d/é" }}', "a+b%26c%3Dd%2F%C3%A9"],
    // Go strings are bytes: len, index and substr count UTF-8 bytes. (Sprig's slice replaces the builtin and refuses strings.)
    ['{{ len "héllo" }} {{ index "héllo" 1 }} {{ substr 0 3 "héllo" }}', "6 195 hé"],
  ])("%s", (...row: unknown[]) => {
    const [src, want, data] = row as [string, string, unknown];
    expect(renderTemplate(src, data ?? { n: 1.5 }, { missingKey: "default" })).toBe(want);
  });
});
