/** The steps of the guide, in no particular order: the order is the DAG their dependsOn declare. */
import type { Step } from '../step';
import { appPool } from './app-pool';
import { certificate } from './certificate';
import { httpsBinding } from './https-binding';
import { httpRedirect } from './http-redirect';
import { windowsAuth } from './windows-auth';
import { collectstatic } from './collectstatic';
import { djangoProject } from './django-project';
import { djangoSettings } from './django-settings';
import { fastcgi } from './fastcgi';
import { handler } from './handler';
import { httpPlatform } from './httpplatform';
import { httpPlatformModule } from './httpplatform-module';
import { iis } from './iis';
import { leftovers } from './leftovers';
import { mediaVdir } from './media-vdir';
import { migrate } from './migrate';
import { packages } from './packages';
import { permissions } from './permissions';
import { preflight } from './preflight';
import { python } from './python';
import { releaseData } from './release-data';
import { releaseStaging } from './release-staging';
import { releaseSwitch } from './release-switch';
import { site } from './site';
import { staticVdir } from './static-vdir';
import { venv } from './venv';
import { verification } from './verification';
import { webConfig } from './web-config';

export const STEPS: readonly Step[] = [preflight, python, iis, httpPlatformModule, venv, packages, djangoProject, releaseData, djangoSettings, migrate, collectstatic, fastcgi, httpPlatform, appPool, releaseStaging, releaseSwitch, site, certificate, httpsBinding, httpRedirect, windowsAuth, webConfig, handler, staticVdir, mediaVdir, permissions, leftovers, verification];

/** Steps in a topological order of their dependencies (stable with respect to STEPS). */
export function orderedSteps(steps: readonly Step[] = STEPS): Step[] {
  const out: Step[] = [];
  const seen = new Set<string>();
  const visiting = new Set<string>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (s: Step) => {
    if (seen.has(s.id)) return;
    if (visiting.has(s.id)) throw new Error(`dependency cycle at step ${s.id}`);
    visiting.add(s.id);
    for (const dep of s.dependsOn) {
      const ds = byId.get(dep);
      if (!ds) throw new Error(`step ${s.id} depends on unknown step ${dep}`);
      visit(ds);
    }
    visiting.delete(s.id);
    seen.add(s.id);
    out.push(s);
  };
  steps.forEach(visit);
  return out;
}
