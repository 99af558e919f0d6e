/** Styles shared by the wizard's screens and components (Fluent UI v9 tokens). */
import { makeStyles, tokens } from '@fluentui/react-components';

export const useShared = makeStyles({
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', whiteSpace: 'pre-wrap', wordBreak: 'break-all' },
  output: { fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: '160px', overflowY: 'auto', backgroundColor: tokens.colorNeutralBackground3, padding: '6px 8px', borderRadius: '4px' },
  row: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  grid: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(280px, 1fr))', gap: '12px 20px' },
  stack: { display: 'flex', flexDirection: 'column', gap: '12px', '& > *': { flexShrink: 0 } },
  heading: { outline: 'none', margin: 0, ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: '2px' } },
});
