/** One step: its state, what it did or will do (the exact commands behind a disclosure), its output and problem. */
import { Accordion, AccordionHeader, AccordionItem, AccordionPanel, Badge, Body1, Button, Card, Subtitle2 } from '@fluentui/react-components';
import { describeAction } from '../../../shared/plan';
import type { StepView } from '../state';
import { ProblemBar } from './ProblemBar';
import { useShared } from './styles';

const BADGES: Record<string, [string, 'success' | 'informative' | 'danger' | 'warning' | 'brand' | 'subtle']> = {
  'planned-done': ['already done', 'success'],
  'planned-needed': ['will do', 'informative'],
  'planned-blocked': ['blocked', 'warning'],
  pending: ['waiting', 'subtle'],
  checking: ['checking', 'brand'],
  running: ['running', 'brand'],
  done: ['done', 'success'],
  'already-done': ['already done', 'success'],
  failed: ['failed', 'danger'],
  skipped: ['skipped', 'warning'],
  cancelled: ['cancelled', 'warning'],
};

export function StateBadge({ v }: { v: StepView }) {
  // Check-only steps pass or fail; "already done" would read oddly for them.
  const verified = (v.id === 'verification' || v.id === 'preflight') && (v.state === 'done' || v.state === 'already-done' || v.state === 'planned-done');
  const [text, color] = verified ? (['passed', 'success'] as const) : (BADGES[v.state] ?? [v.state, 'subtle']);
  return (
    <Badge appearance="filled" color={color} data-testid={`state-${v.id}`}>
      {text}
    </Badge>
  );
}

export function StepCard({ v, onRetry, running, commandsOpen = false }: { v: StepView; onRetry?: () => void; running: boolean; commandsOpen?: boolean }) {
  const s = useShared();
  const started = v.actions.some((a) => a.state !== 'pending');
  return (
    <Card data-testid={`step-${v.id}`}>
      <div className={s.row} style={{ justifyContent: 'space-between', flexWrap: 'nowrap' }}>
        <Subtitle2 as="h4" style={{ margin: 0 }}>
          {v.title}
        </Subtitle2>
        <StateBadge v={v} />
      </div>
      {v.detail ? <Body1>{v.detail}</Body1> : null}
      {v.actions.length > 0 ? (
        <Accordion collapsible defaultOpenItems={commandsOpen || started ? ['cmd'] : []}>
          <AccordionItem value="cmd">
            <AccordionHeader size="small">{started ? 'What it ran' : `The exact commands (${v.actions.length})`}</AccordionHeader>
            <AccordionPanel>
              <div className={s.mono}>
                {v.actions.map((a, i) => (
                  <div key={i}>
                    {a.state === 'finished' ? '✔ ' : a.state === 'failed' ? '✖ ' : a.state === 'started' ? '▶ ' : '  '}
                    {describeAction(a.action)}
                  </div>
                ))}
              </div>
            </AccordionPanel>
          </AccordionItem>
        </Accordion>
      ) : null}
      {v.output.length > 0 ? (
        <div className={s.output} tabIndex={0} role="region" aria-label={`Output of ${v.title}`}>
          {v.output.join('\n')}
        </div>
      ) : null}
      {v.problem && (v.state === 'failed' || v.state === 'planned-blocked') ? <ProblemBar problem={v.problem} /> : null}
      {v.state === 'failed' && onRetry ? (
        <div>
          <Button appearance="primary" onClick={onRetry} disabled={running} data-testid={`retry-${v.id}`}>
            Retry
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
