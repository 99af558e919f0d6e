/** The Django project in place: the guide's sample (startproject) or a copied folder/zip. */
import type { Action } from '../../../shared/plan';
import { managePy } from '../commands';
import { objectKey } from '../ownership';
import { readRegistry } from '../release/registry';
import { zipTopFolder } from '../release/manifest';
import { readZipNames } from '../source-check';
import { done, exec, needed, psq, type Step } from '../step';

/** Extracts the members below one folder of a zip into a folder, refusing any name that would land outside it. */
export const ZIP_FROM_FOLDER_PY = [
  'import os, sys, zipfile',
  'z = zipfile.ZipFile(sys.argv[1])',
  'dest = os.path.abspath(sys.argv[2])',
  'prefix = sys.argv[3]',
  'n = 0',
  'for m in z.infolist():',
  "    name = m.filename.replace('\\\\', '/')",
  '    if not name.startswith(prefix) or name == prefix:',
  '        continue',
  "    target = os.path.abspath(os.path.join(dest, *name[len(prefix):].split('/')))",
  '    if os.path.commonpath([dest, target]) != dest:',
  "        raise SystemExit('refused: the zip member ' + name + ' would be written outside ' + dest)",
  "    if name.endswith('/'):",
  '        os.makedirs(target, exist_ok=True)',
  '        continue',
  '    os.makedirs(os.path.dirname(target), exist_ok=True)',
  "    with z.open(m) as src, open(target, 'wb') as out:",
  '        out.write(src.read())',
  '    n += 1',
  "print('extracted', n, 'files from', prefix)",
].join('\n');

export const djangoProject: Step = {
  id: 'django-project',
  title: 'Put the Django project in place',
  section: 'django',
  dependsOn: ['packages'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const hasManage = await host.exists(managePy(config));
    const hasSettings = await host.exists(d.settingsFile);
    // A release is in place when its folder holds the project and the history knows it.
    const r = ctx.release;
    const history = r ? await readRegistry(host, config.siteName) : undefined;
    const stage: Action[] = r && !r.target.legacy && !history?.releases.some((x) => x.number === r.target.number)
      ? [{ kind: 'release', description: `Record release ${r.target.number} (${r.target.label}) as staged`, op: { op: 'stage', record: r.target, root: config.layout?.root ?? config.appDir, shared: config.layout?.shared ?? config.appDir } }]
      : [];
    if (hasManage && hasSettings && stage.length === 0) return done(`${config.appDir} holds the project (${d.settingsFile})${r ? `: release ${r.target.number} (${r.target.label})` : ''}`);
    if (hasManage && hasSettings) return needed(`${config.appDir} holds the project; the release history does not list it yet`, stage);
    const src = config.djangoProject;
    const actions: Action[] = [
      { kind: 'mkdir', description: `Create ${config.appDir}`, path: config.appDir, creates: { object: objectKey.folder(config.appDir), undo: [{ kind: 'remove', description: `Remove the application folder ${config.appDir}`, path: config.appDir }] } },
    ];
    if ('sample' in src) actions.push(exec(`Create the sample project "${src.sample}" (django-admin startproject)`, d.venvPython, ['-m', 'django', 'startproject', src.sample, config.appDir], { cwd: config.appDir }));
    else if ('folder' in src) actions.push(exec(`Copy the application from ${src.folder}`, 'robocopy.exe', [src.folder, config.appDir, '/E', '/XJ', '/NFL', '/NDL', '/NP'], { okExitCodes: [0, 1, 2, 3] }));
    // The venv's Python extracts the zip (its zipfile module refuses absolute and ".." member paths):
    // tar.exe exists only from Server 2019 on, and Expand-Archive would need PowerShell 5 in between.
    // A zip as GitHub makes it (one top folder holding manage.py) is extracted from that folder.
    else {
      const names = (await host.exists(src.zip)) ? await readZipNames(host, src.zip) : undefined;
      const top = Array.isArray(names) ? zipTopFolder(names) : undefined;
      if (top) actions.push(exec(`Extract the application from the top folder "${top}" of ${src.zip} (as GitHub's "Download ZIP" makes it)`, d.venvPython, ['-c', ZIP_FROM_FOLDER_PY, src.zip, config.appDir, top]));
      else actions.push(exec(`Extract the application from ${src.zip}`, d.venvPython, ['-m', 'zipfile', '-e', src.zip, config.appDir]));
    }
    actions.push(...stage);
    const what = r ? `release ${r.target.number} (${r.target.label}) goes into ${config.appDir}${r.live ? ', beside the live one' : ''}: ` : '';
    return needed(`${what}${!hasManage ? `${managePy(config)} does not exist` : `${d.settingsFile} does not exist (check settingsModule)`}`, actions);
  },
  psCheck: ({ config, d }) => `(Test-Path ${psq(managePy(config))}) -and (Test-Path ${psq(d.settingsFile)})`,
};
