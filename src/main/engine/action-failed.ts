/** An action that failed, as a problem for a person; and the check that an edited settings file is valid Python before it replaces the old one. */
import { randomUUID } from 'node:crypto';
import { redact, type Problem } from '../../shared/problem';
import { TOOL_DATA_DIR } from './commands';
import { type Host } from './host';

export class ActionFailed extends Error {
  constructor(readonly problem: Problem) {
    super(problem.what);
  }
}
/**
 * Checks that the new content of a settings file is valid Python with the venv's own Python
 * before it replaces the file (a temporary copy under the tool's folder is compiled).
 */
export async function assertPythonCompiles(host: Host, python: string, file: string, content: string, signal?: AbortSignal): Promise<void> {
  if (!(await host.exists(python))) return;
  const tmpDir = `${TOOL_DATA_DIR}\\tmp`;
  const tmp = `${tmpDir}\\settings-check-${randomUUID().slice(0, 8)}.py`;
  await host.mkdir(tmpDir);
  await host.writeFile(tmp, content);
  try {
    const r = await host.exec(python, ['-m', 'py_compile', tmp], signal ? { signal } : {});
    if (r.exitCode !== 0)
      throw new ActionFailed({
        what: `The edited ${file} would not be valid Python, so it was not written.`,
        why: redact(`${r.stderr}${r.stdout}`.trim().split(/\r?\n/).slice(-3).join(' ')) || 'py_compile failed.',
        fix: 'The file is unchanged. Check the values that go into settings (staticRoot, allowedHosts) and the settings file itself, then run again.',
        command: [python, '-m', 'py_compile', tmp],
        exitCode: r.exitCode,
      });
  } finally {
    await host.remove(tmp);
  }
}
