/**
 * The lexer of Go's `text/template`, token for token (text/template/parse/lex.go): delimiters with
 * trim markers, comments, and the tokens inside actions, including significant spaces.
 */
export const TOKEN = {
  error: 0,
  eof: 1,
  text: 2,
  comment: 3,
  leftDelim: 4,
  rightDelim: 5,
  space: 6,
  identifier: 7,
  field: 8,
  variable: 9,
  dot: 10,
  nil: 11,
  bool: 12,
  number: 13,
  charConstant: 14,
  string: 15,
  rawString: 16,
  leftParen: 17,
  rightParen: 18,
  pipe: 19,
  assign: 20,
  declare: 21,
  char: 22,
  // keywords (Go's itemKeyword and above)
  block: 30,
  break: 31,
  continue: 32,
  define: 33,
  else: 34,
  end: 35,
  if: 36,
  range: 37,
  template: 38,
  with: 39,
} as const;

export type TokenType = (typeof TOKEN)[keyof typeof TOKEN];

export interface Token {
  readonly type: TokenType;
  readonly val: string;
  /** Offset in the source (UTF-16 index). */
  readonly pos: number;
  /** 1-based line where the token starts. */
  readonly line: number;
}

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>(Object.entries({
  block: TOKEN.block,
  break: TOKEN.break,
  continue: TOKEN.continue,
  define: TOKEN.define,
  else: TOKEN.else,
  end: TOKEN.end,
  if: TOKEN.if,
  range: TOKEN.range,
  nil: TOKEN.nil,
  template: TOKEN.template,
  with: TOKEN.with,
}));

const LEFT = "{{";
const RIGHT = "}}";
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;

function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return LETTER_OR_DIGIT.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === "-" && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === "-";
}

/** Go's `item.String()`, used in "unexpected X in Y" messages. */
export function tokenString(t: Token): string {
  if (t.type === TOKEN.eof) return "EOF";
  if (t.type === TOKEN.error) return t.val;
  if (t.type >= TOKEN.block || t.type === TOKEN.nil) return `<${t.val}>`;
  const chars = [...t.val];
  if (chars.length > 10) return `${goQuoteShort(chars.slice(0, 10).join(""))}...`;
  return goQuoteShort(t.val);
}

function goQuoteShort(s: string): string {
  return JSON.stringify(s);
}

/** Tokenises a whole template. Errors become a final `error` token, like Go's lexer. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: TokenType, val = input.slice(start, pos)): void => {
    tokens.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const countLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) if (input.charCodeAt(i) === 10) line++;
  };
  const advance = (n: number): void => {
    countLines(pos, pos + n);
    pos += n;
  };
  const backup = (): void => {
    pos--;
    if (input.charCodeAt(pos) === 10) line--;
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  const fail = (message: string): Token[] => {
    tokens.push({ type: TOKEN.error, val: message, pos: start, line: startLine });
    return tokens;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if (c === "." || c === "," || c === "|" || c === ":" || c === ")" || c === "(") return true;
    return input.startsWith(RIGHT, pos);
  };
  const skipSpacesAfterDelim = (): void => {
    let n = 0;
    while (isSpace(input[pos + n])) n++;
    advance(n);
    ignore();
  };

  for (;;) {
    // lexText
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      advance(input.length - pos);
      if (pos > start) emit(TOKEN.text);
      tokens.push({ type: TOKEN.eof, val: "", pos, line });
      return tokens;
    }
    advance(x - pos);
    let textEnd = pos;
    if (hasLeftTrimMarker(input, x + LEFT.length)) {
      while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    }
    if (textEnd > start) tokens.push({ type: TOKEN.text, val: input.slice(start, textEnd), pos: start, line: startLine });
    ignore();

    // lexLeftDelim
    advance(LEFT.length);
    const trimLeft = hasLeftTrimMarker(input, pos);
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      advance(afterMarker);
      ignore();
      // lexComment
      advance(LEFT_COMMENT.length);
      const end = input.indexOf(RIGHT_COMMENT, pos);
      if (end < 0) return fail("unclosed comment");
      advance(end - pos + RIGHT_COMMENT.length);
      const { delim, trim } = atRightDelim();
      if (!delim) return fail("comment ends before closing delimiter");
      emit(TOKEN.comment);
      if (trim) advance(2);
      advance(RIGHT.length);
      if (trim) skipSpacesAfterDelim();
      ignore();
      continue;
    }
    emit(TOKEN.leftDelim);
    advance(afterMarker);
    ignore();
    parenDepth = 0;

    // lexInsideAction until the right delimiter
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail("unclosed left paren");
        if (trim) {
          advance(2);
          ignore();
        }
        advance(RIGHT.length);
        emit(TOKEN.rightDelim);
        if (trim) skipSpacesAfterDelim();
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail("unclosed action");
      if (isSpace(c)) {
        let n = 0;
        while (isSpace(input[pos + n])) n++;
        advance(n);
        // A space followed by "-}}" is the trim marker, not a separator.
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
          backup();
          if (n === 1) continue;
        }
        emit(TOKEN.space);
        continue;
      }
      advance(1);
      if (c === "=") emit(TOKEN.assign);
      else if (c === ":") {
        if (input[pos] !== "=") return fail("expected :=");
        advance(1);
        emit(TOKEN.declare);
      } else if (c === "|") emit(TOKEN.pipe);
      else if (c === '"') {
        for (;;) {
          const d = input[pos];
          if (d === "\\") {
            if (input[pos + 1] === undefined || input[pos + 1] === "\n") return fail("unterminated quoted string");
            advance(2);
            continue;
          }
          if (d === undefined || d === "\n") return fail("unterminated quoted string");
          advance(1);
          if (d === '"') break;
        }
        emit(TOKEN.string);
      } else if (c === "`") {
        const end = input.indexOf("`", pos);
        if (end < 0) return fail("unterminated raw quoted string");
        advance(end - pos + 1);
        emit(TOKEN.rawString);
      } else if (c === "$" || (c === "." && !/[0-9]/.test(input[pos] ?? ""))) {
        // lexFieldOrVariable
        if (atTerminator()) {
          if (c === "$") emit(TOKEN.variable);
          else emit(TOKEN.dot);
          continue;
        }
        while (isAlphaNumeric(input[pos])) advance(1);
        if (!atTerminator()) return fail(`bad character ${goRuneName(input[pos] ?? "")}`);
        emit(c === "$" ? TOKEN.variable : TOKEN.field);
      } else if (c === "'") {
        for (;;) {
          const d = input[pos];
          if (d === "\\") {
            advance(2);
            continue;
          }
          if (d === undefined || d === "\n") return fail("unterminated character constant");
          advance(1);
          if (d === "'") break;
        }
        emit(TOKEN.charConstant);
      } else if (c === "." || c === "+" || c === "-" || (c >= "0" && c <= "9")) {
        backup();
        const m = /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]*|0[bB][01_]*|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)i?/.exec(input.slice(pos, pos + 200));
        const len = m?.[0].length ?? 0;
        advance(len);
        if (len === 0 || isAlphaNumeric(input[pos]) || input[pos] === ".") {
          if (len === 0 || isAlphaNumeric(input[pos])) advance(1);
          return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        }
        emit(TOKEN.number);
      } else if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) advance(1);
        if (!atTerminator()) return fail(`bad character ${goRuneName(input[pos] ?? "")}`);
        const word = input.slice(start, pos);
        const kw = KEYWORDS.get(word);
        if (kw !== undefined) emit(kw);
        else if (word === "true" || word === "false") emit(TOKEN.bool);
        else emit(TOKEN.identifier);
      } else if (c === "(") {
        emit(TOKEN.leftParen);
        parenDepth++;
      } else if (c === ")") {
        parenDepth--;
        if (parenDepth < 0) return fail("unexpected right paren");
        emit(TOKEN.rightParen);
      } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
        emit(TOKEN.char);
      } else {
        return fail(`unrecognized character in action: ${goRuneName(c)}`);
      }
    }
  }
}

/** Go's `%#U` of a rune: `U+0023 '#'`. */
function goRuneName(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")} '${c}'`;
}
