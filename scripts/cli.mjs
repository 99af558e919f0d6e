// `npm run cli -- <command>` and `npm run rehearse`: runs the bundled command line (the same file
// the console exe holds), rebuilding it first when a source file changed. No tsx at run time.
import { createRequire } from 'node:module';
import { buildCli } from './build-cli.mjs';

const bundle = await buildCli();
createRequire(import.meta.url)(bundle);
