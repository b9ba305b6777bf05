// Brings the stack up once for the integration tests with the best available provider (EVENTSCOPE_STACK, else docker
// when an engine answers, else local), reusing servers that already run, and tears down only what it started.
// Several test runs may share the stack at once: the last one to leave stops what the tests started.
import type { TestProject } from 'vitest/node';
import { chooseProvider } from '../../main/console/stack/choose.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import type { StackProvider } from '../../main/console/stack/types.js';
import { COMPONENT_NAMES } from '../../main/console/stack/types.js';
// Declares the provided context types (inject('endpoints')).
import './support/index.js';

let provider: StackProvider | undefined;
let startedHere: string[] = [];

function say(line: string): void {
  process.stderr.write(`[stack] ${line}\n`);
}

export async function setup(project: TestProject): Promise<void> {
  const chosen = await chooseProvider({ local: { owner: 'tests' } });
  provider = chosen.provider;
  say(`provider: ${provider.kind} (${chosen.reason})`);
  const unsubscribe = provider.onHealth((h) => {
    if (h.state !== 'healthy') say(`${h.name}: ${h.state} - ${h.detail}`);
  });
  try {
    const result = await provider.up();
    for (const name of COMPONENT_NAMES) {
      const h = result.health.find((x) => x.name === name);
      say(`${name.padEnd(8)} ${result.origins[name].padEnd(10)} ${h?.endpoint ?? ''}  ${h?.detail ?? ''}`);
    }
    startedHere = COMPONENT_NAMES.filter((n) => result.origins[n] === 'started');
    say(`healthy in ${result.millisToHealthy} ms (started: ${startedHere.join(', ') || 'nothing'})`);
    project.provide('endpoints', result.endpoints);
    project.provide('stackProvider', provider.kind);
  } catch (err) {
    // No tests will run: give back what this run started before failing.
    if (provider instanceof LocalStackProvider) await provider.release().catch(() => undefined);
    throw err;
  } finally {
    unsubscribe();
  }
}

export async function teardown(): Promise<void> {
  if (provider === undefined) return;
  if (process.env.EVENTSCOPE_KEEP_STACK === '1') {
    say('EVENTSCOPE_KEEP_STACK=1: leaving the stack running');
    return;
  }
  if (provider instanceof LocalStackProvider) {
    const stopped = await provider.release();
    say(
      stopped.length > 0
        ? `stopped what the tests started: ${stopped.join(', ')}`
        : 'nothing to stop (reused, or still used by another test run)',
    );
  } else if (provider.kind === 'docker' && startedHere.length > 0) {
    await provider.down();
    say('stopped the compose project the tests started');
  }
}
