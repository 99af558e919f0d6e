/**
 * The live log in a drawer of its own row: it never covers the screen above it. The person can
 * resize it (drag the handle, or arrow keys on it) or collapse it. Every line is kept; only the
 * lines in view are rendered (rows of one height), so 20,000 lines scroll as smoothly as 20. It
 * follows the end unless scrolled up; it filters by step and copies what it shows.
 */
import { Button, Caption1, Dropdown, Option, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type PointerEvent as ReactPointerEvent } from 'react';
import type { LogStore } from '../log-store';
import type { LogEntry } from '../../../shared/ipc';

const ROW = 18;
const MIN = 80;

const useStyles = makeStyles({
  drawer: { display: 'flex', flexDirection: 'column', borderTop: `1px solid ${tokens.colorNeutralStroke1}`, backgroundColor: tokens.colorNeutralBackground1, minHeight: 0 },
  handle: { height: '6px', cursor: 'ns-resize', backgroundColor: tokens.colorNeutralStroke2, ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` } },
  bar: { display: 'flex', alignItems: 'center', gap: '8px', padding: '2px 12px 2px 28px', flexWrap: 'wrap' },
  view: { position: 'relative', overflowY: 'auto', backgroundColor: '#1e1e1e', color: '#e6e6e6', fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', flex: 1, minHeight: 0 },
  line: { position: 'absolute', left: 0, right: 0, height: `${ROW}px`, lineHeight: `${ROW}px`, padding: '0 28px', whiteSpace: 'pre', overflow: 'hidden', textOverflow: 'ellipsis', userSelect: 'text' },
});

export function formatLogLine(e: LogEntry): string {
  return `${e.timestamp.slice(11, 19)} [${e.source}] ${e.level === 'info' || e.level === 'debug' ? '' : `${e.level.toUpperCase()} `}${e.stepId ? `${e.stepId}: ` : ''}${e.message}`;
}

export function LogDrawer({ store, logFile }: { store: LogStore; logFile?: string }) {
  const s = useStyles();
  const { lines: log, steps } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [height, setHeight] = useState(160);
  const [open, setOpen] = useState(true);
  const [step, setStep] = useState<string>('all');
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(160);
  const [follow, setFollow] = useState(true);
  const [copied, setCopied] = useState(false);
  const view = useRef<HTMLDivElement>(null);
  const lines = useMemo(() => (step === 'all' ? log : log.filter((e) => e.stepId === step)), [log, step]);

  // Follow the end while the person has not scrolled up.
  useEffect(() => {
    const el = view.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines.length, follow, open, height]);
  useEffect(() => {
    const el = view.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [open]);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - 5);
  const last = Math.min(lines.length, Math.ceil((scrollTop + viewHeight) / ROW) + 5);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(lines.map(formatLogLine).join('\n'));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };

  return (
    <section className={s.drawer} aria-label="Live log" data-testid="log-drawer" style={{ height: open ? `${height}px` : 'auto' }}>
      {open ? (
        <ResizeHandle className={s.handle} height={height} setHeight={setHeight} />
      ) : null}
      <div className={s.bar}>
        <Button size="small" appearance="subtle" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="log-toggle">
          {open ? 'Hide the log' : `Show the log (${log.length} lines)`}
        </Button>
        {open ? (
          <>
            <Dropdown size="small" aria-label="Show the lines of" value={step === 'all' ? 'every step' : step} selectedOptions={[step]} onOptionSelect={(_e, d) => setStep(d.optionValue ?? 'all')} data-testid="log-filter">
              <Option value="all">every step</Option>
              {steps.map((x) => (
                <Option key={x} value={x}>
                  {x}
                </Option>
              ))}
            </Dropdown>
            <Button size="small" onClick={() => void copy()} data-testid="log-copy">
              {copied ? 'Copied' : 'Copy'}
            </Button>
            {!follow ? (
              <Button size="small" appearance="subtle" onClick={() => setFollow(true)}>
                Follow the end
              </Button>
            ) : null}
            <Caption1 style={{ marginLeft: 'auto' }}>{logFile ? `Log file: ${logFile}` : ''}</Caption1>
          </>
        ) : null}
      </div>
      {open ? (
        <div
          ref={view}
          className={s.view}
          data-testid="log"
          tabIndex={0}
          role="log"
          aria-label={`Log, ${lines.length} lines`}
          onScroll={(e) => {
            const el = e.currentTarget;
            setScrollTop(el.scrollTop);
            setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW);
          }}
        >
          <div style={{ height: `${Math.max(1, lines.length) * ROW}px`, position: 'relative' }}>
            {lines.length === 0 ? <div className={s.line} style={{ top: 0 }}>The log of the main process appears here.</div> : null}
            {lines.slice(first, last).map((e, i) => (
              <div key={first + i} className={s.line} style={{ top: `${(first + i) * ROW}px` }} title={e.message}>
                {formatLogLine(e)}
              </div>
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** The drawer's top edge: dragged, or moved with the arrow keys, to resize the log. */
function ResizeHandle({ className, height, setHeight }: { className: string; height: number; setHeight: (f: (h: number) => number) => void }) {
  const drag = (e: ReactPointerEvent<HTMLDivElement>) => {
    const startY = e.clientY;
    const start = height;
    const move = (ev: PointerEvent) => setHeight(() => Math.max(MIN, Math.min(window.innerHeight * 0.6, start + (startY - ev.clientY))));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return (
    <div
      className={className}
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the log"
      aria-valuenow={height}
      aria-valuemin={MIN}
      aria-valuemax={600}
      tabIndex={0}
      onPointerDown={drag}
      onKeyDown={(e) => {
        if (e.key === 'ArrowUp') setHeight((h) => Math.min(window.innerHeight * 0.6, h + 20));
        if (e.key === 'ArrowDown') setHeight((h) => Math.max(MIN, h - 20));
      }}
      data-testid="log-handle"
    />
  );
}
