/** export --format powershell: the deployment as a PowerShell 5.1 script. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type DeploymentConfig } from '../../../shared/config';
import { EXPORT_TARGETS, ExportError, exportPowerShell, type ExportTarget } from '../../export/powershell';
import { type CliIo, type Options, UsageError } from '../options';

export async function exportCommand(o: Options, io: CliIo, config: DeploymentConfig): Promise<number> {
  if (o.format !== 'powershell') throw new UsageError('export needs --format powershell.');
  if (o.windows !== undefined && !(EXPORT_TARGETS as readonly string[]).includes(o.windows)) throw new UsageError(`--windows ${o.windows} is not one of ${EXPORT_TARGETS.join(', ')}.`);
  let script: string;
  try {
    script = await exportPowerShell(config, o.windows ? { windows: o.windows as ExportTarget } : {});
  } catch (e) {
    if (e instanceof ExportError) throw new UsageError(`Nothing was written: ${e.message}`);
    throw e;
  }
  if (o.out) {
    if (existsSync(o.out) && statSync(o.out).isDirectory()) throw new UsageError(`--out ${o.out} is a folder; give a file name such as deploy.ps1.`);
    mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeFileSync(o.out, script);
    io.out(o.json ? JSON.stringify({ written: o.out }) : `Wrote ${o.out}`);
  } else io.out(script);
  return 0;
}
