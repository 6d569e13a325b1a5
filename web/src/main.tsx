import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { prefetch } from './api.ts';
import './styles.css';

performance.mark('app-start');
// The first screen's questions, asked at once: the session, the folders and (when the folder is
// known from the address or the last visit) its first page.
{
  const m = /^\/mail\/(\d+)/.exec(location.pathname);
  const mailbox = m?.[1] ?? (location.pathname === '/' || location.pathname === '/mail' ? localStorage.getItem('pk.inbox') : null);
  prefetch(['/api/session', '/api/mailboxes', ...(mailbox ? [`/api/mailboxes/${mailbox}/messages?limit=50`] : [])]);
}
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
