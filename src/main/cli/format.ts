/** How the command line prints a plan, a problem, a verification and a run's events. */
import { verdictLine } from '../../shared/migration-verdict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeAction, describeArgv, type EngineEvent, type Move, type Plan, type VerificationReport } from '../../shared/plan';
import { type Problem } from '../../shared/problem';
import type { ReleaseSummary } from '../../shared/release';
import { type RunResult } from '../engine/engine';
import { formatConflicts } from '../engine/ownership';
import { renderReportHtml } from '../engine/report';
import { type CliIo, UsageError } from './options';

export const ICON: Record<string, string> = { done: '✔', needed: '•', blocked: '✖' };

export function formatPlan(p: Plan): string {
  const lines = [`Plan for ${p.host.productName}${p.host.simulatorRoot ? ` [simulated server in ${p.host.simulatorRoot}]` : ''}`, ''];
  const pr = p.project;
  lines.push(`The project${pr.inspected ? ' (as Django reports it)' : ' (not in place yet: what Django reports is read when it is)'}:`, ...pr.notes.map((n) => `  - ${n}`));
  if (pr.warnings.length) lines.push('Warnings:', ...pr.warnings.map((w) => `  ! ${w}`));
  if (p.release) lines.push('', ...formatRelease(p.release));
  if (p.move) lines.push('', ...formatMove(p.move));
  lines.push('');
  if (p.conflicts.length) lines.push('CONFLICTS: these already exist and are not this deployment\'s; nothing will run until they are resolved:', formatConflicts(p.conflicts), '');
  for (const s of p.steps) {
    lines.push(`${ICON[s.status] ?? '?'} ${s.title.padEnd(36)} ${s.status === 'done' ? 'already done' : s.status}: ${s.reason}`);
    for (const a of s.actions) lines.push(`      ${describeAction(a)}`);
    if (s.problem) lines.push(...formatProblem(s.problem, '      '));
  }
  const todo = p.steps.filter((s) => s.status === 'needed').length;
  lines.push('', p.conflicts.length ? `Refused: ${p.conflicts.length} conflict(s) (see above).` : todo === 0 ? 'Nothing to change.' : `${todo} step(s) would change the server.`);
  return lines.join('\n');
}

/** A configuration that moves the live deployment: said before the steps, with what it deletes. */
export function formatMove(m: Move): string[] {
  return [`MOVE: ${m.summary}`, ...(m.deletes.length ? ['  It deletes:', ...m.deletes.map((x) => `    - ${x}`)] : ['  It deletes nothing of the live deployment.']), ...(m.keeps ? [`  It keeps (may hold data): ${m.keeps}`] : []), `  ${m.hint}`];
}

/** What the plan says about the release: which one replaces which, and what it changes. */
export function formatRelease(r: ReleaseSummary): string[] {
  const out = ['The release:', ...r.notes.map((n) => `  - ${n}`)];
  if (r.files) out.push(`  - files: ${r.files.added} added, ${r.files.changed} changed, ${r.files.removed} removed${r.files.examples.length ? ` (${r.files.examples.join(', ')}${r.files.added + r.files.changed + r.files.removed > r.files.examples.length ? ', ...' : ''})` : ''}`);
  const q = r.requirements;
  if (q && (q.added.length || q.removed.length || q.changed.length)) out.push(`  - requirements: ${[...q.added.map((x) => `+ ${x}`), ...q.removed.map((x) => `- ${x}`), ...q.changed.map((x) => `~ ${x}`)].join('; ')}`);
  if (r.packages) out.push(r.packages === 'reused' ? '  - packages: the live release\'s virtual environment (nothing is installed)' : '  - packages: a virtual environment of its own, installed before the switch');
  if (r.newMigrations?.length) out.push(`  - migrations that will run: ${r.newMigrations.join(', ')}`);
  if (r.migrations?.length) out.push(`  - what Django says each does to release ${r.live?.number ?? ''} (the live one, serving while they run):`, ...r.migrations.map((v) => `      ${verdictLine(v)}`));
  return out;
}

export function formatProblem(p: Problem, indent = '  '): string[] {
  const out = [`${indent}What happened: ${p.what}`, `${indent}Why: ${p.why}`, `${indent}What to do: ${p.fix}`];
  if (p.command) out.push(`${indent}Command: ${describeArgv(p.command[0] ?? '', p.command.slice(1))}${p.exitCode !== undefined ? ` (exit ${p.exitCode})` : ''}`);
  if (p.output) out.push(...p.output.split('\n').slice(0, 20).map((l) => `${indent}  | ${l}`));
  return out;
}

export function writeReport(file: string, v: VerificationReport, siteName: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--report ${file} is a folder; give a file name such as report.html.`);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, renderReportHtml(v, siteName));
}

export function formatVerification(v: VerificationReport): string {
  const lines: string[] = [];
  // The report leads with the causes (one per cause, however many URLs it breaks), then the probes.
  if (v.diagnoses.length) {
    lines.push(v.diagnoses.length === 1 ? 'Diagnosis: one cause' : `Diagnosis: ${v.diagnoses.length} independent causes`);
    v.diagnoses.forEach((g, i) => {
      lines.push(`  ${i + 1}. ${g.title}${g.fixable ? ' [verify --fix repairs it]' : ''}`, ...formatProblem(g, '     '), `     Affects: ${g.urls.join(', ')}`);
      if (g.evidence.length) lines.push('     Evidence:', ...g.evidence.map((e) => `       ${e}`));
    });
    lines.push('');
  }
  lines.push('Verification:');
  for (const p of v.probes) lines.push(`  ${p.ok ? '✔' : '✖'} ${p.name}: ${p.url} → ${p.status ?? (p.url.startsWith('file:') ? (p.ok ? 'present' : 'missing') : 'no answer')}${p.contentType ? ` ${p.contentType}` : ''} (${p.detail})${p.diagnosis ? ` — see ${v.diagnoses.findIndex((g) => g.cause === p.diagnosis?.cause) + 1}.` : ''}`);
  if (v.warnings.length) lines.push('', 'Warnings:', ...v.warnings.map((w) => `  ! ${w}`));
  if (v.simulated.length) lines.push('', 'Simulated in this rehearsal (not real):', ...v.simulated.map((s) => `  - ${s}`));
  return lines.join('\n');
}

export function eventPrinter(io: CliIo): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'step-state': {
        if (e.state === 'checking') return;
        const label = e.stepId === 'verification' && e.state === 'already-done' ? 'passed' : e.state;
        io.out(`[${label.padEnd(12)}] ${e.stepId}${e.detail ? `: ${e.detail}` : ''}`);
        if (e.problem) io.out(formatProblem(e.problem, '      ').join('\n'));
        break;
      }
      case 'action':
        if (e.state === 'started') io.out(`  ${e.stepId.padEnd(14)} ${describeAction(e.action)}`);
        break;
      case 'output':
        io.out(`  ${e.stepId.padEnd(14)}   | ${e.line}`);
        break;
      case 'run-finished':
        io.out(`\nRun ${e.outcome}; ${e.mutatingCommands} change(s) made${e.restartRequired ? '; WINDOWS NEEDS A RESTART to finish' : ''}.`);
        break;
      default:
    }
  };
}

export function runSummary(r: RunResult): unknown {
  return { outcome: r.outcome, steps: r.states, problems: r.problems, restartRequired: r.restartRequired, mutatingCommands: r.mutatingCommands, verification: r.verification };
}
