/** A list of notes in a message bar (warnings, what was simulated); nothing when there are none. */
import { MessageBar, MessageBarBody, MessageBarTitle, type MessageBarIntent } from '@fluentui/react-components';

export function NoteList({ items, title, intent = 'warning' }: { items: readonly string[]; title?: string; intent?: MessageBarIntent }) {
  if (items.length === 0) return null;
  return (
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        {title ? <MessageBarTitle>{title}</MessageBarTitle> : null}
        <ul style={{ margin: 0, paddingLeft: '1.2em' }}>
          {items.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
