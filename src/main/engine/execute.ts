/**
 * Executing one action of a step: journaled before (what it creates, IIS's backup), then the
 * program, file edit, folder, download or journal change it is, with the failure explained for a
 * person. The run (engine.ts) calls it for each action of a step that is needed.
 */
import type { DeploymentConfig, Derived } from '../../shared/config';
import type { Action, EngineEvent } from '../../shared/plan';
import { redact, registerSecret } from '../../shared/problem';
import { protectedPathReason } from '../../shared/winpath';
import { ActionFailed, assertPythonCompiles } from './action-failed';
import { APPCMD } from './commands';
import { ProgramNotFoundError, type ExecResult } from './host';
import { forgetChild, recordChild } from './lock';
import type { CachingHost } from './read-cache';
import type { RunJournal } from './run-journal';
import { applySettingsEdit, removeSettingsBlock } from './settings-edit';
import { appcmdMessage, type Step, type StepContext } from './step';
import { timeoutFor, timeoutKey } from './timeouts';
import { removeWebConfigHandlers } from './web-config';
import { applyReleaseOp, readRegistry, writeRegistry } from './release/registry';
import { verifyIn } from './verify';

export interface ExecContext {
  host: CachingHost;
  config: DeploymentConfig;
  d: Derived;
  ctx: StepContext;
  runId: string;
  journal: RunJournal;
  signal?: AbortSignal;
  emit: (e: EngineEvent) => void;
  /** Counts a mutating action. */
  counted: () => void;
  /** A program asked for a Windows restart (exit 3010). */
  restart: () => void;
}

/** The values of an action's secretEnv from this process's environment (registered as secrets, so every output hides them). */
export function secretEnvironment(spec: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [child, own] of Object.entries(spec)) {
    const v = process.env[own];
    if (v === undefined || v === '')
      throw new ActionFailed({ what: `The environment variable ${own} is not set in this tool's process.`, why: 'The action reads a secret (such as a PFX password) from it at run time; the tool never stores it.', fix: `Set ${own} in the window the tool is started from (PowerShell: $env:${own} = '...'), then run again.` });
    registerSecret(v, own);
    out[child] = v;
  }
  return out;
}

export async function executeAction(x: ExecContext, s: Step, a: Action, index: number): Promise<void> {
  try {
    await executeOnce(x, s, a, index);
  } catch (e) {
    // A command with a way back (the switch): taken at once, also when the run was cancelled there.
    if (a.kind === 'exec' && a.onFailure?.length && (e instanceof ActionFailed || (e instanceof Error && e.name === 'AbortError'))) {
      const backFailed = await fallBack(x, s, a.onFailure, index);
      if (e instanceof ActionFailed)
        throw new ActionFailed({
          ...e.problem,
          what: `${e.problem.what} ${backFailed ? `Switching back FAILED too (${backFailed}).` : 'Switched back by itself: the release that was live serves as before.'}`,
          ...(backFailed ? { fix: `Switching back failed (${backFailed}): run "go-back" now, then read the causes above.` } : {}),
        });
    }
    throw e;
  }
}

/** An edit of a file the plan names (the settings block, a web.config without handlers). */
async function editFile(x: ExecContext, a: Extract<Action, { kind: 'editFile' }>): Promise<void> {
  if (!(await x.host.exists(a.path)))
    throw new ActionFailed({ what: `${a.path} does not exist.`, why: 'The settings module in the configuration does not match the project.', fix: 'Set settingsModule to the project\'s settings (e.g. "mysite.settings") and run again.' });
  const current = await x.host.readFile(a.path);
  if (a.transform === 'web-config-without-handlers') {
    await x.host.writeFile(a.path, removeWebConfigHandlers(current));
    return;
  }
  const next = a.transform === 'django-settings' ? applySettingsEdit(current, a.values) : removeSettingsBlock(current);
  await assertPythonCompiles(x.host, x.d.venvPython, a.path, next, x.signal);
  await x.host.writeFile(a.path, next);
}

async function executeOnce(x: ExecContext, s: Step, a: Action, index: number): Promise<void> {
  x.emit({ type: 'action', runId: x.runId, stepId: s.id, index, action: a, state: 'started' });
  x.counted();
  x.host.invalidate();
  try {
    await x.journal.before(s, a);
    switch (a.kind) {
      case 'exec': {
        let r: ExecResult;
        const spawned: number[] = [];
        try {
          const secret = a.secretEnv ? secretEnvironment(a.secretEnv) : undefined;
          r = await x.host.exec(a.file, a.args, {
            ...(a.cwd ? { cwd: a.cwd } : {}),
            ...(a.env || secret ? { env: { ...(a.env ?? {}), ...(secret ?? {}) } } : {}),
            timeoutMs: timeoutFor(a.file, x.config, a.args),
            ...(x.signal ? { signal: x.signal } : {}),
            onLine: (stream, line) => x.emit({ type: 'output', runId: x.runId, stepId: s.id, stream, line: redact(line) }),
            onSpawn: (pid) => {
              spawned.push(pid);
              recordChild(pid, redact([a.file.split('\\').at(-1) ?? a.file, ...a.args.slice(0, 3)].join(' ')).slice(0, 200));
            },
          });
        } catch (e) {
          if (e instanceof ProgramNotFoundError)
            throw new ActionFailed({ what: `${a.file} was not found.`, why: 'The program this action runs is not on the server (an earlier step may not have installed it).', fix: 'Run the steps before it again, then retry.', command: [a.file, ...a.args] });
          throw e;
        } finally {
          // Ended: no longer a child a later run must wait for (a recycled process id is not mistaken for it).
          for (const pid of spawned) forgetChild(pid);
        }
        if (a.file === APPCMD) await x.journal.noteConfig();
        if (r.killed && !x.signal?.aborted)
          throw new ActionFailed({
            what: `${a.description}: ${a.file} did not finish within ${Math.round(timeoutFor(a.file, x.config, a.args) / 1000)} s and was stopped.`,
            why: `The program hung (${a.file.split('\\').at(-1) ?? a.file} may be waiting for input, a pending Windows restart, or a locked file).`,
            fix: `Look for a prompt or a pending restart on the server, then retry. If it is only slow, raise timeouts.${a.args[0] === '-m' && a.args[1] === 'pip' ? 'pip' : timeoutKey(a.file)} (seconds) in the configuration.`,
            command: [a.file, ...a.args],
          });
        if (x.signal?.aborted) throw new DOMException('cancelled', 'AbortError');
        if ((a.restartExitCodes ?? []).includes(r.exitCode)) x.restart();
        else if (!(a.okExitCodes ?? [0]).includes(r.exitCode)) {
          const explained = s.explain?.(a, r, x.ctx);
          const out = redact(`${r.stdout}${r.stderr}`.trim());
          throw new ActionFailed(
            explained ?? {
              what: `${a.description}: the command failed (exit ${r.exitCode}).`,
              why: redact(appcmdMessage(r)) || 'The command printed nothing.',
              fix: 'Read the command and its output below, fix the cause, then retry: finished steps are skipped.',
              command: [a.file, ...a.args],
              exitCode: r.exitCode,
              output: out.split(/\r?\n/).slice(-20).join('\n'),
            },
          );
        }
        break;
      }
      case 'mkdir':
        await x.host.mkdir(a.path);
        break;
      case 'writeFile':
        // In a plan only for the tool's own files (the requirements read from a lock); as an undo, undo.ts runs it.
        await x.host.mkdir(a.path.slice(0, a.path.lastIndexOf('\\')));
        await x.host.writeFile(a.path, a.content);
        break;
      case 'remove': {
        const why = protectedPathReason(a.path);
        if (why) throw new ActionFailed({ what: `${a.description}: refused.`, why: `${a.path} is ${why}; the tool never deletes it.`, fix: 'Remove the entry for it from the deployment journal only if you are sure, or leave it.' });
        if (a.onlyIfEmpty && (await x.host.readDir(a.path).catch(() => ['?'])).length > 0) break;
        await x.host.remove(a.path);
        break;
      }
      case 'forget':
        await x.journal.forget(a.object);
        break;
      case 'download':
        await x.host.download(a.url, a.path, x.signal);
        break;
      case 'release':
        await writeRegistry(x.host, applyReleaseOp(await readRegistry(x.host, x.config.siteName), x.config.siteName, a.op, new Date().toISOString()));
        break;
      case 'probe':
        await probeOrFallBack(x, s, a, index);
        break;
      case 'editFile':
        await editFile(x, a);
        break;
    }
    x.emit({ type: 'action', runId: x.runId, stepId: s.id, index, action: a, state: 'finished' });
  } catch (e) {
    x.emit({ type: 'action', runId: x.runId, stepId: s.id, index, action: a, state: 'failed' });
    throw e;
  } finally {
    x.host.invalidate();
  }
}

/** Runs an action's way back, each action whatever the one before did; the first failure's text, if any. Not cancellable: it restores a serving state. */
async function fallBack(x: ExecContext, s: Step, actions: Action[], index: number): Promise<string | undefined> {
  let backFailed: string | undefined;
  const { signal: _signal, ...rest } = x;
  for (const [i, f] of actions.entries()) {
    try {
      await executeAction(rest, s, f, index * 100 + i + 1);
    } catch (e) {
      backFailed ??= e instanceof ActionFailed ? e.problem.what : e instanceof Error ? e.message : String(e);
    }
  }
  return backFailed;
}

/**
 * The verification URLs asked through IIS on a port (the staging site's, or the site's after a
 * switch). When one fails, onFailure runs (the switch back), then the step fails with the causes.
 */
async function probeOrFallBack(x: ExecContext, s: Step, a: Extract<Action, { kind: 'probe' }>, index: number): Promise<void> {
  // The staging site (its own port) is served anonymously, over HTTPS on its port when the site has HTTPS.
  const staging = a.port !== x.config.port;
  const config = staging ? { ...x.config, port: a.port, ...(x.config.https ? { https: { ...x.config.https, port: a.port, redirectHttp: false } } : {}), authentication: 'anonymous' as const, anonymousPaths: [] } : x.config;
  const report = await verifyIn({ ...x.ctx, config, d: x.d });
  if (report.ok) return;
  const fellBack = (a.onFailure ?? []).length > 0;
  const backFailed = await fallBack(x, s, a.onFailure ?? [], index);
  const causes = report.diagnoses.map((g) => `${g.what} ${g.why}`).join(' ');
  const failed = report.probes.filter((p) => !p.ok).map((p) => `${p.url}: ${p.detail}`);
  throw new ActionFailed({
    what: `${a.description}: ${failed.length} of ${report.probes.length} checks failed${fellBack ? (backFailed ? '; switching back FAILED too' : '; switched back by itself') : ''}.`,
    why: redact(causes || failed.join('; ')),
    fix: backFailed
      ? `Switching back failed (${backFailed}): run "go-back" now, then read the causes above.`
      : 'Read the causes, fix the project or the configuration, then apply again (the release is staged again; the live one keeps serving).',
    output: redact(failed.join('\n')),
  });
}
