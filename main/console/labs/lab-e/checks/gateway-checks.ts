// Lab E's invariant 7 through the gateway: every route of LABS.md's table (ROUTE_ACCESS) answers 401 without a token
// and with a forged one, 403 to each role it does not list, and lets the roles it lists through; a worker's
// GET /tasks/mine holds only its own tasks. The calls that must be refused carry a body that is not JSON, so that a
// gateway that lets them through reaches a service that answers 400 and changes nothing (no reshuffle, no day close).
import { randomUUID } from 'node:crypto';
import { ROLES, ROUTE_ACCESS, type RouteAccess } from '../../../../../services/lab-e/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import {
  createTask,
  gatewayCall,
  httpEvidence,
  outcome,
  plural,
  short,
  type Account,
  type HttpAnswer,
  type LabECheckDeps,
  type Task,
} from './support.js';

const FORGED =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJyb2xlIjoiYWRtaW4ifQ.forged';

const pathOf = (r: RouteAccess) => r.path.replace(/:[a-z_]+/g, randomUUID());
const describe = (r: RouteAccess) => `${r.method} ${r.path}`;

export function gatewayAccessCheck(deps: LabECheckDeps): Check {
  const send = (r: RouteAccess, token?: string): Promise<HttpAnswer> =>
    gatewayCall(deps, r.method, pathOf(r), {
      ...(token === undefined ? {} : { token }),
      ...(r.method === 'GET' ? {} : { rawBody: '{not json' }),
    });

  return {
    id: 'gateway-access',
    timeoutMs: 45_000,
    async run(ctx) {
      const crew = await deps.crew.get(ctx, deps);
      const byRole = new Map<string, Account>([
        ['worker', crew.workers[0]],
        ['manager', crew.manager],
        ['admin', crew.admin],
        ['accountant', crew.accountant],
      ]);
      const evidence: Evidence[] = [];
      const good: Evidence[] = [];
      let calls = 0;
      let wrong = 0;
      let unreachable = 0;
      const expect = (ref: string, got: HttpAnswer, want: 'refused-401' | 'refused-403' | 'through', why: string) => {
        calls++;
        if (got.status === 0) {
          unreachable++;
          evidence.push(httpEvidence(ref, `no answer (${got.error ?? 'connection failed'})`));
          return;
        }
        const ok =
          want === 'refused-401'
            ? got.status === 401
            : want === 'refused-403'
              ? got.status === 403
              : got.status !== 401 && got.status !== 403;
        const wanted = want === 'refused-401' ? '401' : want === 'refused-403' ? '403' : 'not 401/403';
        if (ok) {
          if (good.length < 12) good.push(httpEvidence(ref, `${got.status} (${why})`));
          return;
        }
        wrong++;
        evidence.push(httpEvidence(ref, `answered ${got.status}, want ${wanted}: ${why}`));
      };
      ctx.progress(`calling ${ROUTE_ACCESS.length} routes without a token, with a forged one and as each role`);
      for (const r of ROUTE_ACCESS) {
        const name = describe(r);
        if (r.access === 'anyone') {
          expect(name, await send(r), 'through', 'anyone may call it');
          continue;
        }
        expect(`${name} without a token`, await send(r), 'refused-401', 'a token is required');
        expect(`${name} with a forged token`, await send(r, FORGED), 'refused-401', 'the token is not signed by auth');
        const answers = await Promise.all(ROLES.map((role) => send(r, byRole.get(role)!.token)));
        ROLES.forEach((role, i) => {
          const allowed = r.access === 'signed-in' || (r.access as readonly string[]).includes(role);
          expect(
            `${name} as ${role}`,
            answers[i]!,
            allowed ? 'through' : 'refused-403',
            allowed ? `${role} may call it` : `only ${(r.access as readonly string[]).join(', ')} may call it`,
          );
        });
      }
      // a worker sees its own tasks only
      ctx.progress('creating tasks and reading each worker’s GET /tasks/mine');
      const created: Task[] = [];
      for (let i = 0; i < 3; i++) created.push(await createTask(ctx, deps, crew, `access check ${i + 1}`));
      let foreign = 0;
      let listed = 0;
      for (const w of crew.workers) {
        const r = await gatewayCall(deps, 'GET', '/tasks/mine', { token: w.token });
        const tasks = (r.body as { tasks?: Task[] }).tasks;
        calls++;
        if (r.status !== 200 || !Array.isArray(tasks)) {
          wrong++;
          evidence.push(
            httpEvidence(
              'GET /tasks/mine',
              `as worker ${short(w.publicId)}: answered ${r.status}, want 200 with its tasks`,
            ),
          );
          continue;
        }
        listed += tasks.length;
        const others = tasks.filter((t) => t.assignee_public_id !== w.publicId);
        const missing = created.filter(
          (t) => t.assignee_public_id === w.publicId && !tasks.some((x) => x.public_id === t.public_id),
        );
        foreign += others.length;
        for (const t of others.slice(0, 5))
          evidence.push(
            httpEvidence(
              'GET /tasks/mine',
              `worker ${short(w.publicId)} sees task ${short(t.public_id)}, assigned to ${short(t.assignee_public_id)}`,
              t.public_id,
            ),
          );
        for (const t of missing.slice(0, 5)) {
          wrong++;
          evidence.push(
            httpEvidence(
              'GET /tasks/mine',
              `worker ${short(w.publicId)} does not see its task ${short(t.public_id)}`,
              t.public_id,
            ),
          );
        }
      }
      const counts = { calls, wrong, unreachable, foreignTasks: foreign, listed };
      if (unreachable > 0 && unreachable === calls)
        return outcome(
          'ERROR',
          `the gateway (${deps.gatewayUrl()}) does not answer: start it first.`,
          counts,
          evidence,
        );
      if (wrong + foreign + unreachable > 0)
        return outcome(
          'FAIL',
          `${plural(wrong, 'answer')} of ${calls} not what the access table says${foreign > 0 ? `, ${plural(foreign, 'task')} of another worker listed in GET /tasks/mine` : ''}${unreachable > 0 ? `, ${unreachable} without an answer` : ''}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `${plural(calls, 'call')} through the gateway answered as the access table says (401 without or with a forged token, 403 for a role not listed); each worker's GET /tasks/mine (${plural(listed, 'task')}) holds its own tasks only.`,
        counts,
        good,
      );
    },
  };
}
