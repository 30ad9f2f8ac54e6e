/**
 * A webhook receiver for tests: a node:http server on loopback that records each delivery's
 * raw body and headers, and answers with the statuses a test scripts (default 200).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as received. */
export interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Statuses to answer with, in order (0 = never answer); 200 once the list is used up. */
  readonly script: number[];
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 with a free port. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const script: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      const status = script.shift() ?? 200;
      if (status !== 0) response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/mercadream`,
    deliveries,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
