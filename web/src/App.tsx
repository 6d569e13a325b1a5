/**
 * The shell: first-run setup or sign-in until there is a session, then the top bar, the folder
 * list and the page of the route (mail, settings, administration). Mailbox counts are reloaded
 * whenever the change feed reports anything.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText, get, setCsrf, whenSignedOut, type Account, type Mailbox } from './api.ts';
import { SetupPage, SignInPage } from './auth.tsx';
import { onLive, startLive, stopLive } from './live.ts';
import { MailView } from './mail/MailView.tsx';
import { FolderList } from './mail/FolderList.tsx';
import { navigate, useRoute } from './router.ts';
import { SettingsPage } from './settings/SettingsPage.tsx';
import { AdminPage } from './admin/AdminPage.tsx';

type Auth = { state: 'loading' } | { state: 'setup' } | { state: 'signed-out'; error?: string } | { state: 'in'; account: Account };

interface SessionAnswer {
  readonly account: Account;
  readonly csrf: string;
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });

  useEffect(() => {
    whenSignedOut(() => {
      stopLive();
      setAuth({ state: 'signed-out' });
    });
    void (async () => {
      try {
        const s = await get<SessionAnswer>('/api/session');
        setCsrf(s.csrf);
        setAuth({ state: 'in', account: s.account });
        return;
      } catch {
        // Not signed in: is this a fresh server?
      }
      try {
        const setup = await get<{ needed: boolean }>('/api/setup');
        setAuth(setup.needed ? { state: 'setup' } : { state: 'signed-out' });
      } catch (err) {
        setAuth({ state: 'signed-out', error: errorText(err) });
      }
    })();
  }, []);

  const signedIn = useCallback((s: SessionAnswer) => {
    // The previous user's page may be one this account may not see.
    if (!s.account.admin && location.pathname.startsWith('/admin')) navigate('/mail');
    setCsrf(s.csrf);
    setAuth({ state: 'in', account: s.account });
  }, []);

  switch (auth.state) {
    case 'loading':
      return <div className="center-page" aria-busy="true">Loading…</div>;
    case 'setup':
      return <SetupPage onDone={signedIn} />;
    case 'signed-out':
      return <SignInPage onDone={signedIn} {...(auth.error ? { error: auth.error } : {})} />;
    case 'in':
      return (
        <Shell
          account={auth.account}
          onSignOut={() => {
            stopLive();
            void api('DELETE', '/api/session').finally(() => {
              navigate('/');
              setAuth({ state: 'signed-out' });
            });
          }}
        />
      );
  }
}

function Shell({ account, onSignOut }: { account: Account; onSignOut: () => void }) {
  const route = useRoute();
  const [mailboxes, setMailboxes] = useState<Mailbox[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [searchText, setSearchText] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  const reloadTimer = useRef<number | undefined>(undefined);

  const loadMailboxes = useCallback(() => {
    get<Mailbox[]>('/api/mailboxes')
      .then((m) => {
        setMailboxes(m);
        setError(null);
      })
      .catch((err: unknown) => setError(errorText(err)));
  }, []);

  useEffect(() => {
    loadMailboxes();
    startLive();
    const off = onLive(() => {
      window.clearTimeout(reloadTimer.current);
      reloadTimer.current = window.setTimeout(loadMailboxes, 120);
    });
    return () => {
      off();
      window.clearTimeout(reloadTimer.current);
    };
  }, [loadMailboxes]);

  const inbox = mailboxes?.find((m) => m.role === 'inbox') ?? mailboxes?.[0];
  useEffect(() => {
    if (inbox) localStorage.setItem('pk.inbox', String(inbox.id));
  }, [inbox]);
  const mailboxId = route.page === 'mail' ? (route.mailboxId ?? inbox?.id ?? null) : null;
  const current = mailboxes?.find((m) => m.id === mailboxId) ?? null;
  const unread = inbox?.unseen ?? 0;

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) postkontor — ${account.address}` : `postkontor — ${account.address}`;
  }, [unread, account.address]);

  return (
    <div className="shell">
      <header className="topbar">
        <a
          className="brand"
          href="/mail"
          onClick={(e) => {
            e.preventDefault();
            navigate('/mail');
          }}
        >
          postkontor
        </a>
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(searchText.trim());
            if (route.page !== 'mail') navigate(current ? `/mail/${current.id}` : '/mail');
          }}
        >
          <label htmlFor="search-input" className="visually-hidden">
            Search mail
          </label>
          <input
            id="search-input"
            ref={searchRef}
            type="search"
            placeholder="Search mail  ( / )"
            value={searchText}
            onChange={(e) => {
              setSearchText(e.target.value);
              if (e.target.value === '') setQuery('');
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setSearchText('');
                setQuery('');
                e.currentTarget.blur();
              }
            }}
          />
        </form>
        <nav className="topnav" aria-label="Main">
          <a
            href="/settings"
            aria-current={route.page === 'settings' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/settings');
            }}
          >
            Settings
          </a>
          {account.admin && (
            <a
              href="/admin"
              aria-current={route.page === 'admin' ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate('/admin');
              }}
            >
              Administration
            </a>
          )}
          <span className="who" title="Signed in as">
            {account.address}
          </span>
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </nav>
      </header>
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      <div className="body">
        <FolderList mailboxes={mailboxes} currentId={route.page === 'mail' ? mailboxId : null} onPick={() => setQuery('')} />
        <main className="main" id="main">
          {route.page === 'mail' &&
            (current && mailboxes ? (
              <MailView
                key={current.id}
                account={account}
                mailbox={current}
                mailboxes={mailboxes}
                query={query}
                focusSearch={() => searchRef.current?.focus()}
                clearSearch={() => {
                  setQuery('');
                  setSearchText('');
                }}
              />
            ) : (
              <div className="empty">{mailboxes ? 'No such folder.' : 'Loading…'}</div>
            ))}
          {route.page === 'settings' && <SettingsPage />}
          {route.page === 'admin' && (account.admin ? <AdminPage /> : <div className="empty">Administrators only.</div>)}
        </main>
      </div>
    </div>
  );
}
