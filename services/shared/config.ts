// Env config helpers shared by every lab's services: read once with zod, a bad variable named in the error.
import { z } from 'zod';
import { AppError } from './app-error.js';

/** `host:port[,host:port…]` → the list (default the local stack's broker). */
export const Brokers = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)),
    'must be host:port[,host:port…]',
  );
export const Port = z.coerce.number().int().min(0).max(65535);
export const Millis = z.coerce.number().int().min(100).max(300_000);

/** Parses `env` (empty values count as unset); a failure is a CONFIG_ERROR naming every bad variable. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(clean);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new AppError('CONFIG_ERROR', `bad configuration: ${problems.join('; ')}`, {
    variables: result.error.issues.map((i) => i.path.join('.')),
  });
}
