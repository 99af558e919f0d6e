/**
 * Entry point of the command line: `npm run cli` (the bundle under plain Node) and the console exe.
 * On Windows every line it prints also goes to the tool's log (%ProgramData%\DjangoIISSetup\logs,
 * the wizard's file, JSON lines, secrets redacted), so a run from Task Scheduler or CI leaves a
 * record even when nobody redirected its output.
 */
import { createInterface } from 'node:readline/promises';
import { redact } from '../../shared/problem';
import { createLogger } from '../logging/logger';
import { main } from './cli';

interface FileLog {
  line(level: 'info' | 'error', text: string): void;
  close(): Promise<void>;
}

function openFileLog(argv: string[]): FileLog | undefined {
  if (process.platform !== 'win32') return undefined;
  try {
    const { logger } = createLogger();
    logger.info(`command line: django-iis-setup ${redact(argv.join(' '))}`, { source: 'main' });
    return {
      line: (level, text) => logger.log(level, text, { source: 'main' }),
      close: () =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 3000);
          logger.on('finish', () => {
            clearTimeout(t);
            resolve();
          });
          logger.end();
        }),
    };
  } catch {
    // Not allowed to write the log (not elevated): the command itself says what matters.
    return undefined;
  }
}

const argv = process.argv.slice(2);
const fileLog = openFileLog(argv);
const io = {
  out: (s: string) => {
    process.stdout.write(`${s}\n`);
    fileLog?.line('info', s);
  },
  err: (s: string) => {
    process.stderr.write(`${s}\n`);
    fileLog?.line('error', s);
  },
  ...(process.stdin.isTTY
    ? {
        confirm: async (q: string) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          const a = await rl.question(q);
          rl.close();
          return /^y(es)?$/i.test(a.trim());
        },
      }
    : {}),
};

const exit = async (code: number) => {
  await fileLog?.close();
  process.exit(code);
};

main(argv, io).then(exit, async (e: unknown) => {
  const text = `Unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  process.stderr.write(`${text}\n`);
  fileLog?.line('error', text);
  await exit(1);
});
