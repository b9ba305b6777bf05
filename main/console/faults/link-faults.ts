// The link faults as faults of every lab (faults:list / faults:run), over the same handlers as the links:* requests:
// a check, the Checks view or a script can cut, delay, throttle and restore one link of one instance by its id
// (`loms/postgres`, `notifier-2/kafka`). The args are the links:* requests' fields, checked by the same schemas.
import { AppError } from '../../../services/shared/app-error.js';
import type { FaultInfo } from '../contract/console-api.js';
import { LINK_REQUESTS } from '../contract/links.js';
import type { LinkHandlers } from './link-requests.js';

type FaultArgs = Record<string, string | number | boolean>;

interface LinkFault {
  info: FaultInfo;
  run(handlers: LinkHandlers, args: FaultArgs): Promise<string>;
}

const LINK_ARG = '<instance>/<component> (links:list names them: loms/postgres, notifier-2/kafka)';

const NUMERIC = new Set(['delayMs', 'jitterMs', 'bytesPerSec']);

/** the Faults panel sends every arg as text: a whole number in a numeric field is taken as that number */
const coerce = (args: FaultArgs): FaultArgs =>
  Object.fromEntries(
    Object.entries(args).map(([k, v]) => [
      k,
      NUMERIC.has(k) && typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v,
    ]),
  );

/** parses a fault's args with a links:* request schema; a bad field is INVALID_INPUT naming it */
function parse<C extends keyof typeof LINK_REQUESTS>(request: C, fault: string, args: FaultArgs) {
  const parsed = LINK_REQUESTS[request].request.safeParse(coerce(args));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.map(String).join('.') || 'args';
    throw new AppError('INVALID_INPUT', `${fault}: ${field}: ${first?.message ?? 'invalid'}`, {
      field,
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  return parsed.data as never;
}

export const LINK_FAULTS: readonly LinkFault[] = [
  {
    info: {
      id: 'link-cut',
      label: 'Cut a link',
      description:
        "Drops one instance's open connections to one broker or database and refuses new ones until link-restore.",
      args: { link: LINK_ARG },
    },
    run: async (h, args) => (await h['links:cut'](parse('links:cut', 'link-cut', args))).result,
  },
  {
    info: {
      id: 'link-delay',
      label: 'Delay a link',
      description: 'Holds every chunk of one link delayMs plus a random 0..jitterMs, both ways (0 and 0: no delay).',
      args: { link: LINK_ARG, delayMs: 'ms, 0..60000', jitterMs: 'ms, 0..60000 (optional, 0)' },
    },
    run: async (h, args) => (await h['links:delay'](parse('links:delay', 'link-delay', args))).result,
  },
  {
    info: {
      id: 'link-throttle',
      label: 'Throttle a link',
      description: 'At most bytesPerSec each way on one link (bytesPerSec null: not throttled).',
      args: { link: LINK_ARG, bytesPerSec: 'bytes/s, 64..1000000000, or null' },
    },
    run: async (h, args) => {
      // faults:run's args carry no null: "null" or "" lifts the throttle
      const raw = args.bytesPerSec;
      const bytesPerSec = raw === 'null' || raw === '' ? null : raw;
      return (
        await h['links:throttle'](parse('links:throttle', 'link-throttle', { ...args, bytesPerSec } as FaultArgs))
      ).result;
    },
  },
  {
    info: {
      id: 'link-restore',
      label: 'Restore a link',
      description: 'Undoes every fault of one link: up, no delay, no throttle.',
      args: { link: LINK_ARG },
    },
    run: async (h, args) => (await h['links:restore'](parse('links:restore', 'link-restore', args))).result,
  },
];

/** the link fault with this id, or undefined */
export const linkFault = (id: string): LinkFault | undefined => LINK_FAULTS.find((f) => f.info.id === id);
