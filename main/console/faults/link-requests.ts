// The console requests of the link faults (contract/links.ts) over the link registry: list the links, cut, delay,
// throttle and restore one, each answering what it did in one sentence.
import type { LinkView } from '../contract/links.js';
import type { ParsedRequestOf, ResponseOf } from '../contract/console-api.js';
import type { LinkRegistry } from './link-registry.js';

type LinkRequestName = 'links:list' | 'links:cut' | 'links:delay' | 'links:throttle' | 'links:restore';
export type LinkHandlers = { [C in LinkRequestName]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

const who = (l: LinkView) => `${l.instance} → ${l.component} (${l.target})`;

export function createLinkHandlers(links: LinkRegistry): LinkHandlers {
  const answer = (link: LinkView, result: string) => Promise.resolve({ link, result });
  return {
    'links:list': ({ instance }) => Promise.resolve({ links: links.list(instance) }),
    'links:cut': ({ link }) => {
      const l = links.cut(link);
      return answer(l, `cut ${who(l)}: ${l.refused} refused so far; new connections are refused until restored`);
    },
    'links:delay': ({ link, delayMs, jitterMs }) => {
      const l = links.delay(link, delayMs, jitterMs ?? 0);
      return answer(
        l,
        delayMs === 0 && l.jitterMs === 0
          ? `${who(l)} is no longer delayed`
          : `${who(l)} delayed ${delayMs} ms + 0..${l.jitterMs} ms each way`,
      );
    },
    'links:throttle': ({ link, bytesPerSec }) => {
      const l = links.throttle(link, bytesPerSec);
      return answer(
        l,
        bytesPerSec === null
          ? `${who(l)} is no longer throttled`
          : `${who(l)} throttled to ${bytesPerSec} B/s each way`,
      );
    },
    'links:restore': ({ link }) => {
      const l = links.restore(link);
      return answer(l, `restored ${who(l)}: up, no delay, no throttle`);
    },
  };
}
