/** Config expressions: navigating a section by names, selectors and indexes, and applying /+, /- and /path:value to it. */
import { collectionKeyOf } from '../apphost';
import { attributeValueProblem, canonicalValue, keyAttributes, type ElementSchema } from '../iis-schema';
import { el, getAttr, setAttr, type El } from '../xml';
import { EXIT, type ParsedArgs, type PathToken, fail } from './grammar';

export interface Cursor {
  el: El;
  schema: ElementSchema;
}

export function matchesSelector(item: El, sel: [string, string][], schema: ElementSchema): boolean {
  return sel.every(([k, v]) => {
    const a = schema.attributes.find((x) => x.name.toLowerCase() === k.toLowerCase());
    const actual = getAttr(item, a?.name ?? k) ?? a?.default ?? '';
    return a?.caseSensitive ? actual === v : actual.toLowerCase() === v.toLowerCase();
  });
}

export function selectorAttrs(sel: [string, string][], schema: ElementSchema): [string, string][] {
  return sel.map(([k, v]) => {
    const a = schema.attributes.find((x) => x.name.toLowerCase() === k.toLowerCase());
    if (!a) fail(`Unknown attribute "${k}".  Replace with -? for help.`);
    const attr = a;
    const problem = attributeValueProblem(attr, v);
    if (problem) fail(problem, EXIT.INVALID_DATA);
    return [attr.name, canonicalValue(attr, v)];
  });
}

export function navigate(start: Cursor, tokens: PathToken[], effectiveItems?: El[]): Cursor {
  let cur = start;
  let first = true;
  for (const t of tokens) {
    if (t.kind === 'name') {
      const sub = cur.schema.elements?.[t.name];
      if (!sub) fail(`Unknown element "${t.name}".  Replace with -? for help.`);
      let c = cur.el.children.find((x) => x.name === t.name);
      if (!c) {
        c = el(t.name);
        cur.el.children.push(c);
      }
      cur = { el: c, schema: sub };
    } else {
      const col = cur.schema.collection;
      if (!col) fail(`The element does not hold a collection; "${t.kind === 'select' ? t.raw : `[@${t.index}]`}" selects nothing.`);
      const c = col;
      const items = cur.el.children.filter((x) => x.name === c.add);
      let found: El | undefined;
      if (t.kind === 'index') found = items[t.index];
      else found = items.find((x) => matchesSelector(x, t.attrs, c.item));
      if (!found && first && effectiveItems && t.kind === 'select' && effectiveItems.some((x) => matchesSelector(x, t.attrs, c.item))) {
        fail('Cannot change an element inherited from a parent level here; add it at this level or change it where it is defined.', EXIT.UNSUPPORTED);
      }
      if (!found) fail('Cannot find requested collection element.', EXIT.NOT_FOUND);
      cur = { el: found, schema: c.item };
    }
    first = false;
  }
  return cur;
}

export function applyExpr(sectionEl: El, schema: ElementSchema, expr: ParsedArgs['exprs'][number], effective: El): void {
  const tokens = expr.path;
  if (expr.op === '=') {
    const last = tokens.at(-1);
    if (!last || last.kind !== 'name') fail(`Expected an attribute name at the end of "${expr.raw}".`);
    const cur = navigate({ el: sectionEl, schema }, tokens.slice(0, -1), effective.children);
    const attrName = (last as { name: string }).name;
    const a = cur.schema.attributes.find((x) => x.name.toLowerCase() === attrName.toLowerCase());
    if (!a) fail(`Unknown attribute "${attrName}".  Replace with -? for help.`);
    const attr = a;
    const problem = attributeValueProblem(attr, expr.value ?? '');
    if (problem) fail(problem, EXIT.INVALID_DATA);
    setAttr(cur.el, attr.name, canonicalValue(attr, expr.value ?? ''));
    return;
  }
  const last = tokens.at(-1);
  if (!last || last.kind !== 'select') fail(`Expected [attribute='value',...] at the end of "${expr.raw}".`);
  const sel = last;
  const parentTokens = tokens.slice(0, -1);
  const cur = navigate({ el: sectionEl, schema }, parentTokens, effective.children);
  const col = cur.schema.collection;
  if (!col) fail(`The element does not hold a collection; cannot ${expr.op === '+' ? 'add to' : 'remove from'} it.`);
  const c = col;
  // The collection as in effect at this path (with inherited entries), for duplicate checks.
  const effItems = parentTokens.length === 0 ? effective.children.filter((x) => x.name === c.add) : cur.el.children.filter((x) => x.name === c.add);
  const attrs = selectorAttrs(sel.attrs, c.item);
  if (expr.op === '+') {
    const entry = el(c.add);
    entry.attrs = attrs;
    for (const req of c.item.attributes.filter((a) => a.required)) {
      if (getAttr(entry, req.name) === undefined) fail(`Missing required attribute "${req.name}" in ${sel.raw}. An entry of this collection needs ${c.item.attributes.filter((a) => a.required).map((a) => `'${a.name}'`).join(', ')}.`, EXIT.INVALID_DATA);
    }
    const key = collectionKeyOf(c.item, entry);
    if (effItems.some((x) => collectionKeyOf(c.item, x) === key)) {
      const keys = keyAttributes(c.item);
      // appcmd prefixes these with "New <element> object missing required attributes. " (windows-iis.md §11).
      const prefix = `New ${c.add} object missing required attributes. `;
      if (keys.length > 1 || keys[0]?.key === 'combined')
        fail(`${prefix}Cannot add duplicate collection entry of type '${c.add}' with combined key attributes '${keys.map((k) => k.name).join(', ')}' respectively set to '${keys.map((k) => getAttr(entry, k.name) ?? '').join(', ')}'`, EXIT.DUPLICATE);
      fail(`${prefix}Cannot add duplicate collection entry of type '${c.add}' with unique key attribute '${keys[0]?.name ?? 'name'}' set to '${getAttr(entry, keys[0]?.name ?? 'name') ?? ''}'`, EXIT.DUPLICATE);
    }
    cur.el.children.push(entry);
    return;
  }
  // remove
  const local = cur.el.children.findIndex((x) => x.name === c.add && matchesSelector(x, sel.attrs, c.item));
  if (local >= 0) {
    cur.el.children.splice(local, 1);
    return;
  }
  const inherited = effItems.find((x) => matchesSelector(x, sel.attrs, c.item));
  if (!inherited) fail('Cannot find requested collection element.', EXIT.NOT_FOUND);
  if (!c.remove) fail(`This collection has no <remove> element; the inherited entry cannot be removed at this level.`, EXIT.UNSUPPORTED);
  const rm = el(c.remove);
  rm.attrs = keyAttributes(c.item).map((k) => [k.name, getAttr(inherited, k.name) ?? ''] as [string, string]);
  cur.el.children.push(rm);
}
