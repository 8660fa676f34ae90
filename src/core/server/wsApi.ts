/**
 * The API over one WebSocket: WsClientFrame in, WsServerFrame out (src/shared/api.ts). Every
 * frame's arguments go through validateApiArgs before a handler runs; push events go to every
 * connected client.
 */
import type { WebSocket } from 'ws';
import { validateApiArgs, type ApiHandlers, type PushEvent, type WsServerFrame } from '../../shared/api';
import { stringsIn, type Redactor } from './redact';

/** A client that has this much unsent data gets no more push events until it catches up. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

function send(ws: WebSocket, frame: WsServerFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

export function pushTo(ws: WebSocket, e: PushEvent): void {
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
  send(ws, { push: e });
}

/** `redact` takes the server's own paths out of error messages (what the caller sent stays). */
export async function handleFrame(ws: WebSocket, handlers: ApiHandlers, data: string, redact: Redactor = (m) => m): Promise<void> {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    send(ws, { id: -1, ok: false, error: 'expected a JSON frame {id, method, args}' });
    return;
  }
  const f = frame as { id?: unknown; method?: unknown; args?: unknown };
  const id = typeof f?.id === 'number' && Number.isFinite(f.id) ? f.id : -1;
  if (id === -1 || typeof f.method !== 'string') {
    send(ws, { id, ok: false, error: 'expected a frame {id: number, method: string, args: []}' });
    return;
  }
  const checked = validateApiArgs(f.method, f.args ?? []);
  if (!checked.ok) {
    send(ws, { id, ok: false, error: checked.error });
    return;
  }
  const fn = (handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[f.method];
  try {
    const result = await fn.apply(handlers, checked.args);
    send(ws, { id, ok: true, result: result === undefined ? null : result });
  } catch (err) {
    send(ws, { id, ok: false, error: redact(err instanceof Error ? err.message : String(err), stringsIn(checked.args)) });
  }
}
