/** The Django project: the guide's sample (startproject) or a copied folder/zip; settings edited. */
import { relativeParts, winDirname } from '../../../shared/winpath';
import type { DeploymentConfig, Derived } from '../../../shared/config';
import type { Action, DjangoSettingsEdit } from '../../../shared/plan';
import { managePy } from '../commands';
import { hasSettingsBlock } from '../settings-edit';
import { objectKey } from '../ownership';
import { done, exec, needed, psq, type Step } from '../step';

export function settingsEdit(config: DeploymentConfig, d: Derived): DjangoSettingsEdit {
  const parts = relativeParts(d.staticRoot, config.appDir);
  const depth = (relativeParts(winDirname(d.settingsFile), config.appDir) ?? []).length;
  return {
    ...(parts && parts.length > 0 ? { staticRootParts: parts } : { staticRootAbsolute: d.staticRoot }),
    settingsDepth: depth,
    staticUrl: config.staticUrl,
    allowedHosts: d.allowedHosts,
  };
}

export const djangoProject: Step = {
  id: 'django-project',
  title: 'Put the Django project in place',
  section: 'django',
  dependsOn: ['packages'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const actions: Action[] = [];
    const hasManage = await host.exists(managePy(config));
    const hasSettings = await host.exists(d.settingsFile);
    const src = config.djangoProject;
    if (!hasManage || !hasSettings) {
      actions.push({ kind: 'mkdir', description: `Create ${config.appDir}`, path: config.appDir, creates: { object: objectKey.folder(config.appDir), undo: [{ kind: 'remove', description: `Remove the application folder ${config.appDir}`, path: config.appDir }] } });
      if ('sample' in src) actions.push(exec(`Create the sample project "${src.sample}" (django-admin startproject)`, d.venvPython, ['-m', 'django', 'startproject', src.sample, config.appDir], { cwd: config.appDir }));
      else if ('folder' in src) actions.push(exec(`Copy the application from ${src.folder}`, 'robocopy.exe', [src.folder, config.appDir, '/E', '/NFL', '/NDL', '/NP'], { okExitCodes: [0, 1, 2, 3] }));
      else actions.push(exec(`Extract the application from ${src.zip}`, 'tar.exe', ['-xf', src.zip, '-C', config.appDir]));
    }
    const edit = settingsEdit(config, d);
    const current = hasSettings ? await host.readFile(d.settingsFile) : '';
    if (!hasSettings || !hasSettingsBlock(current, edit)) actions.push({ kind: 'editFile', description: `Set STATIC_ROOT, STATIC_URL and ALLOWED_HOSTS in ${d.settingsFile}`, path: d.settingsFile, transform: 'django-settings', values: edit });
    if (actions.length === 0) return done(`${config.appDir} holds the project; ${d.settingsFile} has STATIC_ROOT and ALLOWED_HOSTS`);
    return needed(!hasManage ? `${managePy(config)} does not exist` : `${d.settingsFile} lacks the STATIC_ROOT/ALLOWED_HOSTS block`, actions);
  },
  psCheck: ({ config, d }) => `(Test-Path ${psq(managePy(config))}) -and ((Get-Content -Raw ${psq(d.settingsFile)} -ErrorAction SilentlyContinue) -match 'BEGIN Django IIS Setup')`,
};

