/** The guide's sections down the side, each with the state of its steps (it mirrors the guide). */
import { Badge, Caption1, makeStyles, tokens } from '@fluentui/react-components';
import type { SectionId } from '../../../shared/steps';
import { sectionStatus, type SectionStatus, type WizardState } from '../state';

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: '12px 8px', display: 'flex', flexDirection: 'column', gap: '2px' },
  item: { display: 'grid', gridTemplateColumns: '1fr auto', alignItems: 'center', gap: '8px', padding: '6px 10px', borderRadius: tokens.borderRadiusMedium, minHeight: '28px' },
  guide: { display: 'block', color: tokens.colorNeutralForeground3 },
});

const BADGE: Record<SectionStatus, { text: string; color: 'success' | 'informative' | 'danger' | 'warning' | 'brand' | 'subtle' }> = {
  idle: { text: '', color: 'subtle' },
  done: { text: 'done', color: 'success' },
  needed: { text: 'to do', color: 'informative' },
  running: { text: 'running', color: 'brand' },
  failed: { text: 'failed', color: 'danger' },
  blocked: { text: 'blocked', color: 'warning' },
};

export function GuideList({ state, sections }: { state: WizardState; sections: readonly { id: SectionId; title: string; guide: string }[] }) {
  const s = useStyles();
  return (
    <ol className={s.list} aria-label="The guide's sections">
      {sections.map((sec, i) => {
        const b = BADGE[sectionStatus(state, sec.id)];
        return (
          <li key={sec.id} className={s.item} data-testid={`nav-${sec.id}`}>
            <span>
              {i + 1}. {sec.title}
              <Caption1 className={s.guide}>{sec.guide}</Caption1>
            </span>
            {b.text ? (
              <Badge size="small" appearance="tint" color={b.color}>
                {b.text}
              </Badge>
            ) : (
              <span />
            )}
          </li>
        );
      })}
    </ol>
  );
}
