/** appcmd add|set|delete apppool. */
import { findSection } from '../apphost';
import { attributeValueProblem } from '../iis-schema';
import { findPool, poolsSection } from '../iisconfig';
import { type SimulatedServer } from '../server';
import { el, getAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type ProgramResult, fail } from './grammar';
import { applyAttributeParams, commit, identifier, ok, otherParams, param, poolItemSchema } from './support';

export function addPool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = param(p, 'name');
  if (!name) fail('Missing required attribute "name". Use /name:POOL.');
  const n = name;
  const problem = attributeValueProblem({ name: 'name', type: 'string', validation: 'applicationPoolName' }, n);
  if (problem) fail(`${problem}: "${n}"`, EXIT.INVALID_DATA);
  if (findPool(root, n)) fail(`Failed to add duplicate collection element "${n}".`, EXIT.DUPLICATE);
  const schema = poolItemSchema();
  const pool = el('add', { name: n });
  applyAttributeParams(pool, schema, otherParams(p, ['name']));
  const section = poolsSection(root) ?? findSection(root, 'system.applicationHost/applicationPools', true);
  if (!section) fail('The applicationPools section is missing from applicationHost.config.', EXIT.INVALID_DATA);
  const defIdx = section.children.findIndex((c) => c.name !== 'add');
  if (defIdx >= 0) section.children.splice(defIdx, 0, pool);
  else section.children.push(pool);
  commit(server, root, ['system.applicationHost/applicationPools']);
  server.state.poolState[n.toLowerCase()] = 'Started';
  server.save();
  return ok(`APPPOOL object "${n}" added`, true);
}

export function setPool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'apppool.name');
  if (!name) fail('Missing the application pool: appcmd set apppool NAME /attribute:value.');
  const pool = findPool(root, name);
  if (!pool) fail(`Cannot find APPPOOL object with identifier "${name}".`, EXIT.NOT_FOUND);
  const schema = poolItemSchema();
  applyAttributeParams(pool, schema, otherParams(p, ['apppool.name']));
  commit(server, root, ['system.applicationHost/applicationPools']);
  return ok(`APPPOOL object "${getAttr(pool, 'name')}" changed`, true);
}

export function deletePool(server: SimulatedServer, root: El, p: ParsedArgs): ProgramResult {
  const name = identifier(p, 'apppool.name', 'name');
  const pool = name ? findPool(root, name) : undefined;
  if (!pool) fail(`Cannot find APPPOOL object with identifier "${name ?? ''}".`, EXIT.NOT_FOUND);
  const sec = poolsSection(root) as El;
  sec.children = sec.children.filter((c) => c !== pool);
  commit(server, root, ['system.applicationHost/applicationPools']);
  delete server.state.poolState[(name as string).toLowerCase()];
  server.save();
  return ok(`APPPOOL object "${getAttr(pool, 'name')}" deleted`, true);
}

/** Same protocol, IP, port and host name (IIS compares host names ignoring case): http.sys cannot route both. */
