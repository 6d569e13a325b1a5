import { startInteropServer, run } from '/work/main/test/helpers/interop-env.ts';
import { sampleMessage } from '/work/main/test/helpers/messages.ts';
import { writeFileSync, mkdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
const s = await startInteropServer();
await s.deliver('INBOX', sampleMessage(1));
await s.deliver('INBOX', sampleMessage(2), ['\\Seen']);
await s.deliver('Archive', sampleMessage(3));
const d = '/tmp/mbs'; execSync(`rm -rf ${d}`); mkdirSync(d + '/mail', { recursive: true });
writeFileSync(d + '/rc', `IMAPAccount pk
Host 127.0.0.1
Port ${s.port}
User ${s.user}
Pass ${s.password}
SSLType None
AuthMechs LOGIN

IMAPStore far
Account pk

MaildirStore near
Path ${d}/mail/
Inbox ${d}/mail/INBOX
SubFolders Verbatim

Channel pk
Far :far:
Near :near:
Patterns *
Create Both
Expunge Both
SyncState *
`);
const r = await run('mbsync', ['-V', '-D', '-c', d + '/rc', '-a'], { env: { ...process.env, HOME: d } });
console.log(r.code, r.ms, r.stdout.toString().slice(0, 8000), r.stderr.toString().slice(0, 3000));
console.log(execSync(`find ${d}/mail -type f | sort; cat ${d}/mail/INBOX/cur/* | od -c | head -5`).toString());
await s.close();
