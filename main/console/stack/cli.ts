// `npm run stack -- up|down|status|logs <component>`: the stack from a terminal, with progress lines and the time to
// healthy. The provider is chosen as everywhere else (EVENTSCOPE_STACK, else docker when an engine answers, else local).
import { isAppError, toAppError } from '../../../services/shared/app-error.js';
import { chooseProvider } from './choose.js';
import { LocalStackProvider } from './local/provider.js';
import type { ComponentHealth, ComponentName } from './types.js';
import { COMPONENT_NAMES } from './types.js';

const USAGE =
  'usage: npm run stack -- up [--kafka-nodes 1|2|3] | down | status | release | logs <kafka|postgres|rabbitmq|mongodb|redis> [lines]';

function line(h: ComponentHealth): string {
  return `${h.name.padEnd(8)} ${h.state.padEnd(9)} ${h.endpoint}  ${h.detail}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || !['up', 'down', 'status', 'release', 'logs'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { provider, reason } = await chooseProvider({ local: { owner: 'cli' } });
  process.stdout.write(`stack provider: ${provider.kind} (${reason})\n`);
  if (provider instanceof LocalStackProvider) process.stdout.write(`state: ${provider.stateFile}\n`);
  switch (command) {
    case 'up': {
      const unsubscribe = provider.onHealth((h) => process.stdout.write(`  ${line(h)}\n`));
      // a KRaft cluster of 2 or 3 nodes, as Lab A asks (default: the size that runs, else one broker)
      const flag = rest.indexOf('--kafka-nodes');
      const kafkaNodes = flag >= 0 ? Number(rest[flag + 1]) : undefined;
      if (kafkaNodes !== undefined && ![1, 2, 3].includes(kafkaNodes)) {
        process.stderr.write(`--kafka-nodes must be 1, 2 or 3\n${USAGE}\n`);
        return 2;
      }
      const result = await provider.up(kafkaNodes === undefined ? {} : { kafkaNodes });
      unsubscribe();
      for (const name of COMPONENT_NAMES) process.stdout.write(`${name.padEnd(8)} ${result.origins[name]}\n`);
      process.stdout.write(`all healthy in ${(result.millisToHealthy / 1000).toFixed(1)} s\n`);
      return 0;
    }
    case 'down': {
      const unsubscribe = provider.onHealth((h) => process.stdout.write(`  ${line(h)}\n`));
      await provider.down();
      unsubscribe();
      process.stdout.write('stopped what Eventscope started (servers that already ran are left running)\n');
      return 0;
    }
    case 'release': {
      // What test runs started and no live test run uses any more (left behind by a crashed run).
      if (!(provider instanceof LocalStackProvider)) return 0;
      const stopped = await provider.release();
      process.stdout.write(
        stopped.length > 0
          ? `stopped what finished test runs left: ${stopped.join(', ')}\n`
          : 'nothing left by test runs\n',
      );
      return 0;
    }
    case 'status': {
      const health = await provider.status();
      for (const h of health) process.stdout.write(`${line(h)}\n`);
      return health.every((h) => h.state === 'healthy') ? 0 : 1;
    }
    case 'logs': {
      const component = rest[0] as ComponentName | undefined;
      if (component === undefined || !COMPONENT_NAMES.includes(component)) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const lines = await provider.logs(component, Number(rest[1] ?? 100));
      process.stdout.write(
        lines.length > 0
          ? `${lines.join('\n')}\n`
          : `(no log available for ${component} from the ${provider.kind} provider)\n`,
      );
      return 0;
    }
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = toAppError(err);
    process.stderr.write(`stack: ${e.code}: ${e.message}\n`);
    if (!isAppError(err) && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
