/**
 * What each consumer of a configuration value cannot carry, in one place: control characters
 * (a newline in a site name deploys half; a NUL makes applicationHost.config not XML), the
 * characters appcmd's [name='value'] selectors cannot hold, PowerShell's single-quote
 * look-alikes (U+2018-U+201B end a single-quoted string like '), and characters XML 1.0 cannot
 * hold. Messages name the key and the character.
 */

/** PowerShell treats all of these as a single quote (its tokenizer's IsSingleQuote). */
export const PS_SINGLE_QUOTE_CHARS = ["'", '\u2018', '\u2019', '\u201A', '\u201B'] as const;
const PS_QUOTE_LOOKALIKES = /[\u2018\u2019\u201A\u201B]/;
/** PowerShell's double-quote look-alikes (they matter in double-quoted strings, which we never write). */
const PS_DOUBLE_QUOTE_LOOKALIKES = /[\u201C\u201D\u201E]/;

const CHAR_NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'a tab',
  0x0a: 'a line feed (newline)',
  0x0d: 'a carriage return',
  0x85: 'a next-line character (U+0085)',
  0x2028: 'a line separator (U+2028)',
  0x2029: 'a paragraph separator (U+2029)',
};

/** "a line feed (newline)", "NUL (U+0000)", "’ (U+2019)" */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHAR_NAMES[cp];
  if (name) return cp === 0 ? `NUL (${hex})` : name;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return `a control character (${hex})`;
  return `"${ch}" (${hex})`;
}

// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Characters XML 1.0 cannot hold at all: lone surrogates, U+FFFE, U+FFFF. */
const XML_INVALID = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface ValueRules {
  /** The value goes inside an appcmd selector [name='value']: no ' and no ]. */
  appcmdSelector?: boolean;
  /** The value may not contain PowerShell quote look-alikes (names and paths). */
  noQuoteLookalikes?: boolean;
  maxLength?: number;
}

/** The first reason this value cannot be carried, naming the key and the character; null when fine. */
export function valueProblem(key: string, v: string, rules: ValueRules = {}): string | null {
  const c = CONTROL.exec(v);
  if (c) return `${key} contains ${describeChar(c[0])} at position ${c.index + 1}; remove it (names and paths are one line of printable text).`;
  const x = XML_INVALID.exec(v);
  if (x) return `${key} contains ${describeChar(x[0])}, which an XML file (applicationHost.config) cannot hold; remove it.`;
  if (rules.appcmdSelector) {
    if (v.includes("'")) return `${key} contains a ' (single quote). appcmd puts this value inside [...] between single quotes and has no documented escape; choose a value without '.`;
    if (v.includes(']')) return `${key} contains a "]". appcmd puts this value inside [...] and a "]" would end it; choose a value without "]".`;
  }
  if (rules.noQuoteLookalikes) {
    const q = PS_QUOTE_LOOKALIKES.exec(v) ?? PS_DOUBLE_QUOTE_LOOKALIKES.exec(v);
    if (q) return `${key} contains the typographic quote ${describeChar(q[0])}. PowerShell reads it as a quote (it ends a quoted string), and it is easy to mistake for '; type a plain character instead.`;
  }
  if (rules.maxLength !== undefined && v.length > rules.maxLength) return `${key} is longer than ${rules.maxLength} characters; choose a shorter value.`;
  return null;
}

/**
 * A PowerShell single-quoted string literal. Inside '...' the only special characters are the
 * single quote and its look-alikes (U+2018-U+201B), each escaped by doubling it.
 */
export function psQuote(s: string): string {
  let out = '';
  for (const ch of s) out += (PS_SINGLE_QUOTE_CHARS as readonly string[]).includes(ch) ? ch + ch : ch;
  return `'${out}'`;
}

/**
 * A Python str literal for any string: single-quoted, with backslash, quote, and every
 * non-printable character escaped, so no value can end the literal or the line.
 */
export function pyLiteral(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp === 0x2028 || cp === 0x2029 || (cp >= 0xd800 && cp <= 0xdfff)) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}
