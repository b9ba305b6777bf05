// What the local provider started, kept in .cache/stack/state.json so that a later `npm run stack -- down` (another
// process) can stop it by PID. A directory lock serialises concurrent `up`/`down` calls (several test runs at once).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { isAlive } from './process.js';

export const Owner = z.enum(['cli', 'tests', 'app']);
export type Owner = z.infer<typeof Owner>;

export const StartedComponent = z.object({
  pid: z.number().int().positive(),
  /** A string the PID's command line must contain before we signal it (guards against PID reuse). */
  marker: z.string(),
  /** The signal that asks it to shut down cleanly. */
  stopSignal: z.enum(['SIGTERM', 'SIGINT']),
  owner: Owner,
  startedAt: z.string(),
  how: z.string(),
});
export type StartedComponent = z.infer<typeof StartedComponent>;

export const StackState = z.object({
  version: z.literal(1),
  components: z.partialRecord(z.enum(['kafka', 'postgres', 'rabbitmq', 'mongodb', 'redis']), StartedComponent),
  /** PIDs of test runs that use what the tests started; the last one to leave stops it. */
  leases: z.array(z.number().int()),
  /** the size of the Kafka cluster Eventscope started (absent: one node); node 1 is `components.kafka` */
  kafkaSize: z.number().int().min(1).max(3).optional(),
  /** the other nodes of that cluster that run, by name (`kafka-2`, `kafka-3`) */
  kafkaNodes: z.record(z.string(), StartedComponent).optional(),
});
export type StackState = z.infer<typeof StackState>;

export class StateFile {
  readonly file: string;
  private readonly lockDir: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'state.json');
    this.lockDir = path.join(dir, 'state.lock');
  }

  read(): StackState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { version: 1, components: {}, leases: [] };
    }
    const parsed = StackState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { version: 1, components: {}, leases: [] };
  }

  write(state: StackState): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  /** Runs `work` holding the lock (waits up to timeoutMs for another holder; a dead holder's lock is taken over). */
  async withLock<T>(work: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        mkdirSync(this.lockDir);
        writeFileSync(path.join(this.lockDir, 'pid'), `${process.pid}\n`);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number.parseInt(safeRead(path.join(this.lockDir, 'pid')), 10);
        if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
          rmSync(this.lockDir, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new AppError('TIMEOUT', `the stack state in ${this.dir} is locked by process ${holder}`, { holder });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    try {
      return await work();
    } finally {
      rmSync(this.lockDir, { recursive: true, force: true });
    }
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
