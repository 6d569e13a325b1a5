/** Administration (administrators only): domains, users, aliases and the outbound queue. */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, errorText, get, post } from '../api.ts';
import { longDate, sizeText } from '../format.ts';

interface Domain {
  readonly name: string;
  readonly createdAt?: number;
}
interface User {
  readonly address: string;
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly quotaBytes: number;
  readonly usedBytes?: number;
  readonly messageCount?: number;
}
interface Alias {
  readonly source: string;
  readonly target: string;
}
interface QueueItem {
  readonly id: number;
  readonly sender: string;
  readonly recipients?: readonly (string | { address: string; status?: string })[];
  readonly size: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly createdAt: number;
}

/** The API may answer a bare array or `{ <name>: [...] }`. */
function list<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  if (typeof data === 'object' && data !== null) {
    const v = (data as Record<string, unknown>)[key] ?? (data as Record<string, unknown>).items;
    if (Array.isArray(v)) return v as T[];
  }
  return [];
}

type Tab = 'users' | 'domains' | 'aliases' | 'queue';

export function AdminPage() {
  const [tab, setTab] = useState<Tab>('users');
  const tabs: [Tab, string][] = [
    ['users', 'Users'],
    ['domains', 'Domains'],
    ['aliases', 'Aliases'],
    ['queue', 'Outbound queue'],
  ];
  return (
    <div className="page admin">
      <h1>Administration</h1>
      <div role="tablist" className="tabs" aria-label="Administration">
        {tabs.map(([t, label]) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} aria-controls={`panel-${t}`} id={`tab-${t}`} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'users' && <Users />}
        {tab === 'domains' && <Domains />}
        {tab === 'aliases' && <Aliases />}
        {tab === 'queue' && <Queue />}
      </div>
    </div>
  );
}

function useList<T>(path: string, key: string): { items: T[] | null; error: string | null; reload: () => void; setError: (e: string | null) => void } {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    get<unknown>(path)
      .then((d) => setItems(list<T>(d, key)))
      .catch((err: unknown) => setError(errorText(err)));
  }, [path, key]);
  useEffect(reload, [reload]);
  return { items, error, reload, setError };
}

function Status({ error, ok }: { error: string | null; ok?: string | null }) {
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (ok)
    return (
      <p className="ok" role="status">
        {ok}
      </p>
    );
  return null;
}

function run(p: Promise<unknown>, done: () => void, setError: (e: string | null) => void, setOk?: (s: string) => void, ok?: string): void {
  setError(null);
  p.then(() => {
    if (setOk && ok) setOk(ok);
    done();
  }).catch((err: unknown) => setError(errorText(err)));
}

function Users() {
  const { items, error, reload, setError } = useList<User>('/api/admin/users', 'users');
  const [ok, setOk] = useState<string | null>(null);
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [quota, setQuota] = useState('');
  const [admin, setAdmin] = useState(false);
  const create = (e: FormEvent): void => {
    e.preventDefault();
    const quotaBytes = quota ? Math.round(Number(quota) * 1024 * 1024) : undefined;
    run(
      post('/api/admin/users', { address: address.trim(), password, ...(quotaBytes !== undefined ? { quotaBytes } : {}), admin }),
      () => {
        setAddress('');
        setPassword('');
        setQuota('');
        setAdmin(false);
        reload();
      },
      setError,
      setOk,
      `Created ${address.trim()}.`,
    );
  };
  const patch = (u: User, body: object, what: string): void =>
    run(api('PATCH', `/api/admin/users/${encodeURIComponent(u.address)}`, body), reload, setError, setOk, `${u.address}: ${what}.`);
  return (
    <>
      <Status error={error} ok={ok} />
      <form className="inline-form card" onSubmit={create} aria-label="New user">
        <h2>New user</h2>
        <Field label="Address">
          <input type="email" name="address" required value={address} onChange={(e) => setAddress(e.target.value)} />
        </Field>
        <Field label="Password">
          <input type="password" name="password" required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Quota (MB, empty = none)">
          <input type="number" min="0" name="quota" value={quota} onChange={(e) => setQuota(e.target.value)} />
        </Field>
        <label>
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> Administrator
        </label>
        <button type="submit" className="primary">
          Create user
        </button>
      </form>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Used / quota</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((u) => (
            <tr key={u.address} data-user={u.address}>
              <td>
                {u.address}
                {u.admin && <span className="badge">admin</span>}
              </td>
              <td>
                {sizeText(u.usedBytes ?? 0)} / {u.quotaBytes ? sizeText(u.quotaBytes) : 'no limit'}
              </td>
              <td>{u.disabled ? 'disabled' : 'active'}</td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => {
                    const pw = window.prompt(`New password for ${u.address}`);
                    if (pw) patch(u, { password: pw }, 'password changed');
                  }}
                >
                  Reset password
                </button>
                <button
                  type="button"
                  onClick={() => {
                    const q = window.prompt(`Quota for ${u.address} in MB (0 = no limit)`, u.quotaBytes ? String(Math.round(u.quotaBytes / 1048576)) : '0');
                    if (q !== null && q.trim() !== '' && Number.isFinite(Number(q))) patch(u, { quotaBytes: Math.round(Number(q) * 1048576) }, 'quota set');
                  }}
                >
                  Quota
                </button>
                <button type="button" onClick={() => patch(u, { disabled: !u.disabled }, u.disabled ? 'enabled' : 'disabled')}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    if (window.confirm(`Delete ${u.address} and all of its mail?`))
                      run(api('DELETE', `/api/admin/users/${encodeURIComponent(u.address)}`), reload, setError, setOk, `Deleted ${u.address}.`);
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Domains() {
  const { items, error, reload, setError } = useList<Domain | string>('/api/admin/domains', 'domains');
  const [name, setName] = useState('');
  const [ok, setOk] = useState<string | null>(null);
  return (
    <>
      <Status error={error} ok={ok} />
      <form
        className="inline-form card"
        aria-label="New domain"
        onSubmit={(e) => {
          e.preventDefault();
          run(post('/api/admin/domains', { name: name.trim().toLowerCase() }), () => { setName(''); reload(); }, setError, setOk, `Added ${name.trim()}.`);
        }}
      >
        <Field label="Domain">
          <input name="domain" required placeholder="example.org" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" className="primary">
          Add domain
        </button>
      </form>
      <ul className="plain-list">
        {(items ?? []).map((d) => {
          const n = typeof d === 'string' ? d : d.name;
          return (
            <li key={n}>
              {n}{' '}
              {typeof d !== 'string' && d.createdAt ? <span className="muted">since {longDate(d.createdAt)}</span> : null}{' '}
              <button
                type="button"
                className="danger"
                onClick={() => {
                  if (window.confirm(`Remove the domain ${n}?`)) run(api('DELETE', `/api/admin/domains/${encodeURIComponent(n)}`), reload, setError, setOk, `Removed ${n}.`);
                }}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Aliases() {
  const { items, error, reload, setError } = useList<Alias>('/api/admin/aliases', 'aliases');
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [ok, setOk] = useState<string | null>(null);
  return (
    <>
      <Status error={error} ok={ok} />
      <form
        className="inline-form card"
        aria-label="New alias"
        onSubmit={(e) => {
          e.preventDefault();
          run(post('/api/admin/aliases', { source: source.trim(), target: target.trim() }), () => { setSource(''); setTarget(''); reload(); }, setError, setOk, 'Alias added.');
        }}
      >
        <Field label="Alias (or @domain for a catch-all)">
          <input name="source" required value={source} onChange={(e) => setSource(e.target.value)} />
        </Field>
        <Field label="Delivers to">
          <input name="target" type="email" required value={target} onChange={(e) => setTarget(e.target.value)} />
        </Field>
        <button type="submit" className="primary">
          Add alias
        </button>
      </form>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Alias</th>
            <th scope="col">Delivers to</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((a) => (
            <tr key={`${a.source}→${a.target}`}>
              <td>{a.source}</td>
              <td>{a.target}</td>
              <td>
                <button type="button" className="danger" onClick={() => run(api('DELETE', '/api/admin/aliases', { source: a.source, target: a.target }), reload, setError, setOk, 'Alias removed.')}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Queue() {
  const { items, error, reload, setError } = useList<QueueItem>('/api/admin/queue', 'items');
  const [ok, setOk] = useState<string | null>(null);
  return (
    <>
      <Status error={error} ok={ok} />
      <button type="button" onClick={reload}>
        Refresh
      </button>
      {items && items.length === 0 && <p className="muted">The outbound queue is empty.</p>}
      {items && items.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Sender</th>
              <th scope="col">Recipients</th>
              <th scope="col">Size</th>
              <th scope="col">Attempts</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Last error</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {items.map((q) => (
              <tr key={q.id}>
                <td>{q.id}</td>
                <td>{q.sender || '<> (bounce)'}</td>
                <td>{(q.recipients ?? []).map((r) => (typeof r === 'string' ? r : r.address)).join(', ')}</td>
                <td>{sizeText(q.size)}</td>
                <td>{q.attempts}</td>
                <td>{longDate(q.nextAttemptAt)}</td>
                <td>{q.lastError ?? ''}</td>
                <td className="actions">
                  <button type="button" onClick={() => run(post(`/api/admin/queue/${q.id}/retry`), reload, setError, setOk, `Retrying ${q.id}.`)}>
                    Retry now
                  </button>
                  <button type="button" className="danger" onClick={() => run(api('DELETE', `/api/admin/queue/${q.id}`), reload, setError, setOk, `Deleted ${q.id}.`)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field-stack">
      <span>{label}</span>
      {children}
    </label>
  );
}
