/**
 * Windows command lines: how a program's C runtime splits one into argv (the rules of
 * CommandLineToArgvW: whitespace separates outside quotes, 2n backslashes before a quote give n and
 * the quote toggles, 2n+1 give n and a literal quote, "" inside quotes is a quote). The simulated
 * HttpPlatformHandler splits its arguments with it; the export's tests check PowerShell's command
 * lines with it.
 */
export function commandLineToArgv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n++;
        i++;
      }
      if (line[i] === '"') {
        // 2n backslashes + quote: n backslashes, the quote toggles; 2n+1: n backslashes and a literal quote
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else quoted = !quoted;
      } else {
        cur += '\\'.repeat(n);
        i--;
      }
      inArg = true;
    } else if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
      inArg = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (inArg) out.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += ch;
      inArg = true;
    }
  }
  if (inArg) out.push(cur);
  return out;
}

