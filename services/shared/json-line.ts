// The services' event lines are an interface (the console parses them): one JSON object per stdout line, with a zod
// schema per lab. This reads one line against a schema; anything else (a plain log, a partial line) gives undefined.
import type { z } from 'zod';

export function parseJsonLine<S extends z.ZodType>(schema: S, line: string): z.output<S> | undefined {
  if (!line.startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
