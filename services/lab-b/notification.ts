// notification (run twice: INSTANCE=notification-1, notification-2): both consume the one queue
// `notification.vacation` (bound `vacation.request.#` on `vacation.events`), a work queue: each status change goes to
// exactly one of them, which prints one `notification_sent` line. The line is written inside the transaction that
// marks the event id seen (shared by both instances), before the commit and the ack: a redelivered event whose mark
// committed is skipped (`duplicate`); one killed before the commit is notified again (at least once).
import type { LabBConfig } from './config.js';
import { decodeJson, LabBRuntime, type LabBDeps, type LabBHandle } from './runtime.js';
import { QUEUES, VacationStatusChanged } from './schema.js';

export function notificationText(e: VacationStatusChanged): string {
  return e.from_status === null
    ? `vacation request ${e.request_id} of user ${e.user_id} submitted`
    : `vacation request ${e.request_id} of user ${e.user_id}: ${e.from_status} → ${e.to_status}`;
}

export function createNotification(cfg: LabBConfig, deps: LabBDeps): LabBHandle {
  const rt = new LabBRuntime(cfg, deps);
  const queue = rt.topo.name(QUEUES.notification);
  rt.useConsumer<VacationStatusChanged>({
    queue,
    entity: 'vacation',
    declare: (ch) => rt.topo.declareQueue(ch, QUEUES.notification),
    decode: (msg) => {
      const value = decodeJson(msg, VacationStatusChanged);
      return { value, eventId: value.event_id, entityId: value.request_id };
    },
    // eslint-disable-next-line @typescript-eslint/require-await
    handle: async (e, { delivery }) => {
      rt.emit({
        type: 'notification_sent',
        queue,
        event_id: e.event_id,
        entity: 'vacation',
        entity_id: e.request_id,
        request_id: e.request_id,
        user_id: e.user_id,
        from_status: e.from_status,
        to_status: e.to_status,
        redelivered: delivery.redelivered,
        text: notificationText(e),
      });
    },
  });
  return {
    start: () => rt.start(),
    stop: () => rt.stop(),
    get url() {
      return rt.url;
    },
  };
}
