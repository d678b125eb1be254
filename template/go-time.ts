/**
 * Go's `time.Time` for the Sprig date functions, always in UTC: templates render on the hub and
 * on spokes, and the same repo must give the same output everywhere, so no host time zone leaks in.
 */
export class GoTime {
  /** Milliseconds since the Unix epoch. */
  readonly ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  toGoString(): string {
    return formatGoTime(this, "2006-01-02 15:04:05.999999999 -0700 MST");
  }

  unix(): bigint {
    return BigInt(Math.floor(this.ms / 1000));
  }
}

const LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Go layout elements, longest first so `2006` wins over `2` and `January` over `Jan`. */
const ELEMENTS = [
  "Z07:00:00", "-07:00:00", "January", "Monday", "Z07:00", "-07:00", "Z0700", "-0700", "2006", "Z07", "-07",
  "Jan", "Mon", "MST", "002", "__2", "_2", "15", "01", "02", "03", "04", "05", "06", "PM", "pm", "1", "2", "3", "4", "5",
] as const;

function pad(n: number, width: number, ch = "0"): string {
  return String(n).padStart(width, ch);
}

/** Formats `t` with a Go reference-time layout (`2006-01-02T15:04:05Z07:00`). */
export function formatGoTime(t: GoTime, layout: string): string {
  const d = new Date(t.ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const hour = d.getUTCHours();
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1_000_000;
  let out = "";
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: ".000", ",999" after a seconds element or anywhere, as Go accepts.
    const c = layout[i];
    if ((c === "." || c === ",") && (layout[i + 1] === "0" || layout[i + 1] === "9")) {
      const digit = layout[i + 1];
      let j = i + 1;
      while (layout[j] === digit) j++;
      if (!/[0-9]/.test(layout[j] ?? "")) {
        const n = j - i - 1;
        let frac = pad(nanos, 9).slice(0, n);
        if (digit === "9") {
          frac = frac.replace(/0+$/, "");
          out += frac === "" ? "" : c + frac;
        } else out += c + frac;
        i = j;
        continue;
      }
    }
    for (const el of ELEMENTS) {
      if (!layout.startsWith(el, i)) continue;
      switch (el) {
        case "January": out += LONG_MONTHS[month]; break;
        case "Jan": out += (LONG_MONTHS[month] ?? "").slice(0, 3); break;
        case "Monday": out += LONG_DAYS[d.getUTCDay()]; break;
        case "Mon": out += (LONG_DAYS[d.getUTCDay()] ?? "").slice(0, 3); break;
        case "2006": out += pad(year, 4); break;
        case "06": out += pad(year % 100, 2); break;
        case "01": out += pad(month + 1, 2); break;
        case "1": out += String(month + 1); break;
        case "02": out += pad(day, 2); break;
        case "2": out += String(day); break;
        case "_2": out += pad(day, 2, " "); break;
        case "002": out += pad(dayOfYear(d), 3); break;
        case "__2": out += pad(dayOfYear(d), 3, " "); break;
        case "15": out += pad(hour, 2); break;
        case "03": out += pad(hour % 12 === 0 ? 12 : hour % 12, 2); break;
        case "3": out += String(hour % 12 === 0 ? 12 : hour % 12); break;
        case "04": out += pad(d.getUTCMinutes(), 2); break;
        case "4": out += String(d.getUTCMinutes()); break;
        case "05": out += pad(d.getUTCSeconds(), 2); break;
        case "5": out += String(d.getUTCSeconds()); break;
        case "PM": out += hour >= 12 ? "PM" : "AM"; break;
        case "pm": out += hour >= 12 ? "pm" : "am"; break;
        case "MST": out += "UTC"; break;
        case "Z07:00:00": case "Z07:00": case "Z0700": case "Z07": out += "Z"; break;
        case "-07:00:00": out += "+00:00:00"; break;
        case "-07:00": out += "+00:00"; break;
        case "-0700": out += "+0000"; break;
        case "-07": out += "+00"; break;
      }
      i += el.length;
      continue outer;
    }
    out += c;
    i++;
  }
  return out;
}

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86_400_000) + 1;
}

/**
 * Go's `time.Parse(layout, value)` (Sprig's `toDate`), in UTC: a numeric zone offset in the value
 * shifts the instant; a zone abbreviation (`MST`, `GMT`) is read and, as Go does for names it
 * does not know in the location, taken as offset zero. Throws with Go's message.
 */
export function parseGoTime(layout: string, value: string): GoTime {
  const fail = (rest: string, elem: string): never => {
    throw new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`);
  };
  let year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, ms = 0, offset = 0;
  let pm: boolean | undefined;
  let v = value;
  let i = 0;
  const num = (elem: string, min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(v);
    if (m === null) return fail(v, elem);
    v = v.slice(m[0].length);
    return Number(m[0]);
  };
  const word = (elem: string, words: readonly string[]): number => {
    const k = words.findIndex((w) => v.toLowerCase().startsWith(w.toLowerCase()));
    if (k < 0) return fail(v, elem);
    v = v.slice((words[k] ?? "").length);
    return k;
  };
  outer: while (i < layout.length) {
    const c = layout[i] ?? "";
    if ((c === "." || c === ",") && (layout[i + 1] === "0" || layout[i + 1] === "9")) {
      let j = i + 1;
      while (layout[j] === layout[i + 1]) j++;
      if (!/[0-9]/.test(layout[j] ?? "")) {
        const m = /^[.,](\d+)/.exec(v);
        if (m !== null) {
          ms = Number((m[1] ?? "").slice(0, 3).padEnd(3, "0"));
          v = v.slice(m[0].length);
        } else if (layout[i + 1] === "0") fail(v, layout.slice(i, j));
        i = j;
        continue;
      }
    }
    for (const el of ELEMENTS) {
      if (!layout.startsWith(el, i)) continue;
      switch (el) {
        case "January": month = word(el, LONG_MONTHS) + 1; break;
        case "Jan": month = word(el, LONG_MONTHS.map((x) => x.slice(0, 3))) + 1; break;
        case "Monday": word(el, LONG_DAYS); break;
        case "Mon": word(el, LONG_DAYS.map((x) => x.slice(0, 3))); break;
        case "2006": year = num(el, 4, 4); break;
        case "06": { const y = num(el, 2, 2); year = y >= 69 ? 1900 + y : 2000 + y; break; }
        case "01": month = num(el, 2, 2); break;
        case "1": month = num(el, 1, 2); break;
        case "02": day = num(el, 2, 2); break;
        case "2": day = num(el, 1, 2); break;
        case "_2": v = v.replace(/^ /, ""); day = num(el, 1, 2); break;
        case "002": case "__2": num(el, 1, 3); break;
        case "15": hour = num(el, 1, 2); break;
        case "03": hour = num(el, 2, 2); break;
        case "3": hour = num(el, 1, 2); break;
        case "04": min = num(el, 2, 2); break;
        case "4": min = num(el, 1, 2); break;
        case "05": sec = num(el, 2, 2); break;
        case "5": sec = num(el, 1, 2); break;
        case "PM": case "pm": pm = word(el, ["PM", "AM"]) === 0; break;
        case "MST": { const m = /^[A-Z]{3,5}|^[+-]\d{2,4}/.exec(v); if (m === null) fail(v, el); v = v.slice(m?.[0].length ?? 0); break; }
        default: {
          // Numeric zones: Z07:00 forms also accept a literal Z.
          if (el.startsWith("Z") && v.startsWith("Z")) { v = v.slice(1); break; }
          const m = /^([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?/.exec(v);
          if (m === null) return fail(v, el);
          offset = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
          v = v.slice(m[0].length);
        }
      }
      i += el.length;
      continue outer;
    }
    if (!v.startsWith(c)) fail(v, layout.slice(i));
    v = v.slice(1);
    i++;
  }
  if (v !== "") throw new Error(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`);
  if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
  if (month < 1 || month > 12) throw new Error(`parsing time ${JSON.stringify(value)}: month out of range`);
  const date = new Date(Date.UTC(year, month - 1, day, hour, min, sec, ms));
  if (year < 100) date.setUTCFullYear(year);
  if (date.getUTCDate() !== day) throw new Error(`parsing time ${JSON.stringify(value)}: day out of range`);
  return new GoTime(date.getTime() - offset);
}
