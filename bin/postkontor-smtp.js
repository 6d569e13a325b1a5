// An SMTP front-end process of `postkontor serve` (`[smtp] processes`): the server process forks
// it through node:cluster (src/server/smtp-processes.ts) and sends it the config over IPC.
import { register } from 'tsx/esm/api';

register();
const { runSmtpFrontEnd } = await import('../src/server/smtp-front-end.ts');
runSmtpFrontEnd();
