import type { ArgNode, CommandNode, ListNode, NumberNode, PipeNode, StatementNode, Tree, VariableNode } from "./ast.js";
import { nodeString } from "./ast.js";
import { TOKEN, lex, tokenString, type Token, type TokenType } from "./lexer.js";
import { TEMPLATE_ERROR, TemplateError } from "./template-errors.js";

/** A parsed template set: the main tree and every `define`/`block` by name. */
export interface ParsedSet {
  readonly tree: Tree;
  readonly root: ListNode;
  readonly defines: ReadonlyMap<string, ListNode>;
}

type End = { readonly kind: "end"; readonly pos: number } | { readonly kind: "else"; readonly pos: number };

/**
 * Parses template text exactly like Go's `text/template/parse`: same grammar, same checks (unknown
 * functions, undefined variables, `break` outside `range`), same error wording.
 */
export function parse(text: string, parseName: string, hasFunction: (name: string) => boolean): ParsedSet {
  const parser = new Parser(text, parseName, hasFunction);
  return parser.parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private seen = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private actionLine = 0;
  private readonly defines = new Map<string, ListNode>();
  private readonly tree: Tree;

  private readonly parseName: string;
  private readonly hasFunction: (name: string) => boolean;

  constructor(text: string, parseName: string, hasFunction: (name: string) => boolean) {
    this.parseName = parseName;
    this.hasFunction = hasFunction;
    this.tokens = lex(text);
    this.tree = { parseName, text };
  }

  parseAll(): ParsedSet {
    const root: ListNode = { type: "list", pos: 0, nodes: [] };
    while (this.peek().type !== TOKEN.eof) {
      if (this.peek().type === TOKEN.leftDelim) {
        const save = this.index;
        this.next();
        if (this.nextNonSpace().type === TOKEN.define) {
          this.parseDefinition();
          continue;
        }
        this.index = save;
      }
      const n = this.textOrAction();
      if (isEnd(n)) this.errorf(`unexpected {{${n.kind}}}`);
      else if (n !== undefined) root.nodes.push(n);
    }
    return { tree: this.tree, root, defines: this.defines };
  }

  private errorf(message: string): never {
    const line = this.tokens[Math.min(this.seen, this.tokens.length - 1)]?.line ?? 1;
    throw new TemplateError(TEMPLATE_ERROR.parse, `template: ${this.parseName}:${line}: ${message}`, {
      templateName: this.parseName,
      line,
    });
  }

  private next(): Token {
    const i = Math.min(this.index, this.tokens.length - 1);
    const t = this.tokens[i];
    if (t === undefined) throw new Error("lexer produced no tokens");
    if (i > this.seen) this.seen = i;
    this.index++;
    return t;
  }

  private backup(n = 1): void {
    this.index -= n;
  }

  private peek(): Token {
    const t = this.next();
    this.backup();
    return t;
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === TOKEN.space) t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === TOKEN.error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${token.val}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(token)} in ${context}`);
  }

  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private parseDefinition(): void {
    const context = "define clause";
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== TOKEN.string && nameTok.type !== TOKEN.rawString) this.unexpected(nameTok, context);
    const name = this.unquote(nameTok);
    this.expect(TOKEN.rightDelim, context);
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== "end") this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addDefinition(name, list);
  }

  private addDefinition(name: string, list: ListNode): void {
    const existing = this.defines.get(name);
    if (existing === undefined || isEmptyList(existing)) this.defines.set(name, list);
    else if (!isEmptyList(list)) this.errorf(`template: multiple definition of template ${JSON.stringify(name)}`);
  }

  private itemList(): [ListNode, End] {
    const list: ListNode = { type: "list", pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== TOKEN.eof) {
      const n = this.textOrAction();
      if (isEnd(n)) return [list, n];
      if (n !== undefined) list.nodes.push(n);
    }
    return this.errorf("unexpected EOF");
  }

  private textOrAction(): StatementNode | End | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case TOKEN.text:
        return { type: "text", pos: token.pos, text: token.val };
      case TOKEN.leftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case TOKEN.comment:
        return undefined;
      default:
        return this.unexpected(token, "input");
    }
  }

  private action(): StatementNode | End {
    const token = this.nextNonSpace();
    switch (token.type) {
      case TOKEN.block:
        return this.blockControl();
      case TOKEN.break:
      case TOKEN.continue: {
        const word = token.type === TOKEN.break ? "break" : "continue";
        const t = this.nextNonSpace();
        if (t.type !== TOKEN.rightDelim) this.unexpected(t, `{{${word}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
        return { type: word, pos: token.pos };
      }
      case TOKEN.else: {
        const peek = this.peekNonSpace();
        if (peek.type === TOKEN.if || peek.type === TOKEN.with) return { kind: "else", pos: peek.pos };
        const t = this.expect(TOKEN.rightDelim, "else");
        return { kind: "else", pos: t.pos };
      }
      case TOKEN.end:
        return { kind: "end", pos: this.expect(TOKEN.rightDelim, "end").pos };
      case TOKEN.if:
        return this.control("if");
      case TOKEN.range:
        return this.control("range");
      case TOKEN.with:
        return this.control("with");
      case TOKEN.template:
        return this.templateControl();
      default: {
        this.backup();
        const pipe = this.pipeline("command", TOKEN.rightDelim);
        return { type: "action", pos: pipe.pos, pipe };
      }
    }
  }

  private control(context: "if" | "range" | "with"): StatementNode {
    const savedVars = this.vars.length;
    try {
      const pipe = this.pipeline(context, TOKEN.rightDelim);
      if (context === "range") this.rangeDepth++;
      const [list, next] = this.itemList();
      if (context === "range") this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.kind === "else") {
        const peek = this.peek();
        if (context === "if" && peek.type === TOKEN.if) {
          this.next();
          elseList = { type: "list", pos: next.pos, nodes: [this.control("if")] };
        } else if (context === "with" && peek.type === TOKEN.with) {
          this.next();
          elseList = { type: "list", pos: next.pos, nodes: [this.control("with")] };
        } else {
          const [els, end] = this.itemList();
          if (end.kind !== "end") this.errorf(`expected end; found {{${end.kind}}}`);
          elseList = els;
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = savedVars;
    }
  }

  private templateControl(): StatementNode {
    const context = "template clause";
    const token = this.nextNonSpace();
    if (token.type !== TOKEN.string && token.type !== TOKEN.rawString) this.unexpected(token, context);
    const name = this.unquote(token);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== TOKEN.rightDelim) {
      this.backup();
      pipe = this.pipeline(context, TOKEN.rightDelim);
    }
    return { type: "template", pos: token.pos, name, pipe };
  }

  private blockControl(): StatementNode {
    const context = "block clause";
    const token = this.nextNonSpace();
    if (token.type !== TOKEN.string && token.type !== TOKEN.rawString) this.unexpected(token, context);
    const name = this.unquote(token);
    const pipe = this.pipeline(context, TOKEN.rightDelim);
    const savedVars = this.vars;
    const savedDepth = this.rangeDepth;
    this.vars = ["$"];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    this.vars = savedVars;
    this.rangeDepth = savedDepth;
    if (end.kind !== "end") this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addDefinition(name, list);
    return { type: "template", pos: token.pos, name, pipe };
  }

  private pipeline(context: string, end: TokenType): PipeNode {
    const first = this.peekNonSpace();
    const decl: VariableNode[] = [];
    let isAssign = false;
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== TOKEN.variable) break;
      this.nextNonSpace();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === TOKEN.assign || next.type === TOKEN.declare) {
        isAssign = next.type === TOKEN.assign;
        this.nextNonSpace();
        decl.push({ type: "variable", pos: v.pos, ident: v.val.split(".") });
        this.vars.push(v.val);
        break;
      } else if (next.type === TOKEN.char && next.val === ",") {
        this.nextNonSpace();
        decl.push({ type: "variable", pos: v.pos, ident: v.val.split(".") });
        this.vars.push(v.val);
        if (context === "range" && decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === TOKEN.variable || p === TOKEN.rightDelim || p === TOKEN.rightParen) continue;
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.type === TOKEN.space) {
        this.backupTo(v);
        break;
      } else {
        this.backupTo(v);
        break;
      }
    }
    const pipe: PipeNode = { type: "pipe", pos: first.pos, isAssign, decl, cmds: [] };
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case TOKEN.bool:
        case TOKEN.charConstant:
        case TOKEN.dot:
        case TOKEN.field:
        case TOKEN.identifier:
        case TOKEN.number:
        case TOKEN.nil:
        case TOKEN.rawString:
        case TOKEN.string:
        case TOKEN.variable:
        case TOKEN.leftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private backupTo(token: Token): void {
    this.index = this.tokens.indexOf(token);
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === "bool" || t === "dot" || t === "nil" || t === "number" || t === "string") {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.type === TOKEN.space) continue;
      if (token.type === TOKEN.rightDelim || token.type === TOKEN.rightParen) this.backup();
      else if (token.type !== TOKEN.pipe) this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== TOKEN.field) return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === TOKEN.field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", pos: chainPos, ident: [...node.ident, ...fields] };
      case "variable":
        return { type: "variable", pos: chainPos, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        return this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
      default:
        return { type: "chain", pos: chainPos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case TOKEN.identifier:
        if (!this.hasFunction(token.val)) this.errorf(`function ${JSON.stringify(token.val)} not defined`);
        return { type: "identifier", pos: token.pos, ident: token.val };
      case TOKEN.dot:
        return { type: "dot", pos: token.pos };
      case TOKEN.nil:
        return { type: "nil", pos: token.pos };
      case TOKEN.variable: {
        const ident = token.val.split(".");
        if (!this.vars.includes(ident[0] ?? "")) this.errorf(`undefined variable ${JSON.stringify(ident[0])}`);
        return { type: "variable", pos: token.pos, ident };
      }
      case TOKEN.field:
        return { type: "field", pos: token.pos, ident: [token.val.slice(1)] };
      case TOKEN.bool:
        return { type: "bool", pos: token.pos, value: token.val === "true" };
      case TOKEN.number:
      case TOKEN.charConstant:
        return this.number(token);
      case TOKEN.leftParen:
        return this.pipeline("parenthesized pipeline", TOKEN.rightParen);
      case TOKEN.string:
      case TOKEN.rawString:
        return { type: "string", pos: token.pos, quoted: token.val, text: this.unquote(token) };
      default:
        this.backup();
        return undefined;
    }
  }

  private unquote(token: Token): string {
    if (token.type === TOKEN.rawString) return token.val.slice(1, -1).replace(/\r/g, "");
    const out = unquoteGo(token.val.slice(1, -1), '"');
    if (out === undefined) this.errorf("invalid syntax");
    return out;
  }

  private number(token: Token): NumberNode {
    const text = token.val;
    if (token.type === TOKEN.charConstant) {
      const s = unquoteGo(text.slice(1, -1), "'");
      const cp = s === undefined ? undefined : s.codePointAt(0);
      if (s === undefined || cp === undefined || [...s].length !== 1) this.errorf(`malformed character constant: ${text}`);
      return { type: "number", pos: token.pos, text, isInt: true, isFloat: true, int: BigInt(cp), float: cp };
    }
    if (text.endsWith("i")) {
      const real = text.slice(0, -1);
      if (parseGoInt(real) !== undefined || parseGoFloat(real) !== undefined) this.errorf(`complex numbers are not supported: ${JSON.stringify(text)}`);
      this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
    }
    const int = parseGoInt(text);
    if (int !== undefined && int >= -(2n ** 63n) && int < 2n ** 63n) {
      return { type: "number", pos: token.pos, text, isInt: true, isFloat: true, int, float: Number(int) };
    }
    const f = parseGoFloat(text);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text) || /^[+-]?0[xX][^pP]*$/.test(text)) this.errorf(`integer overflow: ${JSON.stringify(text)}`);
      const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
      return { type: "number", pos: token.pos, text, isInt, isFloat: true, int: isInt ? BigInt(f) : 0n, float: f };
    }
    return this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
  }
}

function isEnd(n: StatementNode | End | undefined): n is End {
  return n !== undefined && "kind" in n;
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === "text" && n.text.trim() === "");
}

/** Go's `strconv.ParseInt(text, 0, 64)` syntax: prefixes 0x 0o 0b, legacy octal 0NNN, underscores with a prefix. */
function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (m === null) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  let body = m[2] ?? "";
  if (body.includes("_")) {
    // Go's underscoreOK: only between digits, or between a base prefix and a digit.
    if (/__|_$/.test(body) || /^0[xXoObB]?_?$/.test(body)) return undefined;
    body = body.replace(/_/g, "");
  }
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  try {
    return sign * BigInt(body);
  } catch {
    return undefined;
  }
}

function parseGoFloat(text: string): number | undefined {
  const t = text.replace(/_/g, "");
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(t);
  if (hex !== null) {
    const mant = parseInt((hex[2] ?? "") + (hex[3] ?? ""), 16) / 16 ** (hex[3] ?? "").length;
    const v = mant * 2 ** Number(hex[4]);
    return hex[1] === "-" ? -v : v;
  }
  return undefined;
}

/** Go's `strconv.Unquote` body for "..." and '...' literals; undefined on a bad escape. */
export function unquoteGo(body: string, quote: '"' | "'"): string | undefined {
  if (!body.includes("\\")) return body.includes(quote) ? undefined : body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      if (c === quote) return undefined;
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case "a": out += "\x07"; break;
      case "b": out += "\b"; break;
      case "f": out += "\f"; break;
      case "n": out += "\n"; break;
      case "r": out += "\r"; break;
      case "t": out += "\t"; break;
      case "v": out += "\v"; break;
      case "\\": out += "\\"; break;
      case '"':
      case "'":
        if (e !== quote) return undefined;
        out += e;
        break;
      case "x":
      case "u":
      case "U": {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += n;
        break;
      }
      default: {
        const oct = body.slice(i, i + 3);
        if (!/^[0-7]{3}$/.test(oct)) return undefined;
        out += String.fromCodePoint(parseInt(oct, 8));
        i += 2;
      }
    }
  }
  return out;
}
