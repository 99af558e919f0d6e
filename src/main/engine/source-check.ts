/**
 * What the plan refuses in the project a team hands over before anything is copied: symbolic
 * links and junctions (the copy never follows them: robocopy runs with /XJ, and a link left out
 * would leave the project incomplete, a link followed could serve any folder of the server under
 * /static). Each link is named with what it points at.
 */
import type { Problem } from '../../shared/problem';
import { isInside } from '../../shared/winpath';
import { managePy } from './commands';
import { zipNames, zipTopFolder } from './release/manifest';
import type { StepContext } from './step';

export async function readZipNames(host: StepContext['host'], zip: string): Promise<string[] | Error> {
  try {
    return zipNames(await host.readBytes(zip));
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** A zip with manage.py neither at its top nor in its one top folder: what was found, and what to send instead. */
export function zipLayoutProblem(zip: string, names: readonly string[]): Problem | undefined {
  const files = names.filter((n) => !n.endsWith('/'));
  if (files.includes('manage.py') || zipTopFolder(names)) return undefined;
  const manage = files.filter((n) => n.split('/').at(-1) === 'manage.py').sort((a, b) => a.length - b.length);
  const top = [...new Set(names.map((n) => (n.includes('/') ? `${n.split('/')[0] ?? ''}/` : n)))].sort().slice(0, 8);
  if (manage.length)
    return {
      what: `${zip} has manage.py at ${manage.slice(0, 3).join(', ')}, not at its top or in its one top folder.`,
      why: 'The project is extracted from the zip as it is: manage.py must be at its top, or in the one folder everything is in (as GitHub\'s "Download ZIP" makes it).',
      fix: `Zip the folder that holds manage.py (${manage[0]?.replace(/\/?manage\.py$/, '') ?? ''}), or extract the zip and give "djangoProject": {"folder": ...} with that folder.`,
    };
  return {
    what: `${zip} holds no manage.py; its top level has: ${top.join(', ')}${names.length > top.length ? ', ...' : ''}.`,
    why: 'A Django project is the folder with manage.py; this zip is something else (a wheel, a folder of documents, a zip of zips).',
    fix: 'Send the zip of the Django project (the folder that holds manage.py).',
  };
}


export async function sourceProblems(ctx: StepContext): Promise<Problem[]> {
  const { config, host } = ctx;
  const src = config.djangoProject;
  // A zip whose manage.py is not where it is looked for: refused with what it holds, before anything changes.
  if ('zip' in src && (await host.exists(src.zip)) && !(await host.exists(managePy(config)))) {
    const names = await readZipNames(host, src.zip);
    if (names instanceof Error) return [{ what: `${src.zip} is not a zip the tool can read (${names.message}).`, why: 'The project is extracted from the zip; a damaged or other kind of file cannot be.', fix: 'Send the project again as a .zip (Compress-Archive, or GitHub\'s "Download ZIP"), or give "djangoProject": {"folder": ...} with the project\'s folder.' }];
    // Two members that Windows takes for one file (the same name, in any case): extracting, the last wins, unseen.
    const seen = new Map<string, string>();
    const dupes: string[] = [];
    for (const n of names) {
      const k = n.replace(/\\/g, '/').toLowerCase();
      if (seen.has(k)) dupes.push(seen.get(k) === n ? n : `${seen.get(k) ?? ''} and ${n}`);
      else seen.set(k, n);
    }
    if (dupes.length)
      return [{ what: `${src.zip} holds the same file more than once: ${dupes.slice(0, 5).join(', ')}${dupes.length > 5 ? `, and ${dupes.length - 5} more` : ''}.`, why: 'Extracted on Windows, the last of them silently replaces the others: what is deployed is not what a reviewer of the zip saw first.', fix: 'Make the zip again from the project folder (Compress-Archive, or GitHub\'s "Download ZIP"), so each file is in it once.' }];
    const layout = zipLayoutProblem(src.zip, names);
    return layout ? [layout] : [];
  }
  if (!('folder' in src) || !(await host.exists(src.folder)) || (await host.exists(managePy(config)))) return [];
  const links = await host.findLinks(src.folder);
  if (links.length === 0) return [];
  const outside = links.filter((l) => !isInside(l.target, src.folder));
  return [
    {
      what: `The project folder ${src.folder} holds ${links.length} symbolic link${links.length === 1 ? '' : 's'} or junction${links.length === 1 ? '' : 's'}: ${links
        .slice(0, 5)
        .map((l) => `${l.path} -> ${l.target}`)
        .join('; ')}${links.length > 5 ? `; and ${links.length - 5} more` : ''}.`,
      why: `The tool copies a project without following links (robocopy /XJ), so ${links.length === 1 ? 'it' : 'they'} would be left out${outside.length ? `; ${outside.length} point${outside.length === 1 ? 's' : ''} outside the project, and followed, IIS could serve that folder to anyone` : ''}.`,
      fix: 'Replace each link in the handed-over project by the files it should hold (e.g. cp -rL on the team\'s machine, or copy the folder in its place), then run again.',
    },
  ];
}
