/** appcmd set|clear|lock config: sections at a configuration path, with locking and schema validation. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APPHOST_ROOT, findLocation, findSection, isSectionLockedAt, sectionOrThrow, validateElement } from '../apphost';
import { sectionDeclaration } from '../iis-schema';
import { configPathLabel, effectiveSection, findSite, resolveUrl } from '../iisconfig';
import { type SimulatedServer } from '../server';
import { el, getAttr, parseXml, serializeXml, setAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { configPathOf, sectionParam } from './list';
import { applyExpr } from './navigation';
import { applyAttributeParams, commit, ok, otherParams, param } from './support';

export function setConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  const cp = configPathOf(p, root);
  const commitTo = (param(p, 'commit') ?? '').toLowerCase();
  if (commitTo && !['apphost', 'site', 'app', 'webroot', 'machine'].includes(commitTo) && !commitTo.startsWith('machine/')) fail(`Invalid /commit value "${commitTo}". Use /commit:apphost.`);
  const schema = sectionOrThrow(section);
  const decl = sectionDeclaration(section);
  const unknown = otherParams(p, ['section', 'commit']);
  const effective = effectiveSection(server, section, cp, root).section;
  if (cp === '' || commitTo === 'apphost') {
    const container = cp === '' ? root : (findLocation(root, cp, true) as El);
    if (cp !== '' && decl?.allowDefinition === 'AppHostOnly')
      fail(`This configuration section cannot be used at this path ("${configPathLabel(cp)}"): ${section} may only be set at server level (allowDefinition="AppHostOnly"). Leave out the site path.`, EXIT.UNSUPPORTED);
    const sec = findSection(container, section, true) as El;
    applyAttributeParams(sec, schema, unknown);
    for (const e of p.exprs) applyExpr(sec, schema, e, effective);
    commit(server, root, [section]);
    return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${APPHOST_ROOT}"`, true);
  }
  // web.config at the physical folder of the config path
  const [siteName, ...rest] = cp.split('/');
  const site = findSite(root, siteName as string) as El;
  const r = resolveUrl(site, `/${rest.join('/')}`);
  if (!r?.physicalPath) fail(`The config path "${cp}" does not map to a folder: no virtual directory covers it.`, EXIT.NOT_FOUND);
  const wc = `${r?.physicalPath}\\web.config`;
  const lockedMsg = `Configuration error \r\nFilename: \\\\?\\${wc}\r\nLine Number: 0\r\nDescription: This configuration section cannot be used at this path. This happens when the section is locked at a parent level. Locking is either by default (overrideModeDefault="Deny"), or set explicitly by a location tag with overrideMode="Deny" or the legacy allowOverride="false".\r\n`;
  if (decl?.allowDefinition === 'AppHostOnly') fail(lockedMsg, EXIT.UNSUPPORTED);
  if (isSectionLockedAt(root, section, cp)) fail(lockedMsg, EXIT.ACCESS_DENIED);
  const real = server.toReal(wc);
  const doc = existsSync(real) ? parseXml(readFileSync(real, 'utf8')) : el('configuration');
  const sec = findSection(doc, section, true) as El;
  applyAttributeParams(sec, schema, unknown);
  for (const e of p.exprs) applyExpr(sec, schema, e, effective);
  const problems = validateElement(schema, sec, section);
  if (problems.length) fail(problems.map((x) => x.message).join('; '), EXIT.INVALID_DATA);
  mkdirSync(path.dirname(real), { recursive: true });
  writeFileSync(`${real}.tmp`, serializeXml(doc));
  renameSync(`${real}.tmp`, real);
  return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${configPathLabel(cp)}"`, true);
}

/**
 * `appcmd clear config PATH -section:S /commit:apphost`: removes the section's settings made at
 * PATH (its <location> element), so PATH inherits again; an emptied <location> goes too.
 * Server-level clears and web.config clears are refused by the simulator (the tool never runs them).
 */
export function clearConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  sectionOrThrow(section);
  const cp = configPathOf(p, root);
  if (cp === '' || (param(p, 'commit') ?? '').toLowerCase() !== 'apphost')
    fail('The simulator clears a section only at a site or URL path in applicationHost.config: appcmd clear config "SITE/PATH" -section:NAME /commit:apphost.', EXIT.UNSUPPORTED);
  const loc = findLocation(root, cp);
  if (loc) {
    const segs = section.split('/');
    const chain: El[] = [loc];
    for (const seg of segs) {
      const next = (chain.at(-1) as El).children.find((c) => c.name === seg);
      if (!next) break;
      chain.push(next);
    }
    if (chain.length === segs.length + 1) {
      for (let i = chain.length - 1; i >= 1; i--) {
        const parent = chain[i - 1] as El;
        const child = chain[i] as El;
        if (i === chain.length - 1 || (child.children.length === 0 && child.attrs.length === 0)) parent.children = parent.children.filter((c) => c !== child);
      }
      if (loc.children.length === 0 && !getAttr(loc, 'overrideMode')) root.children = root.children.filter((c) => c !== loc);
    }
  }
  commit(server, root, [section]);
  return ok(`Applied configuration changes to section "${section}" for "${configPathLabel(cp)}" at configuration commit path "${APPHOST_ROOT}"`, true);
}

export function lockConfig(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const section = sectionParam(p, root);
  const cp = configPathOf(p, root);
  const loc = findLocation(root, cp, true) as El;
  setAttr(loc, 'overrideMode', p.verb === 'unlock' ? 'Allow' : 'Deny');
  findSection(loc, section, true);
  commit(server, root, [section]);
  const verb = p.verb === 'unlock' ? 'Unlocked' : 'Locked';
  return ok(`${verb} section "${section}" at configuration path "${configPathLabel(cp)}".`, true);
}
