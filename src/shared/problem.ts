/** An error as a value a person can act on: what happened, why, and what to do. */
export interface Problem {
  what: string;
  why: string;
  fix: string;
  /** The command that failed, as an argv, when there was one. */
  command?: string[];
  exitCode?: number;
  /** Its output (secrets redacted), kept short. */
  output?: string;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/(SECRET_KEY\s*[=:]\s*)(['"]?)[^'"\r\n]+\2/g, '$1$2[redacted]$2'],
  [/((?:password|passwd|pwd|CSC_KEY_PASSWORD)\s*[=:]\s*)(['"]?)[^'"\s,;]+\2/gi, '$1$2[redacted]$2'],
  [/(django-insecure-)[^\s'"]+/g, '$1[redacted]'],
];

/** Removes secrets (Django SECRET_KEY, passwords) from text bound for a log or an event. */
export function redact(text: string): string {
  let out = text;
  for (const [re, rep] of SECRET_PATTERNS) out = out.replace(re, rep);
  return out;
}
