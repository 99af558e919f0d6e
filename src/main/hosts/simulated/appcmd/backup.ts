/** appcmd add|list|delete|restore backup (the config folder copied, as IIS does). */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { APPHOST_PATH, type SimulatedServer } from '../server';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { ok, param } from './support';

export function backupCmd(server: SimulatedServer, p: ParsedArgs): ProgramResult {
  const dir = server.toReal('C:\\Windows\\System32\\inetsrv\\backup');
  const name = p.id ?? param(p, 'name');
  if (p.verb === 'list') {
    const names = existsSync(dir) ? readdirSync(dir) : [];
    return ok(names.filter((n) => !name || n.toLowerCase() === name.toLowerCase()).map((n) => `BACKUP "${n}"`).join('\r\n'), false);
  }
  if (!name) fail('Missing the backup name.');
  const target = path.join(dir, name);
  if (p.verb === 'add') {
    if (existsSync(target)) fail(`Failed to add duplicate collection element "${name}".`, EXIT.DUPLICATE);
    mkdirSync(target, { recursive: true });
    copyFileSync(server.toReal(APPHOST_PATH), path.join(target, 'applicationHost.config'));
    return ok(`BACKUP object "${name}" added`, true);
  }
  if (!existsSync(target)) fail(`Cannot find BACKUP object with identifier "${name}".`, EXIT.NOT_FOUND);
  if (p.verb === 'restore') {
    copyFileSync(path.join(target, 'applicationHost.config'), server.toReal(APPHOST_PATH));
    return ok(`Restored configuration from backup "${name}"`, true);
  }
  rmSync(target, { recursive: true, force: true });
  return ok(`BACKUP object "${name}" deleted`, true);
}
