/**
 * Refusals: input the tool will not act on, whatever its source (the configuration, the project's
 * settings as Django reports them, its requirements file, a journal). A refusal is raised before
 * the first action that would use the value: at plan time when the plan can know it (plan and
 * apply exit 2, nothing changed), else at the step that first learns it (the run stops there).
 */
import type { Problem } from '../../shared/problem';

export class RefusedError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`Nothing was changed: ${problems.length === 1 ? 'one thing' : `${problems.length} things`} the project or the server hands over cannot be used safely:\n${problems.map((p) => `  - ${p.what}\n      Why: ${p.why}\n      What to do: ${p.fix}`).join('\n')}`);
  }
}
