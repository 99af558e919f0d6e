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
    // compile() as py_compile does, without writing a .pyc (it would keep the settings' literals, a SECRET_KEY among them, in __pycache__).
    const r = await host.exec(python, ['-B', '-c', COMPILE_ONLY_PY, tmp], signal ? { signal } : {});
    if (r.exitCode !== 0)
      throw new ActionFailed({
        what: `The edited ${file} would not be valid Python, so it was not written.`,
        why: redact(`${r.stderr}${r.stdout}`.trim().split(/\r?\n/).slice(-3).join(' ')) || 'py_compile failed.',
        fix: 'The file is unchanged. Check the values that go into settings (staticRoot, allowedHosts) and the settings file itself, then run again.',
        command: [python, '-B', '-c', COMPILE_ONLY_PY, tmp],
        exitCode: r.exitCode,
      });
  } finally {
    await host.remove(tmp);
    // What an older version's py_compile left there.
    await host.remove(`${tmpDir}\\__pycache__`).catch(() => undefined);
  }
}

/** Checks that a file is valid Python the way py_compile does, writing nothing. */
export const COMPILE_ONLY_PY = "import sys\nwith open(sys.argv[1], 'rb') as f:\n    compile(f.read(), sys.argv[1], 'exec', dont_inherit=True)";
