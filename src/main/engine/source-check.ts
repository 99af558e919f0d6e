/**
 * What the plan refuses in the project a team hands over before anything is copied: symbolic
 * links and junctions (the copy never follows them: robocopy runs with /XJ, and a link left out
 * would leave the project incomplete, a link followed could serve any folder of the server under
 * /static). Each link is named with what it points at.
 */
import type { Problem } from '../../shared/problem';
import { isInside } from '../../shared/winpath';
import { managePy } from './commands';
import type { StepContext } from './step';

export async function sourceProblems(ctx: StepContext): Promise<Problem[]> {
  const { config, host } = ctx;
  const src = config.djangoProject;
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
