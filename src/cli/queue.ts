/** `postkontor queue list|retry|delete`: look into the outbound queue and act on one item. */
import { PkError } from '../core/errors.ts';
import type { QueueItem } from '../store/ports.ts';
import { UsageError, withStore, type Command } from './command.ts';

function parseId(value: string | undefined): number {
  if (value === undefined || !/^\d{1,15}$/.test(value)) throw new UsageError(`invalid queue id "${value ?? ''}": expected a number from "postkontor queue list"`);
  return Number(value);
}

function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

function describe(item: QueueItem, now: number): string[] {
  const next = item.lease && item.lease.until > now ? `in progress (${item.lease.owner})` : item.nextAttemptAt <= now ? 'now' : `in ${age(item.nextAttemptAt - now)}`;
  const lines = [
    `${item.id}  age ${age(now - item.createdAt)}  ${item.size} bytes  from <${item.sender}>  attempts ${item.attempts}  next ${next}`,
  ];
  for (const r of item.recipients) lines.push(`  ${r.status.padEnd(9)} <${r.address}>${r.reply ? `  ${r.reply}` : ''}`);
  if (item.lastError) lines.push(`  last error: ${item.lastError}`);
  return lines;
}

export const queueCommands: Command[] = [
  {
    name: 'queue list',
    summary: 'Show queued outbound messages: id, age, sender, each recipient\'s status, next attempt, last error.',
    usage: 'queue list [--data DIR]',
    async run(ctx) {
      const items = await withStore(ctx, (store) => store.queue.list());
      if (items.length === 0) {
        ctx.out('the queue is empty');
        return;
      }
      const now = Date.now();
      for (const item of items) for (const line of describe(item, now)) ctx.out(line);
    },
  },
  {
    name: 'queue retry',
    summary: 'Try a queued message again now (the running server picks it up within a minute).',
    usage: 'queue retry ID [--data DIR]',
    args: ['ID'],
    async run(ctx) {
      const id = parseId(ctx.args.ID);
      await withStore(ctx, (store) => store.queue.retryNow(id));
      ctx.out(`queued message ${id} will be retried now`);
    },
  },
  {
    name: 'queue delete',
    summary: 'Remove a queued message without delivering it or telling the sender.',
    usage: 'queue delete ID [--data DIR]',
    args: ['ID'],
    async run(ctx) {
      const id = parseId(ctx.args.ID);
      await withStore(ctx, async (store) => {
        if (!(await store.queue.get(id))) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no queued message ${id}`);
        await store.queue.delete(id);
      });
      ctx.out(`queued message ${id} deleted`);
    },
  },
];
