/** A Node client of the browser-mode API (the same WebSocket frames the page sends), for tests
 * that set up runs without clicking through the editor. */
import WebSocket from 'ws';
import type { WsServerFrame } from '../../src/shared/api';

export interface ApiClient {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  close(): void;
}

export async function connectApi(serverUrl: string): Promise<ApiClient> {
  const u = new URL(serverUrl);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${encodeURIComponent(u.searchParams.get('token') ?? '')}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as WsServerFrame;
    if ('push' in f) return;
    const w = waiting.get(f.id);
    if (!w) return;
    waiting.delete(f.id);
    if (f.ok) w.resolve(f.result);
    else w.reject(new Error(f.error));
  });
  return {
    call: <T>(method: string, ...args: unknown[]) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, args }));
      }),
    close: () => ws.close(),
  };
}
