import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, TemplateError } from "./index.js";

/**
 * Cases ported from Go's own src/text/template/exec_test.go (execTests, cmpTests, TestExecError,
 * TestMissingMapKey). Go structs become maps, so struct-method cases are left out; Go `int`s in the
 * data are bigints, as in our value model (go-values.ts). `ok: false` rows must fail to execute.
 */
const tVal = {
  True: true,
  I: 17n,
  X: "x",
  S: "xyz",
  FloatZero: 0,
  U: { V: "v" },
  SI: [3n, 4n, 5n],
  AI: [3n, 4n, 5n],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1n, two: 2n, three: 3n },
  MSIone: { one: 1n },
  MSIEmpty: {},
  MXI: { one: 1n },
  SMSI: [
    { one: 1n, two: 2n },
    { eleven: 11n, twelve: 12n },
  ],
  Empty0: null,
  Empty1: 3n,
  Empty2: "empty2",
  Empty3: [7n, 8n],
  Empty4: { V: "UinEmpty" },
  PSI: [21n, 22n, 23n],
  BinaryFunc: (a: unknown, b: unknown) => `[${String(a)}=${String(b)}]`,
  VariadicFunc: (...s: unknown[]) => `<${s.join("+")}>`,
  NilOKFunc: (s: unknown) => s === null,
};

/** Go's test FuncMap, as far as plain JS functions can express it. */
const funcs = {
  echo: (a: unknown) => a,
  makemap: (...args: unknown[]) => {
    if (args.length % 2 !== 0) throw new Error("bad makemap");
    const m: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) m[String(args[i])] = args[i + 1];
    return m;
  },
  mapOfThree: () => ({ three: 3n }),
  zeroArgs: () => "zeroArgs",
  die: () => {
    throw new Error("die");
  },
};

type Row = readonly [name: string, input: string, output: string, data: unknown, ok: boolean];

const execTests: readonly Row[] = [
  // Trivial cases.
  ["empty", "", "", null, true],
  ["text", "some text", "some text", null, true],
  ["nil action", "{{nil}}", "", null, false],
  // Ideal constants.
  ["ideal int", "{{printf `%T` 3}}", "int", 0n, true],
  ["ideal float", "{{printf `%T` 1.0}}", "float64", 0n, true],
  ["ideal exp float", "{{printf `%T` 1e1}}", "float64", 0n, true],
  ["ideal int max", "{{printf `%T` 0x7fffffffffffffff}}", "int", 0n, true],
  ["ideal too big", "{{printf `%T` 0x8000000000000000}}", "", 0n, false],
  // Fields on maps.
  [".X", "-{{.X}}-", "-x-", tVal, true],
  [".U.V", "-{{.U.V}}-", "-v-", tVal, true],
  ["map .one", "{{.MSI.one}}", "1", tVal, true],
  ["map .two", "{{.MSI.two}}", "2", tVal, true],
  ["map .one interface", "{{.MXI.one}}", "1", tVal, true],
  ["map .WRONG args", "{{.MSI.one 1}}", "", tVal, false],
  // Dots of all kinds.
  ["dot int", "<{{.}}>", "<13>", 13n, true],
  ["dot float", "<{{.}}>", "<15.1>", 15.1, true],
  ["dot bool", "<{{.}}>", "<true>", true, true],
  ["dot string", "<{{.}}>", "<hello>", "hello", true],
  ["dot slice", "<{{.}}>", "<[-1 -2 -3]>", [-1n, -2n, -3n], true],
  ["dot map", "<{{.}}>", "<map[two:22]>", { two: 22n }, true],
  // Variables.
  ["$ int", "{{$}}", "123", 123n, true],
  ["$.I", "{{$.I}}", "17", tVal, true],
  ["$.U.V", "{{$.U.V}}", "v", tVal, true],
  ["declare in action", "{{$x := $.U.V}}{{$x}}", "v", tVal, true],
  ["simple assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", "3", tVal, true],
  ["nested assignment", "{{$x := 2}}{{if true}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}", "3", tVal, true],
  ["nested assignment changes the last declaration", "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}", "1", tVal, true],
  // Empty interfaces holding values.
  ["empty nil", "{{.Empty0}}", "<no value>", tVal, true],
  ["empty with int", "{{.Empty1}}", "3", tVal, true],
  ["empty with string", "{{.Empty2}}", "empty2", tVal, true],
  ["empty with slice", "{{.Empty3}}", "[7 8]", tVal, true],
  ["empty with map", "{{.Empty4}}", "map[V:UinEmpty]", tVal, true],
  ["empty with map, field", "{{.Empty4.V}}", "UinEmpty", tVal, true],
  // Function call builtin.
  [".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", "[1=2]", tVal, true],
  [".VariadicFunc0", "{{call .VariadicFunc}}", "<>", tVal, true],
  [".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", "<he+llo>", tVal, true],
  ["if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", "[1=2]", tVal, true],
  ["if not .BinaryFunc call", "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}", "No", tVal, true],
  [".NilOKFunc nil", "{{call .NilOKFunc nil}}", "true", tVal, true],
  ["call nil", "{{call nil}}", "", tVal, false],
  // Pipelines.
  ["pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", "-<he+<llo>>-", tVal, true],
  // Parenthesized expressions.
  ["parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15", tVal, true],
  ["parens: $ in paren", "{{($).X}}", "x", tVal, true],
  ["parens: $ in paren in pipe", "{{($ | echo).X}}", "x", tVal, true],
  ["parens: spaces and args", `{{(makemap "up" "down" "left" "right").left}}`, "right", tVal, true],
  // If.
  ["if true", "{{if true}}TRUE{{end}}", "TRUE", tVal, true],
  ["if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", tVal, true],
  ["if nil", "{{if nil}}TRUE{{end}}", "", tVal, false],
  ["if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal, true],
  ["if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal, true],
  ["if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", tVal, true],
  ["if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", tVal, true],
  ["if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal, true],
  ["if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal, true],
  ["if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", tVal, true],
  ["if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", "true,17", tVal, true],
  ["if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", "17,true", tVal, true],
  ["if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", tVal, true],
  ["if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", tVal, true],
  // Print etc.
  ["print", `{{print "hello, print"}}`, "hello, print", tVal, true],
  ["print 123", `{{print 1 2 3}}`, "1 2 3", tVal, true],
  ["print nil", `{{print nil}}`, "<nil>", tVal, true],
  ["println", `{{println 1 2 3}}`, "1 2 3\n", tVal, true],
  ["printf int", `{{printf "%04x" 127}}`, "007f", tVal, true],
  ["printf float", `{{printf "%g" 3.5}}`, "3.5", tVal, true],
  ["printf string", `{{printf "%s" "hello"}}`, "hello", tVal, true],
  ["printf function", `{{printf "%#q" zeroArgs}}`, "`zeroArgs`", tVal, true],
  ["printf field", `{{printf "%s" .U.V}}`, "v", tVal, true],
  ["printf dot", `{{with .I}}{{printf "%d" .}}{{end}}`, "17", tVal, true],
  ["printf var", `{{with $x := .I}}{{printf "%d" $x}}{{end}}`, "17", tVal, true],
  ["printf lots", `{{printf "%d %s %g %s" 127 "hello" 7.5 .X}}`, "127 hello 7.5 x", tVal, true],
  // HTML, JavaScript, URL query.
  ["html", `{{html "<script>alert(\\"XSS\\");</script>"}}`, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null, true],
  ["html pipeline", `{{printf "<script>alert(\\"XSS\\");</script>" | html}}`, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;", null, true],
  ["js", `{{js .}}`, `It\\'d be nice.`, `It'd be nice.`, true],
  ["urlquery", `{{"http://www.example.org/"|urlquery}}`, "http%3A%2F%2Fwww.example.org%2F", null, true],
  // Booleans.
  ["not", "{{not true}} {{not false}}", "false true", null, true],
  ["and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", null, true],
  ["or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", null, true],
  ["or short-circuit", "{{or 0 1 (die)}}", "1", null, true],
  ["or short-circuit2", "{{or 0 0 (die)}}", "", null, false],
  ["and short-circuit", "{{and 1 0 (die)}}", "0", null, true],
  ["and short-circuit2", "{{and 1 1 (die)}}", "", null, false],
  ["and pipe-true", "{{1 | and 1}}", "1", null, true],
  ["and pipe-false", "{{0 | and 1}}", "0", null, true],
  ["or pipe-true", "{{1 | or 0}}", "1", null, true],
  ["or pipe-false", "{{0 | or 0}}", "0", null, true],
  ["boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", tVal, true],
  ["boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", null, true],
  // Indexing.
  ["slice[0]", "{{index .SI 0}}", "3", tVal, true],
  ["slice[1]", "{{index .SI 1}}", "4", tVal, true],
  ["slice[HUGE]", "{{index .SI 10}}", "", tVal, false],
  ["slice[WRONG]", "{{index .SI `hello`}}", "", tVal, false],
  ["slice[nil]", "{{index .SI nil}}", "", tVal, false],
  ["map[one]", "{{index .MSI `one`}}", "1", tVal, true],
  ["map[two]", "{{index .MSI `two`}}", "2", tVal, true],
  ["map[NO]", "{{index .MSI `XXX`}}", "<no value>", tVal, true],
  ["map[nil]", "{{index .MSI nil}}", "", tVal, false],
  ["map[``]", "{{index .MSI ``}}", "<no value>", tVal, true],
  ["map[WRONG]", "{{index .MSI 10}}", "", tVal, false],
  ["double index", "{{index .SMSI 1 `eleven`}}", "11", tVal, true],
  ["nil[1]", "{{index nil 1}}", "", tVal, false],
  ["index of an interface field", "{{index .Empty3 0}}", "7", tVal, true],
  // Slicing.
  ["slice[:]", "{{slice .SI}}", "[3 4 5]", tVal, true],
  ["slice[1:]", "{{slice .SI 1}}", "[4 5]", tVal, true],
  ["slice[1:2]", "{{slice .SI 1 2}}", "[4]", tVal, true],
  ["slice[-1:]", "{{slice .SI -1}}", "", tVal, false],
  ["slice[1:-2]", "{{slice .SI 1 -2}}", "", tVal, false],
  ["slice[1:2:-1]", "{{slice .SI 1 2 -1}}", "", tVal, false],
  ["slice[2:1]", "{{slice .SI 2 1}}", "", tVal, false],
  ["slice[2:2:1]", "{{slice .SI 2 2 1}}", "", tVal, false],
  ["out of range", "{{slice .SI 4 5}}", "", tVal, false],
  ["array[:]", "{{slice .AI}}", "[3 4 5]", tVal, true],
  ["string[:]", "{{slice .S}}", "xyz", tVal, true],
  ["string[0:1]", "{{slice .S 0 1}}", "x", tVal, true],
  ["string[1:]", "{{slice .S 1}}", "yz", tVal, true],
  ["string[1:2]", "{{slice .S 1 2}}", "y", tVal, true],
  ["out of range string", "{{slice .S 1 5}}", "", tVal, false],
  ["3-index slice of string", "{{slice .S 1 2 2}}", "", tVal, false],
  ["slice of an interface field", "{{slice .Empty3 0 1}}", "[7]", tVal, true],
  // Len.
  ["len slice", "{{len .SI}}", "3", tVal, true],
  ["len map", "{{len .MSI }}", "3", tVal, true],
  ["len of int", "{{len 3}}", "", tVal, false],
  ["len of nothing", "{{len .Empty0}}", "", tVal, false],
  ["len of an interface field", "{{len .Empty3}}", "2", tVal, true],
  // With.
  ["with true", "{{with true}}{{.}}{{end}}", "true", tVal, true],
  ["with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", tVal, true],
  ["with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", tVal, true],
  ["with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal, true],
  ["with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", tVal, true],
  ["with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", tVal, true],
  ["with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", tVal, true],
  ["with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", tVal, true],
  ["with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", tVal, true],
  ["with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", tVal, true],
  ["with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", tVal, true],
  ["with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", tVal, true],
  ["with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", tVal, true],
  ["with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", tVal, true],
  ["with else with chain", "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}", "notempty", tVal, true],
  // Range.
  ["range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", tVal, true],
  ["range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", tVal, true],
  ["range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", tVal, true],
  ["range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["range []int break else", "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", "-3-", tVal, true],
  ["range []int continue else", "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}", "-3--4--5-", tVal, true],
  ["range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", tVal, true],
  ["range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", tVal, true],
  ["range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", tVal, true],
  ["range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", tVal, true],
  ["range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", tVal, true],
  ["range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", tVal, true],
  ["range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", tVal, true],
  ["range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", tVal, true],
  ["range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", "<0=3><1=4><2=5>", tVal, true],
  ["range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", tVal, true],
  ["range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>", tVal, true],
  ["range $x PSI", "{{range $x := .PSI}}<{{$x}}>{{end}}", "<21><22><23>", tVal, true],
  ["declare in range", "{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}", "<21><22><23>", tVal, true],
  ["range 5", `{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}`, "int0int1int2int3int4", null, true],
  ["range int over two vars", `{{range $i, $c := 5}}{{$c}}{{end}}`, "", null, false],
  ["range float", `{{range 5.5}}{{.}}{{end}}`, "", null, false],
  ["issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", "5", tVal, true],
  ["issue60801", "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}", "0=3 1=4 2=5 ", tVal, true],
  // Cute examples.
  ["or as if true", `{{or .SI "slice is empty"}}`, "[3 4 5]", tVal, true],
  ["or as if false", `{{or .SIEmpty "slice is empty"}}`, "slice is empty", tVal, true],
  // Numbers.
  ["decimal", "{{print 1234}}", "1234", tVal, true],
  ["decimal _", "{{print 12_34}}", "1234", tVal, true],
  ["binary", "{{print 0b101}}", "5", tVal, true],
  ["binary _", "{{print 0b_1_0_1}}", "5", tVal, true],
  ["BINARY", "{{print 0B101}}", "5", tVal, true],
  ["octal0", "{{print 0377}}", "255", tVal, true],
  ["octal", "{{print 0o377}}", "255", tVal, true],
  ["octal _", "{{print 0o_3_7_7}}", "255", tVal, true],
  ["OCTAL", "{{print 0O377}}", "255", tVal, true],
  ["hex", "{{print 0x123}}", "291", tVal, true],
  ["hex _", "{{print 0x1_23}}", "291", tVal, true],
  ["HEX", "{{print 0X123ABC}}", "1194684", tVal, true],
  ["float", "{{print 123.4}}", "123.4", tVal, true],
  ["float _", "{{print 0_0_1_2_3.4}}", "123.4", tVal, true],
  ["hex float", "{{print +0x1.ep+2}}", "7.5", tVal, true],
  ["HEX float", "{{print +0X1.EP+2}}", "7.5", tVal, true],
  ["print multi", "{{print 1_2_3_4 7.5_00_00_00}}", "1234 7.5", tVal, true],
  // Fixed bugs.
  ["bug7a", "{{3 2}}", "", tVal, false],
  ["bug7b", "{{$x := 1}}{{$x 2}}", "", tVal, false],
  ["bug7c", "{{$x := 1}}{{3 | $x}}", "", tVal, false],
  ["bug9", "{{.cause}}", "neglect", { cause: "neglect" }, true],
  ["bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", 0n, true],
  ["bug12xe", "{{printf `%T` 0xef}}", "int", null, true],
  ["bug12XE", "{{printf `%T` 0XEE}}", "int", null, true],
  ["bug13", "{{print (echo .).I}}", "17", tVal, true],
  ["bug14a", "{{(nil).True}}", "", tVal, false],
  ["bug14b", "{{$x := nil}}{{$x.anything}}", "", tVal, false],
  ["bug14c", `{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}`, "", tVal, false],
  ["bug16a", "{{true|printf}}", "", tVal, false],
  ["bug16b", "{{1|printf}}", "", tVal, false],
  ["bug16c", "{{1.1|printf}}", "", tVal, false],
  ["bug16d", "{{'x'|printf}}", "", tVal, false],
  ["bug16k", '{{"aaa"|printf }}', "aaa", tVal, true],
  ["bug18a", "{{eq . '.'}}", "true", 46n, true],
  ["bug18b", "{{eq . 'e'}}", "true", 101n, true],
];

describe("Go text/template exec_test.go table", () => {
  it.each(execTests)("%s", (_name, input, output, data, ok) => {
    const run = (): string => renderTemplate(input, data, { name: "t", functionSet: "none", funcs: { ...funcs, add: (...a: unknown[]) => a.reduce<bigint>((s, x) => s + (x as bigint), 0n) }, missingKey: "default" });
    if (ok) expect(run()).toBe(output);
    else expect(run).toThrow(TemplateError);
  });
});

const cmpData = { Uthree: 3n, Ufour: 4n, NegOne: -1n, Three: 3n, Map: null, NonNilMap: {}, NilIface: null };
const cmpTests: ReadonlyArray<readonly [string, string, boolean]> = [
  ["eq true true", "true", true],
  ["eq true false", "false", true],
  ["eq 1.5 1.5", "true", true],
  ["eq 1.5 2.5", "false", true],
  ["eq 1 1", "true", true],
  ["eq 1 2", "false", true],
  ["eq `xy` `xy`", "true", true],
  ["eq `xy` `xyz`", "false", true],
  ["eq .Uthree .Uthree", "true", true],
  ["eq .Uthree .Ufour", "false", true],
  ["eq 3 4 5 6 3", "true", true],
  ["eq 3 4 5 6 7", "false", true],
  ["ne true true", "false", true],
  ["ne true false", "true", true],
  ["ne 1.5 1.5", "false", true],
  ["ne 1 2", "true", true],
  ["ne `xy` `xyz`", "true", true],
  ["lt 1.5 1.5", "false", true],
  ["lt 1.5 2.5", "true", true],
  ["lt 1 1", "false", true],
  ["lt 1 2", "true", true],
  ["lt `xy` `xy`", "false", true],
  ["lt `xy` `xyz`", "true", true],
  ["le 1.5 1.5", "true", true],
  ["le 2.5 1.5", "false", true],
  ["le 1 2", "true", true],
  ["le 2 1", "false", true],
  ["le `xyz` `xy`", "false", true],
  ["gt 1.5 1.5", "false", true],
  ["gt 2 1", "true", true],
  ["gt 1 2", "false", true],
  ["gt `xy` `xyz`", "false", true],
  ["ge 1.5 1.5", "true", true],
  ["ge 1.5 2.5", "false", true],
  ["ge 2 1", "true", true],
  ["ge `xyz` `xy`", "true", true],
  ["eq .NegOne .Uthree", "false", true],
  ["lt .NegOne .Uthree", "true", true],
  ["eq (index `x` 0) 'x'", "true", true],
  ["eq (index `x` 0) 'y'", "false", true],
  ["eq .NilIface 0", "false", true],
  ["eq 0 .NilIface", "false", true],
  ["eq .Map .Map", "true", true],
  // Errors.
  ["eq `xy` 1", "", false],
  ["eq 2 2.0", "", false],
  ["lt true true", "", false],
  ["eq .NonNilMap .NonNilMap", "", false],
];

describe("Go text/template comparison table (cmpTests)", () => {
  it.each(cmpTests)("%s", (expr, truth, ok) => {
    const run = (): string => renderTemplate(`{{if ${expr}}}true{{else}}false{{end}}`, cmpData, { name: "empty", functionSet: "none" });
    if (ok) expect(run()).toBe(truth);
    else expect(run).toThrow(/incompatible types for comparison|invalid type for comparison|non-comparable/);
  });
});

describe("Go text/template error reporting", () => {
  it("names the nested template, line and column (TestExecError)", () => {
    const text = 'line 1\nline 2\nline 3\n{{template "one" .}}\n{{define "one"}}{{template "two" .}}{{end}}\n{{define "two"}}{{template "three" .}}{{end}}\n{{define "three"}}{{index "hi" $}}{{end}}';
    expect(() => renderTemplate(text, 5n, { name: "top" })).toThrow(
      'template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5',
    );
  });

  it("handles missing keys per option (TestMissingMapKey)", () => {
    const t = (missingKey: "default" | "zero" | "error") => parseTemplate("{{.x}} {{.y}}", { name: "t1", missingKey });
    expect(t("default").execute({ x: 99n })).toBe("99 <no value>");
    // Go's zero of interface{} is nil, which prints as <no value> (JS maps are map[string]interface{}).
    expect(t("zero").execute({ x: 99n })).toBe("99 <no value>");
    expect(() => t("error").execute({ x: 99n })).toThrow('template: t1:1:9: executing "t1" at <.y>: map has no entry for key "y"');
    expect(() => t("error").execute(null)).toThrow('template: t1:1:2: executing "t1" at <.x>: nil data; no entry for key "x"');
  });

  it("reports an unterminated raw string at its opening line (TestUnterminatedStringError)", () => {
    expect(() => parseTemplate("hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n", { name: "X" })).toThrow("template: X:3: unterminated raw quoted string");
  });

  it("reports a field on a non-map (TestExecuteGivesExecError)", () => {
    expect(() => renderTemplate("hello, {{.X.Y}}", 0n, { name: "X" })).toThrow("can't evaluate field X in type int");
  });

  it("allows a final pipeline value as printf's only argument (TestFinalForPrintf)", () => {
    expect(renderTemplate('{{"x" | printf}}', 0n)).toBe("x");
  });

  it("walks a recursive tree with trim markers (TestTree)", () => {
    const leaf = (v: bigint) => ({ Val: v, Left: null, Right: null });
    const tree = {
      Val: 1n,
      Left: { Val: 2n, Left: { Val: 3n, Left: leaf(4n), Right: null }, Right: { Val: 5n, Left: leaf(6n), Right: null } },
      Right: { Val: 7n, Left: { Val: 8n, Left: leaf(9n), Right: null }, Right: { Val: 10n, Left: leaf(11n), Right: null } },
    };
    const src = `
	{{- define "tree" -}}
	[
		{{- .Val -}}
		{{- with .Left -}}
			{{template "tree" . -}}
		{{- end -}}
		{{- with .Right -}}
			{{- template "tree" . -}}
		{{- end -}}
	]
	{{- end -}}
{{- template "tree" . -}}`;
    expect(renderTemplate(src, tree)).toBe("[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]");
  });
});
