/** Entry point of the command line under plain Node (npm run cli -- ...). */
import { createInterface } from 'node:readline/promises';
import { main } from './cli';

const io = {
  out: (s: string) => process.stdout.write(`${s}\n`),
  err: (s: string) => process.stderr.write(`${s}\n`),
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

main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
