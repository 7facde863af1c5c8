// An upstream that streams a response slowly, to prove a request in flight through nginx survives a reload.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface StreamingUpstream {
  url: string;
  /** Ends every open stream now (each sends "end"), however many lines it had left. */
  endStreams(): void;
  stop(): Promise<void>;
}

/** GET /stream?chunks=N&every=MS sends N numbered lines MS apart; anything else answers 200 at once. */
export async function startStreamingUpstream(): Promise<StreamingUpstream> {
  const open = new Set<() => void>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    res.setHeader("x-ngcert-test-upstream", "1");
    if (url.pathname !== "/stream") {
      res.end("ok\n");
      return;
    }
    const chunks = Math.min(1_000, Number(url.searchParams.get("chunks") ?? 10));
    const every = Math.min(1_000, Number(url.searchParams.get("every") ?? 100));
    res.writeHead(200, { "content-type": "text/plain" });
    let sent = 0;
    const finish = (): void => {
      clearInterval(timer);
      open.delete(finish);
      res.end("end\n");
    };
    const timer = setInterval(() => {
      res.write(`line ${sent}\n`);
      if (++sent >= chunks) finish();
    }, every);
    open.add(finish);
    res.on("close", () => {
      clearInterval(timer);
      open.delete(finish);
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    endStreams: () => {
      for (const finish of [...open]) finish();
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
