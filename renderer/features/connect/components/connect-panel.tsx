// Real clusters: the saved connection profiles, which one the console is connected with, and the Connect dialog to
// fill one in (Kafka brokers with SASL and TLS, RabbitMQ, Postgres, MongoDB, Redis), Test it per component (reached,
// authenticated, authorised) and Save it. Secrets are write-only: a saved one shows as "set", never its value.
import { useCallback, useEffect, useState } from 'react';
import type { ProfileTestResult, ProfileView, SaslMechanism } from '../../../../main/console/contract/profiles';
import { useClient } from '../../../lib/client-context';
import { useAction } from '../../../lib/use-action';
import { Panel } from '../../../ui/panel';
import { useLabsStore } from '../../labs/store';
import { useStackStore } from '../../stack/store';
import './connect-panel.css';

/** the contract's mechanisms (the renderer imports the contract as types only; `satisfies` keeps the two in step) */
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const satisfies readonly SaslMechanism[];

interface Form {
  name: string;
  lab: string;
  brokers: string;
  mechanism: '' | (typeof SASL_MECHANISMS)[number];
  username: string;
  password: string;
  tls: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  insecure: boolean;
  rabbitmqUrl: string;
  managementUrl: string;
  postgresUrl: string;
  mongodbUrl: string;
  redisUrl: string;
}

const EMPTY: Form = {
  name: '',
  lab: '',
  brokers: '',
  mechanism: '',
  username: '',
  password: '',
  tls: false,
  caFile: '',
  certFile: '',
  keyFile: '',
  insecure: false,
  rabbitmqUrl: '',
  managementUrl: '',
  postgresUrl: '',
  mongodbUrl: '',
  redisUrl: '',
};

function formOf(v: ProfileView): Form {
  const p = v.profile;
  return {
    ...EMPTY,
    name: p.name,
    lab: p.lab ?? '',
    brokers: (p.kafka?.brokers ?? []).join('\n'),
    mechanism: p.kafka?.sasl?.mechanism ?? '',
    username: p.kafka?.sasl?.username ?? '',
    tls: p.kafka?.tls !== undefined,
    caFile: p.kafka?.tls?.caFile ?? '',
    certFile: p.kafka?.tls?.certFile ?? '',
    keyFile: p.kafka?.tls?.keyFile ?? '',
    insecure: p.kafka?.tls?.insecure ?? false,
    rabbitmqUrl: p.rabbitmq?.url ?? '',
    managementUrl: p.rabbitmq?.managementUrl ?? '',
    postgresUrl: p.postgres?.url ?? '',
    mongodbUrl: p.mongodb?.url ?? '',
    redisUrl: p.redis?.url ?? '',
  };
}

const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** The profile a form describes (only the parts filled in); an empty password is left out (the stored one stays). */
export function profileOfForm(f: Form): Record<string, unknown> {
  const brokers = f.brokers
    .split(/[\s,]+/)
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const kafka =
    brokers.length === 0
      ? undefined
      : {
          brokers,
          ...(f.mechanism === ''
            ? {}
            : {
                sasl: {
                  mechanism: f.mechanism,
                  username: f.username.trim(),
                  ...(f.password === '' ? {} : { password: f.password }),
                },
              }),
          ...(f.tls
            ? {
                tls: {
                  ...(opt(f.caFile) === undefined ? {} : { caFile: opt(f.caFile) }),
                  ...(opt(f.certFile) === undefined ? {} : { certFile: opt(f.certFile) }),
                  ...(opt(f.keyFile) === undefined ? {} : { keyFile: opt(f.keyFile) }),
                  insecure: f.insecure,
                },
              }
            : {}),
        };
  const url = (u: string) => (opt(u) === undefined ? undefined : { url: opt(u) });
  const rabbitmq =
    opt(f.rabbitmqUrl) === undefined
      ? undefined
      : {
          url: opt(f.rabbitmqUrl),
          ...(opt(f.managementUrl) === undefined ? {} : { managementUrl: opt(f.managementUrl) }),
        };
  const parts = { kafka, rabbitmq, postgres: url(f.postgresUrl), mongodb: url(f.mongodbUrl), redis: url(f.redisUrl) };
  return {
    name: f.name.trim(),
    ...(opt(f.lab) === undefined ? {} : { lab: opt(f.lab) }),
    ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)),
  };
}

function StepCell({ ok, detail }: { ok: boolean | null; detail: string }) {
  const cls = ok === true ? 'ok' : ok === false ? 'bad' : 'skip';
  const mark = ok === true ? '✓' : ok === false ? '✗' : '–';
  return (
    <td className={cls}>
      <strong>{mark}</strong> <span className="detail">{detail}</span>
    </td>
  );
}

function TestResults({ results }: { results: ProfileTestResult[] }) {
  return (
    <table className="table connect-results" aria-label="Test results" data-testid="connect-results">
      <thead>
        <tr>
          <th>Component</th>
          <th>Reached</th>
          <th>Authenticated</th>
          <th>Authorised to describe</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr key={r.component} data-testid={`connect-result-${r.component}`}>
            <td>
              <div className="name">{r.component}</div>
              <div className="sub mono">{r.endpoint}</div>
              <div className="sub">{r.millis} ms</div>
            </td>
            {(['reached', 'authenticated', 'authorised'] as const).map((step) => {
              const s = r.steps.find((x) => x.step === step);
              return <StepCell key={step} ok={s?.ok ?? null} detail={s?.detail ?? 'not tried'} />;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConnectDialog({
  initial,
  secrets,
  onClose,
  onSaved,
}: {
  initial: Form;
  secrets: Record<string, 'set' | 'not set'>;
  onClose: () => void;
  onSaved: () => void;
}) {
  const client = useClient();
  const labs = useLabsStore((s) => s.labs);
  const [f, setF] = useState<Form>(initial);
  const [results, setResults] = useState<ProfileTestResult[] | null>(null);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((prev) => ({ ...prev, [k]: v }));
  const test = useAction('profiles:test', async () => {
    setResults(null);
    const r = await client.request['profiles:test']({ profile: profileOfForm(f) });
    setResults(r.results);
  });
  const save = useAction('profiles:save', async () => {
    await client.request['profiles:save']({ profile: profileOfForm(f) });
    onSaved();
  });
  const secretNote = (field: string) =>
    secrets[field] === 'set' ? (
      <span className="connect-secret" data-testid={`secret-${field}`}>
        saved — leave empty to keep it
      </span>
    ) : null;
  const text = (k: keyof Form, label: string, placeholder = '', type = 'text') => (
    <>
      <label htmlFor={`connect-${k}`}>{label}</label>
      <input
        id={`connect-${k}`}
        type={type}
        value={f[k] as string}
        placeholder={placeholder}
        autoComplete="off"
        onChange={(e) => set(k, e.target.value as never)}
      />
    </>
  );
  return (
    <div className="connect-overlay">
      <div className="connect-dialog" role="dialog" aria-modal="true" aria-label="Connect to a cluster">
        <h2>Connect to a cluster</h2>
        <p className="hint">
          A profile names only what it connects to: a Kafka cluster alone is enough. Passwords are write-only: once
          saved they show as “saved”, never again as text.
        </p>
        <div className="connect-grid">
          {text('name', 'Profile name', 'course-cluster')}
          <label htmlFor="connect-lab">For lab</label>
          <select id="connect-lab" value={f.lab} onChange={(e) => set('lab', e.target.value)}>
            <option value="">none: a plain cluster</option>
            {labs.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>Kafka</legend>
          <div className="connect-grid">
            <label htmlFor="connect-brokers">Bootstrap brokers</label>
            <textarea
              id="connect-brokers"
              rows={2}
              value={f.brokers}
              placeholder="b1.example.com:9093, b2.example.com:9093"
              onChange={(e) => set('brokers', e.target.value)}
            />
            <label htmlFor="connect-mechanism">SASL</label>
            <select
              id="connect-mechanism"
              value={f.mechanism}
              onChange={(e) => set('mechanism', e.target.value as Form['mechanism'])}
            >
              <option value="">none</option>
              {SASL_MECHANISMS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
            {f.mechanism !== '' && (
              <>
                {text('username', 'User name')}
                <label htmlFor="connect-password">Password</label>
                <div>
                  <input
                    id="connect-password"
                    type="password"
                    value={f.password}
                    autoComplete="new-password"
                    onChange={(e) => set('password', e.target.value)}
                  />{' '}
                  {secretNote('kafka.sasl.password')}
                </div>
              </>
            )}
            <label htmlFor="connect-tls">TLS</label>
            <label className="inline">
              <input id="connect-tls" type="checkbox" checked={f.tls} onChange={(e) => set('tls', e.target.checked)} />{' '}
              the brokers speak TLS (SSL or SASL_SSL)
            </label>
            {f.tls && (
              <>
                {text('caFile', 'CA file (PEM)', '/path/to/ca.pem — empty: the system CAs')}
                {text('certFile', 'Client certificate', 'optional, for mutual TLS')}
                {text('keyFile', 'Client key', 'optional, with the certificate')}
                <span />
                <label className={`inline connect-insecure${f.insecure ? ' on' : ''}`} data-testid="connect-insecure">
                  <input type="checkbox" checked={f.insecure} onChange={(e) => set('insecure', e.target.checked)} />{' '}
                  Insecure: accept any certificate (no check at all
                  {f.insecure ? ' — anyone in between can read this' : ''})
                </label>
              </>
            )}
          </div>
        </fieldset>
        <fieldset>
          <legend>Other components (optional)</legend>
          <div className="connect-grid">
            {text('rabbitmqUrl', 'RabbitMQ', 'amqps://user:password@mq.example.com:5671')}
            {text('managementUrl', 'Management URL', 'https://user:password@mq.example.com:15671')}
            {text('postgresUrl', 'Postgres', 'postgres://user:password@db.example.com/app')}
            {text('mongodbUrl', 'MongoDB', 'mongodb://…')}
            {text('redisUrl', 'Redis', 'rediss://…')}
          </div>
          {Object.entries(secrets).some(([k, v]) => k.endsWith('rl') && v === 'set') && (
            <p className="connect-secret">A URL's saved password is kept when the URL is given without one.</p>
          )}
        </fieldset>
        {results !== null && <TestResults results={results} />}
        {(test.error ?? save.error) !== null && (
          <p className="text-bad" role="alert" data-testid="connect-error">
            {test.error ?? save.error}
          </p>
        )}
        <div className="connect-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" onClick={() => void test.invoke()} disabled={test.pending}>
            {test.pending ? 'Testing…' : 'Test'}
          </button>
          <button type="button" className="primary" onClick={() => void save.invoke()} disabled={save.pending}>
            Save
          </button>
        </div>
      </div>
    </div>
  );
}

export function ConnectPanel() {
  const client = useClient();
  const [profiles, setProfiles] = useState<ProfileView[]>([]);
  const [connected, setConnected] = useState<string | null>(null);
  const [store, setStore] = useState<string>('file');
  const [editing, setEditing] = useState<ProfileView | 'new' | null>(null);
  const refresh = useCallback(async () => {
    const r = await client.request['profiles:list']({});
    setProfiles(r.profiles);
    setConnected(r.connected);
    setStore(r.secretStore);
  }, [client]);
  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);
  const connect = useAction('profiles:connect', async (name: string | null) => {
    await client.request['profiles:connect']({ name });
    await refresh();
    const ticket = useStackStore.getState().askStatus();
    const status = await client.request['stack:status']({});
    useStackStore.getState().applyStatus(status, ticket);
  });
  const remove = useAction('profiles:delete', async (name: string) => {
    await client.request['profiles:delete']({ name });
    await refresh();
  });
  return (
    <Panel
      title="Real clusters"
      testId="connect-panel"
      hint={
        <>
          Point the console at a course or staging cluster instead of the local stack. Secrets are kept{' '}
          {store === 'safeStorage' ? 'encrypted by the OS keychain' : 'in a file only you can read'}.
        </>
      }
      actions={
        <>
          {connected !== null && (
            <button type="button" onClick={() => void connect.invoke(null)} disabled={connect.pending}>
              Back to the local stack
            </button>
          )}
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Connect…
          </button>
        </>
      }
    >
      {profiles.length === 0 ? (
        <p className="hint">No saved profile yet.</p>
      ) : (
        <table className="table" aria-label="Connection profiles">
          <tbody>
            {profiles.map((v) => {
              const tls = v.profile.kafka?.tls;
              return (
                <tr key={v.profile.name} data-testid={`profile-${v.profile.name}`}>
                  <td>
                    <div className="name">
                      {v.profile.name}
                      {connected === v.profile.name && <strong className="connect-on"> · connected</strong>}
                    </div>
                    <div className="sub">{v.profile.lab ?? 'cluster'}</div>
                  </td>
                  <td className="mono">
                    {v.profile.kafka?.brokers.join(', ') ?? ''}
                    {v.profile.kafka?.sasl !== undefined && ` · SASL ${v.profile.kafka.sasl.mechanism}`}
                    {tls !== undefined && ' · TLS'}
                    {tls?.insecure === true && <span className="connect-insecure"> (insecure)</span>}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="small primary"
                      onClick={() => void connect.invoke(v.profile.name)}
                      disabled={connect.pending || connected === v.profile.name}
                    >
                      Connect
                    </button>
                    <button type="button" className="small" onClick={() => setEditing(v)}>
                      Edit
                    </button>
                    <button type="button" className="small danger" onClick={() => void remove.invoke(v.profile.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {editing !== null && (
        <ConnectDialog
          initial={editing === 'new' ? EMPTY : formOf(editing)}
          secrets={editing === 'new' ? {} : editing.secrets}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
    </Panel>
  );
}
