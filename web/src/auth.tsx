/** Sign-in and first-run setup (a fresh server without accounts). */
import { useState, type FormEvent } from 'react';
import { errorText, post, type Account } from './api.ts';

interface Done {
  onDone: (s: { account: Account; csrf: string }) => void;
}

export function SignInPage({ onDone, error: initial }: Done & { error?: string }) {
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initial ?? null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    post<{ account: Account; csrf: string }>('/api/session', { address: address.trim(), password })
      .then(onDone)
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="center-page">
      <form className="card auth" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to postkontor</h1>
        <label>
          Email address
          <input type="email" name="address" autoComplete="username" required autoFocus value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}

export function SetupPage({ onDone }: Done) {
  const [domain, setDomain] = useState('');
  const [local, setLocal] = useState('admin');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (password !== again) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    const d = domain.trim().toLowerCase();
    post<{ account: Account; csrf: string }>('/api/setup', { domain: d, address: `${local.trim()}@${d}`, password })
      .then(onDone)
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="center-page">
      <form className="card auth" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up postkontor</h1>
        <p>This server has no accounts yet. Create your mail domain and the first administrator.</p>
        <label>
          Mail domain
          <input name="domain" required placeholder="example.org" value={domain} onChange={(e) => setDomain(e.target.value)} />
        </label>
        <label>
          Administrator address
          <span className="addr-input">
            <input name="local" required value={local} onChange={(e) => setLocal(e.target.value)} aria-describedby="setup-at" />
            <span id="setup-at">@{domain || 'domain'}</span>
          </span>
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          Password again
          <input type="password" name="password2" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Create and sign in
        </button>
      </form>
    </div>
  );
}
