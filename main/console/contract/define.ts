// The building blocks of the console contract, shared by the core requests and each lab's own requests.
// zod only: this module is compiled into the DOM build too.
import { z } from 'zod';

export const def = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({
  request,
  response,
});
export const event = <P extends z.ZodType>(payload: P) => ({ payload });

export const Millis = z.number().int().nonnegative();
/** Int64 as a decimal string. */
export const Int64 = z.string().regex(/^-?\d{1,20}$/);
export const Empty = z.object({}).strict();
export const Seq = z.number().int().nonnegative();
export const TopicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[a-zA-Z0-9._-]+$/);
/** A lab id (`lab-d`), a service instance (`notifier-2`), a fault or check id: lower-case words joined by dashes. */
export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, 'lower-case letters, digits and dashes');
