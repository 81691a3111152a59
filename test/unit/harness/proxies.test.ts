import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type TestProxy } from '../../harness/proxies.js';

let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/**
 * Opens a CONNECT tunnel and resets the connection `after` ms later, before or after reading the proxy's answer,
 * as a client killed mid-request does (a socket closed with unread bytes sends a reset).
 */
async function resetTunnel(url: string, after: number, readAnswer: boolean): Promise<void> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((ready) => socket.once('connect', ready));
  socket.write('CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n');
  if (readAnswer) await new Promise<void>((answered) => socket.once('data', () => answered()));
  else socket.pause();
  socket.write(Buffer.alloc(1024, 1));
  await new Promise((r) => setTimeout(r, after));
  socket.resetAndDestroy();
  await new Promise((r) => setTimeout(r, 50));
}

describe('test proxies', () => {
  it('a stalled tunnel whose client is killed mid-request is no error of the test process', async () => {
    const errors: unknown[] = [];
    const record = (err: unknown) => errors.push(err);
    process.on('uncaughtException', record);
    try {
      proxy = await startConnectProxy({ stall: true });
      for (const after of [0, 1, 5, 20]) for (const read of [false, true]) await resetTunnel(proxy.url, after, read);
    } finally {
      process.off('uncaughtException', record);
    }
    expect(errors).toEqual([]);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
  });
});
