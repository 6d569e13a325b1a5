/**
 * Settings → Forwarding and POP/IMAP: one page, every control bound to one account setting
 * (PUT /api/settings/:key as soon as it changes), then what a mail client needs to connect,
 * when to choose IMAP or POP, and the connected clients.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, errorText, get, type ClientSetup, type Endpoint, type Settings, type SettingValue } from '../api.ts';
import { ClientsPanel } from './ClientsPanel.tsx';

type Options = readonly (readonly [SettingValue, string])[];

const POP_ENABLED: Options = [
  ['all', 'Enable POP for all mail (even mail that was already downloaded)'],
  ['from-now-on', 'Enable POP only for mail that arrives from now on'],
  ['off', 'Disable POP'],
];
const POP_AFTER: Options = [
  ['keep', "keep the server's copy in the Inbox"],
  ['mark-read', "mark the server's copy as read"],
  ['archive', "archive the server's copy"],
  ['trash', "move the server's copy to Trash"],
  ['delete', "delete the server's copy"],
];
const POP_MODE: Options = [
  ['classic', 'Classic: every POP login lists the Inbox'],
  ['gmail', 'Download once: each message is offered to POP clients only once; log in as recent:you@… to get the last 30 days again'],
];
const ON_OFF = (on: string, off: string): Options => [
  [true, on],
  [false, off],
];
const EXPUNGE: Options = [
  ['delete', 'Delete the message forever'],
  ['trash', 'Move the message to Trash'],
  ['archive', 'Archive the message'],
];
const FOLDER_LIMIT: Options = [
  [0, 'Do not limit the number of messages in an IMAP folder'],
  [1000, 'Limit IMAP folders to the newest 1,000 messages'],
  [2000, 'Limit IMAP folders to the newest 2,000 messages'],
  [5000, 'Limit IMAP folders to the newest 5,000 messages'],
  [10000, 'Limit IMAP folders to the newest 10,000 messages'],
];
const FORWARD_KEEP: Options = [
  ['keep', 'keep the local copy in the Inbox'],
  ['mark-read', 'mark the local copy as read'],
  ['archive', 'archive the local copy'],
  ['trash', 'move the local copy to Trash'],
];

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Record<string, string>>({});
  const [setup, setSetup] = useState<ClientSetup | null>(null);

  const loadSetup = useCallback(() => {
    get<ClientSetup>('/api/client-setup')
      .then(setSetup)
      .catch((err: unknown) => setError(errorText(err)));
  }, []);
  useEffect(() => {
    get<Settings>('/api/settings')
      .then(setSettings)
      .catch((err: unknown) => setError(errorText(err)));
    loadSetup();
  }, [loadSetup]);

  const put = (key: string, value: SettingValue): void => {
    setSaved((s) => ({ ...s, [key]: 'Saving…' }));
    setSettings((s) => (s ? { ...s, values: { ...s.values, [key]: value } } : s));
    api<{ value?: SettingValue } | SettingValue>('PUT', `/api/settings/${encodeURIComponent(key)}`, { value })
      .then((r) => {
        const v: SettingValue | undefined = typeof r === 'object' ? r.value : r;
        if (v !== undefined) setSettings((s) => (s ? { ...s, values: { ...s.values, [key]: v } } : s));
        setSaved((s) => ({ ...s, [key]: 'Saved.' }));
        if (key.startsWith('pop.') || key.startsWith('imap.')) loadSetup();
      })
      .catch((err: unknown) => setSaved((s) => ({ ...s, [key]: `Not saved: ${errorText(err)}` })));
  };

  const value = (key: string): SettingValue | undefined => settings?.values[key] ?? settings?.schema.find((s) => s.key === key)?.default;

  const radios = (key: string, options: Options) => (
    <div className="radios" role="radiogroup" aria-labelledby={`h-${key}`}>
      {options.map(([v, label]) => (
        <label key={String(v)}>
          <input type="radio" name={key} value={String(v)} checked={value(key) === v} onChange={() => put(key, v)} /> {label}
        </label>
      ))}
      <Saved text={saved[key]} />
    </div>
  );

  const select = (key: string, options: Options, label: string) => (
    <>
      <label>
        {label}{' '}
        <select
          name={key}
          value={String(value(key) ?? '')}
          onChange={(e) => {
            const o = options.find(([v]) => String(v) === e.target.value);
            if (o) put(key, o[0]);
          }}
        >
          {options.map(([v, text]) => (
            <option key={String(v)} value={String(v)}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <Saved text={saved[key]} />
    </>
  );

  return (
    <div className="page settings">
      <h1>Settings</h1>
      <h2 className="tab">Forwarding and POP/IMAP</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!settings ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <div className="settings-table">
          <Section id="h-forward.to" title="Forwarding">
            <ForwardField value={String(value('forward.to') ?? '')} onSave={(v) => put('forward.to', v)} />
            <Saved text={saved['forward.to']} />
            {select('forward.keep', FORWARD_KEEP, 'When mail is forwarded,')}
          </Section>
          <Section id="h-pop.enabled" title="POP download" note="How POP clients (one computer, offline copies) may fetch your mail.">
            <p className="status-line" data-testid="pop-status">
              Status: {value('pop.enabled') === 'off' ? 'POP is disabled' : value('pop.enabled') === 'from-now-on' ? 'POP is enabled for mail that arrives from now on' : 'POP is enabled for all mail'}
            </p>
            {radios('pop.enabled', POP_ENABLED)}
            <div className="sub">{select('pop.after-retrieve', POP_AFTER, 'When messages are accessed with POP,')}</div>
          </Section>
          <Section id="h-pop.mode" title="POP mode">
            {radios('pop.mode', POP_MODE)}
          </Section>
          <Section id="h-imap.enabled" title="IMAP access" note="IMAP keeps every device in sync with the server.">
            <p className="status-line">Status: {value('imap.enabled') === false ? 'IMAP is disabled' : 'IMAP is enabled'}</p>
            {radios('imap.enabled', ON_OFF('Enable IMAP', 'Disable IMAP'))}
          </Section>
          <Section id="h-imap.auto-expunge" title="When I mark a message as deleted in IMAP">
            {radios('imap.auto-expunge', ON_OFF('Auto-expunge on: remove it at once', 'Auto-expunge off: wait for the client to expunge'))}
          </Section>
          <Section id="h-imap.expunge-action" title="When a message is expunged from the last visible IMAP folder">
            {radios('imap.expunge-action', EXPUNGE)}
          </Section>
          <Section id="h-imap.folder-limit" title="Folder size limit">
            {radios('imap.folder-limit', FOLDER_LIMIT)}
          </Section>
          <Section id="h-sent.save-copy" title="Sent mail">
            <label>
              <input type="checkbox" name="sent.save-copy" checked={value('sent.save-copy') === true} onChange={(e) => put('sent.save-copy', e.target.checked)} /> Save a copy of mail I send from a mail client in Sent
            </label>
            <Saved text={saved['sent.save-copy']} />
          </Section>
          <OtherSettings settings={settings} known={KNOWN} saved={saved} put={put} />
        </div>
      )}
      <ClientSetupSection setup={setup} />
      <ClientsPanel />
    </div>
  );
}

const KNOWN = new Set(['forward.to', 'forward.keep', 'pop.enabled', 'pop.after-retrieve', 'pop.mode', 'imap.enabled', 'imap.auto-expunge', 'imap.expunge-action', 'imap.folder-limit', 'sent.save-copy']);

/** Settings the server knows that this page has no words for yet: generic controls. */
function OtherSettings({ settings, known, saved, put }: { settings: Settings; known: Set<string>; saved: Record<string, string>; put: (k: string, v: SettingValue) => void }) {
  const rest = settings.schema.filter((s) => !known.has(s.key));
  if (rest.length === 0) return null;
  return (
    <Section id="h-other" title="Other">
      {rest.map((s) => {
        const v = settings.values[s.key] ?? s.default;
        return (
          <div key={s.key}>
            <label>
              {s.description}{' '}
              {s.kind === 'boolean' ? (
                <input type="checkbox" checked={v === true} onChange={(e) => put(s.key, e.target.checked)} />
              ) : s.values ? (
                <select value={String(v)} onChange={(e) => put(s.key, s.values?.find((x) => String(x) === e.target.value) ?? e.target.value)}>
                  {s.values.map((x) => (
                    <option key={String(x)}>{String(x)}</option>
                  ))}
                </select>
              ) : (
                <input defaultValue={String(v)} onBlur={(e) => put(s.key, e.target.value)} />
              )}
            </label>
            <Saved text={saved[s.key]} />
          </div>
        );
      })}
    </Section>
  );
}

function Section({ id, title, note, children }: { id: string; title: string; note?: string; children: ReactNode }) {
  return (
    <section className="setting-row" aria-labelledby={id}>
      <div className="setting-label">
        <h3 id={id}>{title}</h3>
        {note && <p className="muted">{note}</p>}
      </div>
      <div className="setting-control">{children}</div>
    </section>
  );
}

function Saved({ text }: { text: string | undefined }) {
  return (
    <span className={`saved${text?.startsWith('Not saved') ? ' error' : ''}`} role="status" aria-live="polite">
      {text ?? ''}
    </span>
  );
}

function ForwardField({ value, onSave }: { value: string; onSave: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(text.trim());
      }}
    >
      <label>
        Forward a copy of incoming mail to{' '}
        <input type="email" name="forward.to" placeholder="nobody (forwarding off)" value={text} onChange={(e) => setText(e.target.value)} />
      </label>{' '}
      <button type="submit">Save</button>{' '}
      {value && (
        <button
          type="button"
          onClick={() => {
            setText('');
            onSave('');
          }}
        >
          Turn off forwarding
        </button>
      )}
    </form>
  );
}

const TLS_LABEL: Record<string, string> = { implicit: 'SSL/TLS', starttls: 'STARTTLS', none: 'None (unencrypted)' };

function endpointRow(label: string, e: Endpoint | null | undefined) {
  if (!e) return null;
  return (
    <tr key={label}>
      <th scope="row">{label}</th>
      <td>{e.host}</td>
      <td>{e.port}</td>
      <td>{TLS_LABEL[e.tls] ?? e.tls}</td>
    </tr>
  );
}

function ClientSetupSection({ setup }: { setup: ClientSetup | null }) {
  return (
    <section className="client-setup" aria-labelledby="client-setup-title">
      <h2 id="client-setup-title">Setting up a mail client</h2>
      {setup ? (
        <>
          <p>
            User name: <code data-testid="setup-user">{setup.address}</code> and your password. Most clients find these settings themselves when you enter
            your address.
          </p>
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Server</th>
                <th scope="col">Port</th>
                <th scope="col">Security</th>
              </tr>
            </thead>
            <tbody>
              {setup.enabled.imap && endpointRow('IMAP (incoming)', setup.imaps)}
              {setup.enabled.imap && endpointRow('IMAP (incoming)', setup.imap)}
              {setup.enabled.pop3 && endpointRow('POP3 (incoming)', setup.pop3s)}
              {setup.enabled.pop3 && endpointRow('POP3 (incoming)', setup.pop3)}
              {endpointRow('SMTP (outgoing)', setup.submissions)}
              {endpointRow('SMTP (outgoing)', setup.submission)}
            </tbody>
          </table>
          {!setup.enabled.imap && <p className="muted">IMAP is disabled for this account.</p>}
          {!setup.enabled.pop3 && <p className="muted">POP is disabled for this account.</p>}
        </>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
      <p>
        <a href="/api/mobileconfig" download="postkontor.mobileconfig">
          Download the configuration profile for iPhone, iPad and Mac
        </a>
      </p>
      <div className="explain">
        <h3>IMAP or POP?</h3>
        <p>
          <strong>Choose IMAP</strong> when you read mail on more than one device — a phone, a laptop, this web inbox. Your mail stays on the server, and
          everything you do is the same everywhere: read a message on the phone and it is read on the laptop too; file it into a folder or delete it, and
          every device shows that at once.
        </p>
        <p>
          <strong>Choose POP</strong> when one computer is where you keep your mail. The client downloads each message and keeps its own copy, which you can
          read offline and back up with your files. Whether the server keeps its copy afterwards is up to you (see “When messages are accessed with POP”
          above); changes you make in the POP client do not come back to the server or to other devices.
        </p>
      </div>
    </section>
  );
}
