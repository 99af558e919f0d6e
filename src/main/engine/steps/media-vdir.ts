/**
 * Uploaded files: when the project sets MEDIA_ROOT, a virtual directory at MEDIA_URL served only
 * by IIS's static file handler (the pool gets modify on MEDIA_ROOT in the permissions step).
 * When MEDIA_ROOT is not set, nothing.
 */
import { DJANGO_HANDLER_NAME } from '../commands';
import { projectView } from '../project';
import { beforeSwitch } from '../release/pending';
import { done, psq, type Step } from '../step';
import { checkStaticVdir } from './static-vdir';

export const mediaVdir: Step = {
  id: 'media-vdir',
  title: 'Serve uploaded media files from IIS',
  section: 'static',
  dependsOn: ['handler', 'django-settings'],
  async check(ctx) {
    const later = await beforeSwitch(ctx);
    if (later) return done(later);
    const view = await projectView(ctx);
    if (!view.facts) return done('decided from the project\'s MEDIA_ROOT once it is in place');
    if (!view.media) return done('the project does not set MEDIA_ROOT: no media folder to serve');
    return checkStaticVdir(ctx, 'uploaded media', view.media.vdirPath, view.media.root);
  },
  psCheck: ({ config }) => `-not ((& $appcmd list config ${psq(`${config.siteName}/media`)} -section:system.webServer/handlers) -match ${psq(`name="${DJANGO_HANDLER_NAME}"`)})`,
};
