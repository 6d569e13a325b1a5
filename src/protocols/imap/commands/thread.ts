// RFC 5256 §3 THREAD (and UID THREAD) with REFERENCES and ORDEREDSUBJECT.
import { SearchRunner } from '../search-eval.ts';
import { orderedSubject, references, threadList } from '../threading.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import { loadMessages } from './sort.ts';

export const thread: CommandSpec<'THREAD'> = {
  states: SELECTED,
  expungeAllowed: (cmd) => cmd.uid,
  async handle(session, cmd) {
    const seqs = await new SearchRunner(session).run(cmd.key);
    const msgs = await loadMessages(session, seqs);
    const roots = cmd.algorithm === 'ORDEREDSUBJECT' ? orderedSubject(msgs) : references(msgs);
    const list = threadList(roots, (m) => (cmd.uid ? m.uid : m.seq));
    session.writeLine(list ? `* THREAD ${list}` : '* THREAD');
    return { text: 'THREAD completed' };
  },
};
