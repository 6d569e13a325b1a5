/**
 * Connected clients: this account's open IMAP and POP3 sessions and its last POP downloads,
 * refreshed on every change-feed event (a POP download changes mail) and every few seconds.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText, get, type Clients } from '../api.ts';
import { longDate } from '../format.ts';
import { onLive } from '../live.ts';

const REFRESH_MS = 5000;

export function ClientsPanel() {
  const [clients, setClients] = useState<Clients | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const load = useCallback(() => {
    get<Clients>('/api/clients')
      .then((c) => {
        setClients(c);
        setError(null);
      })
      .catch((err: unknown) => setError(errorText(err)));
  }, []);
  useEffect(() => {
    load();
    const every = window.setInterval(load, REFRESH_MS);
    const off = onLive(() => {
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(load, 200);
    });
    return () => {
      window.clearInterval(every);
      window.clearTimeout(timer.current);
      off();
    };
  }, [load]);

  return (
    <section className="clients" aria-labelledby="clients-title">
      <h2 id="clients-title">Connected clients</h2>
      {error && <p className="error">{error}</p>}
      {clients && (
        <>
          {clients.sessions.length === 0 ? (
            <p className="muted">No IMAP or POP client is connected right now.</p>
          ) : (
            <table className="grid" data-testid="sessions">
              <thead>
                <tr>
                  <th scope="col">Protocol</th>
                  <th scope="col">Client</th>
                  <th scope="col">Address</th>
                  <th scope="col">Since</th>
                  <th scope="col">Last activity</th>
                </tr>
              </thead>
              <tbody>
                {clients.sessions.map((s, i) => (
                  <tr key={i}>
                    <td>{s.protocol}</td>
                    <td>{s.client ?? '—'}</td>
                    <td>{s.remoteAddress}</td>
                    <td>{longDate(s.since)}</td>
                    <td>{longDate(s.lastActivity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Last POP downloads</h3>
          {clients.popDownloads.length === 0 ? (
            <p className="muted">No POP downloads yet.</p>
          ) : (
            <table className="grid" data-testid="pop-downloads">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">From</th>
                  <th scope="col">Messages</th>
                  <th scope="col">Deleted</th>
                </tr>
              </thead>
              <tbody>
                {clients.popDownloads.map((d, i) => (
                  <tr key={i}>
                    <td>{longDate(d.at)}</td>
                    <td>{d.remoteAddress}</td>
                    <td>{d.retrieved}</td>
                    <td>{d.deleted}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
