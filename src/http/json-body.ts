/** Request bodies: JSON checked against a zod schema; anything else is 400 invalid. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { invalid } from './api-error.ts';
import type { AppEnv } from './env.ts';

export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  let data: unknown;
  try {
    data = await c.req.json();
  } catch {
    throw invalid('the request body must be JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
    throw invalid(`${where}${issue?.message ?? 'invalid request'}`);
  }
  return parsed.data;
}

/** A positive integer path parameter (mailbox id, uid, queue id), else 404. */
export function idParam(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9]\d{0,14}$/.test(value)) return null;
  return Number(value);
}
