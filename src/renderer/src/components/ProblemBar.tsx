/** A problem as the engine says it: what happened, why, what to do, the command and its output. */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { describeArgv } from '../../../shared/plan';
import type { Problem } from '../../../shared/problem';
import { useShared } from './styles';

export function ProblemBar({ problem, title }: { problem: Problem; title?: string }) {
  const s = useShared();
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title ?? problem.what}</MessageBarTitle>
        {title ? <div>{problem.what}</div> : null}
        <div>
          <b>Why:</b> {problem.why}
        </div>
        <div>
          <b>What to do:</b> {problem.fix}
        </div>
        {problem.command ? (
          <div className={s.mono}>
            {describeArgv(problem.command[0] ?? '', problem.command.slice(1))}
            {problem.exitCode !== undefined ? `  (exit ${problem.exitCode})` : ''}
          </div>
        ) : null}
        {problem.output ? (
          <div className={s.output} tabIndex={0} role="region" aria-label="Output and evidence">
            {problem.output}
          </div>
        ) : null}
      </MessageBarBody>
    </MessageBar>
  );
}
