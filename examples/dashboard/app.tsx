/**
 * The dashboard page: a live view of the demo supervisor's map through a RemoteServiceMap,
 * with the React hooks of rx-lifecycle/react. Bundled by bundle.ts, served by server.ts.
 */
import { memo, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { statusOf, type State } from 'rx-lifecycle';
import { RemoteError, RemoteServiceMap } from 'rx-lifecycle/client';
import { useConnection, useServiceState, useServiceStates, useServiceSummary } from 'rx-lifecycle/react';

const remote = new RemoteServiceMap(new URL('api', location.href).href, {
  map: 'services',
});

/** A failed command as one line: the HTTP status when there is one, then the message. */
function describeError(err: unknown): string {
  if (err instanceof RemoteError) return `${err.status} ${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Renders the component again every `everyMs` while `on` (for countdowns). */
function useTicking(on: boolean, everyMs = 250): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(timer);
  }, [on, everyMs]);
}

function SummaryBar() {
  const s = useServiceSummary(remote);
  return (
    <p data-field="summary">
      {s.total} services: {s.active} active, {s.loading - s.retrying} starting, {s.retrying} retrying, {s.failed} failed
    </p>
  );
}

function ConnectionBadge() {
  const { status, error } = useConnection(remote);
  return (
    <span data-field="connection" className={`badge ${status}`} title={error?.message ?? ''}>
      {status}
    </span>
  );
}

/** Seconds to the next attempt, on the server's clock (local time + clockOffset). */
function Countdown({ at }: { at: number | undefined }) {
  const { clockOffset } = useConnection(remote);
  useTicking(at !== undefined);
  if (at === undefined) return null;
  const serverNow = Date.now() + clockOffset;
  return <>{Math.max(0, Math.ceil((at - serverNow) / 1000))}s</>;
}

function configText(config: unknown): string {
  if (config === undefined) return '';
  if (typeof config === 'string') return config;
  if (config instanceof Uint8Array) return new TextDecoder().decode(config);
  return JSON.stringify(config);
}

function ConfigEditor({ id, state, onClose }: { id: string; state: State<unknown>; onClose: () => void }) {
  const [text, setText] = useState(() => configText(state.config));
  // The config this edit starts from: if it changes meanwhile, the server answers 412.
  const [since] = useState(state.lastConfigTime);
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    try {
      await remote.configure(id, text, since === undefined ? {} : { ifConfigTime: since });
      onClose();
    } catch (err) {
      setError(describeError(err));
      setSaving(false);
    }
  };
  return (
    <form className="editor" data-editor-for={id} onSubmit={save}>
      <textarea aria-label="Config" value={text} rows={3} cols={60} onChange={(e) => setText(e.target.value)} />
      <div>
        <button type="submit" disabled={saving}>Save</button> <button type="button" onClick={onClose}>Cancel</button>
      </div>
      {error !== undefined && <p role="alert">{error}</p>}
    </form>
  );
}

// memo: a row renders again only when its own State (or kind) changes
const Row = memo(function Row({ id, kind }: { id: string; kind: string }) {
  const state = useServiceState(remote, id);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string>();
  if (state === undefined) return null;
  const status = statusOf(state);
  const command = (run: (id: string) => Promise<unknown>) => {
    setError(undefined);
    run(id).catch((err: unknown) => setError(describeError(err)));
  };
  return (
    <>
      <tr data-id={id} className={status}>
        <td>{id}</td>
        <td>{kind}</td>
        <td data-field="status" title={state.error?.message ?? ''}>{status}</td>
        <td data-field="failed">{state.failedAttempts > 0 ? state.failedAttempts : ''}</td>
        <td data-field="next">
          <Countdown at={state.nextAttemptTime} />
        </td>
        <td className="error">{state.error?.message ?? ''}</td>
        <td>
          {state.active ? (
            <button onClick={() => command((i) => remote.stop(i))}>Stop</button>
          ) : (
            <button onClick={() => command((i) => remote.start(i))}>Start</button>
          )}{' '}
          <button onClick={() => setEditing(!editing)}>Configure</button>
          {error !== undefined && <span role="alert"> {error}</span>}
        </td>
      </tr>
      {editing && (
        <tr>
          <td colSpan={7}>
            <ConfigEditor id={id} state={state} onClose={() => setEditing(false)} />
          </td>
        </tr>
      )}
    </>
  );
});

function ServiceTable() {
  const records = useServiceStates(remote);
  const sorted = [...records.values()].sort((a, b) => a.id.localeCompare(b.id));
  return (
    <table>
      <thead>
        <tr>
          <th>id</th>
          <th>kind</th>
          <th>status</th>
          <th>failed</th>
          <th>next attempt</th>
          <th>last error</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <Row key={r.id} id={r.id} kind={r.kind} />
        ))}
      </tbody>
    </table>
  );
}

function App() {
  return (
    <>
      <header>
        <h1>rx-lifecycle supervisor</h1>
        <ConnectionBadge />
      </header>
      <SummaryBar />
      <ServiceTable />
    </>
  );
}

createRoot(document.getElementById('app')!).render(<App />);
