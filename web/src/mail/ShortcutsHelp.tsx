/** The `?` overlay: every keyboard shortcut of the mail view. */
import { useEffect, useRef } from 'react';

export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['j / k', 'Next / previous message'],
  ['o or Enter', 'Open the message'],
  ['u', 'Back to the list'],
  ['r', 'Reply'],
  ['a', 'Reply all'],
  ['f', 'Forward'],
  ['e', 'Archive'],
  ['#', 'Delete (move to Trash)'],
  ['s', 'Star / unstar'],
  ['Shift+u', 'Mark unread'],
  ['v', 'Move to a folder'],
  ['c', 'Compose'],
  ['/', 'Search'],
  ['Ctrl+Enter', 'Send (in compose)'],
  ['?', 'This list'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const btn = useRef<HTMLButtonElement>(null);
  useEffect(() => btn.current?.focus(), []);
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="keys-title" onClick={onClose}>
      <div className="card dialog shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2 id="keys-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" ref={btn} onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
