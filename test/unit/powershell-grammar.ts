/**
 * Parses PowerShell with a real grammar (tree-sitter-powershell, run by web-tree-sitter from
 * npm) to check the exported script: every call with its decoded arguments, the step guard it
 * sits in, and where string literals are (so hostile text can be shown to be only inside them).
 *
 * PowerShell treats the typographic single quotes U+2018-U+201B as ' (its tokenizer's
 * IsSingleQuote); the grammar knows only '. So the script is parsed with those characters
 * mapped to ' (one UTF-16 unit each, offsets unchanged): a look-alike that ended a string in
 * PowerShell ends it in the parse too.
 */
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

let parser: Parser | undefined;

async function getParser(): Promise<Parser> {
  if (parser) return parser;
  await Parser.init();
  const lang = await Language.load(path.resolve('node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm'));
  parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

const QUOTES = /[\u2018\u2019\u201A\u201B]/g;
const isQuote = (ch: string) => ch === "'" || /[\u2018\u2019\u201A\u201B]/.test(ch);

/** The value of a verbatim string literal as PowerShell reads it (a doubled quote is one). */
export function decodeVerbatim(text: string): string {
  const inner = [...text.slice(1, -1)];
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    out += ch;
    if (isQuote(ch) && i + 1 < inner.length && isQuote(inner[i + 1] as string)) i++;
  }
  return out;
}

export interface PsCall {
  /** The command: a cmdlet name (Write-Host) or, for "& 'C:\x.exe' ...", the program path. */
  name: string;
  invocation: boolean;
  /** String-literal arguments, decoded (other arguments as their source text). */
  args: string[];
  /** The step (from the "# ---- Step: id" comment before it) and whether it sits in an if block. */
  step: string | undefined;
  guarded: boolean;
  start: number;
}

export interface ParsedScript {
  hasError: boolean;
  errors: string[];
  calls: PsCall[];
  /** [start, end) of every string literal and comment. */
  literals: [number, number][];
  comments: [number, number][];
  /** Top-level statements' kinds. */
  topLevel: string[];
}

function walk(n: Node, f: (n: Node) => void): void {
  f(n);
  for (const c of n.children) if (c) walk(c, f);
}

export async function parsePowerShell(script: string): Promise<ParsedScript> {
  const p = await getParser();
  const tree = p.parse(script.replace(QUOTES, "'"));
  if (!tree) throw new Error('tree-sitter returned no tree');
  const root = tree.rootNode;
  const errors: string[] = [];
  const literals: [number, number][] = [];
  const comments: [number, number][] = [];
  const steps: { at: number; id: string }[] = [];
  const calls: PsCall[] = [];
  const text = (n: Node) => script.slice(n.startIndex, n.endIndex);
  walk(root, (n) => {
    if (n.type === 'ERROR' || n.isMissing) errors.push(`${n.type} at ${n.startPosition.row + 1}:${n.startPosition.column + 1}: ${text(n).slice(0, 80)}`);
    if (n.type === 'verbatim_string_characters' || n.type === 'expandable_string_literal' || n.type === 'verbatim_here_string_characters') literals.push([n.startIndex, n.endIndex]);
    if (n.type === 'comment') {
      comments.push([n.startIndex, n.endIndex]);
      const m = /^# ---- Step: (\S+)/.exec(text(n));
      if (m) steps.push({ at: n.startIndex, id: m[1] as string });
    }
  });
  walk(root, (n) => {
    if (n.type !== 'command') return;
    const nameNode = n.childForFieldName('command_name');
    if (!nameNode) return;
    const invocation = n.children.some((c) => c?.type === 'command_invokation_operator');
    const nameLit = nameNode.descendantsOfType('verbatim_string_characters')[0];
    const name = nameLit ? decodeVerbatim(text(nameLit)) : text(nameNode);
    const args: string[] = [];
    const elements = n.childForFieldName('command_elements');
    for (const c of elements?.children ?? []) {
      if (!c || c.type === 'command_argument_sep') continue;
      const lits = c.descendantsOfType('verbatim_string_characters');
      const lit = lits[0];
      args.push(lit && lits.length === 1 && text(c).trim() === text(lit) ? decodeVerbatim(text(lit)) : text(c));
    }
    let guarded = false;
    for (let a = n.parent; a; a = a.parent) if (a.type === 'if_statement') guarded = true;
    const step = [...steps].reverse().find((s) => s.at < n.startIndex)?.id;
    calls.push({ name, invocation, args, step, guarded, start: n.startIndex });
  });
  const list = root.children.find((c) => c?.type === 'statement_list');
  const topLevel = (list?.children ?? []).filter((c): c is Node => !!c).map((c) => c.type);
  return { hasError: root.hasError || errors.length > 0, errors, calls, literals, comments, topLevel };
}

/** Every index where needle occurs in haystack. */
export function occurrences(haystack: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/** True when [start, start+len) lies inside one of the ranges. */
export function inside(ranges: [number, number][], start: number, len: number): boolean {
  return ranges.some(([a, b]) => start >= a && start + len <= b);
}

/**
 * The command line Windows PowerShell 5.1 (legacy argument passing) builds for a native program
 * from its string arguments: an argument with whitespace outside its own quotes is wrapped in
 * double quotes, nothing is escaped (NeedQuotes in PowerShell's NativeCommandParameterBinder).
 */
export function legacyCommandLine(args: readonly string[]): string {
  // PowerShell's NeedQuotes: whitespace outside an even count of quotes; a quote right after a backslash does not count.
  const needQuotes = (a: string) => {
    let quotes = 0;
    let afterBackslash = false;
    let need = false;
    for (const ch of a) {
      if (ch === '"' && !afterBackslash) quotes++;
      else if (/\s/.test(ch) && quotes % 2 === 0) need = true;
      afterBackslash = ch === '\\';
    }
    return need;
  };
  return args.map((a) => (needQuotes(a) ? `"${a}"` : a)).join(' ');
}

export { commandLineToArgv } from '../../src/shared/winargv';

/** Cmdlets and functions the exporter writes; anything else in the parse is injected code. */
export const KNOWN_COMMANDS = new Set(['Select-String', 'Get-Http', 'Test-DjangoSite', 'New-Object', 'Write-Host', 'Write-Warning', 'Assert-Exit', 'New-Item', 'Remove-Item', 'Push-Location', 'Pop-Location', 'Invoke-WebRequest', 'Get-Content', 'Get-ChildItem', 'Measure-Object', 'Test-Path', 'Get-ItemProperty', 'Get-Service', 'Where-Object', 'ConvertFrom-Json', 'Out-Null', 'Get-NetTCPConnection', 'Get-AuthenticodeSignature', 'Read-Host', 'Import-PfxCertificate', 'ConvertTo-SecureString']);
