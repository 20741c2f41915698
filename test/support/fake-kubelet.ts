// A kubelet that only does port-forward, speaking the WebSocket protocol (v4.channel.k8s.io) that the
// API server proxies to it: per forwarded port, data on channel 2i and errors on 2i+1, each channel's
// first frame carrying the port (2 bytes, little-endian). It relays to real TCP servers on loopback.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebSocket, WebSocketServer } from "ws";

export type Target = { host: string; port: number };
/** Where `namespace/pod:port` really listens; undefined refuses the forward. */
export type Resolver = (namespace: string, pod: string, port: number) => Target | undefined;

export interface FakeKubelet {
  port: number;
  /** Forwards opened so far, as namespace/pod:port. */
  forwards: string[];
  /** Drops every open forward, as a kubelet restart would. */
  dropAll(): void;
  close(): Promise<void>;
}

function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-kubelet-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const frame = (channel: number, data: Buffer | Uint8Array) => Buffer.concat([Buffer.from([channel]), data]);
const portFrame = (channel: number, port: number) => Buffer.from([channel, port & 0xff, (port >> 8) & 0xff]);

export async function startFakeKubelet(resolve: Resolver): Promise<FakeKubelet> {
  const server: Server = createServer(selfSignedCert(), (_req, res) => {
    res.writeHead(404).end("fake kubelet: only port-forward");
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false),
  });
  const forwards: string[] = [];
  const open = new Set<WebSocket>();

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "https://kubelet");
    const m = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const port = Number(url.searchParams.get("port") ?? url.searchParams.get("ports"));
    if (!m || !Number.isInteger(port)) {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const [, ns, pod] = m as unknown as [string, string, string];
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.add(ws);
      ws.on("close", () => open.delete(ws));
      forwards.push(`${ns}/${pod}:${port}`);
      ws.send(portFrame(0, port));
      ws.send(portFrame(1, port));
      const target = resolve(ns, pod, port);
      if (!target) {
        ws.send(frame(1, Buffer.from(`pod ${ns}/${pod} does not listen on port ${port}`)));
        ws.close();
        return;
      }
      const tcp = net.connect(target.port, target.host);
      const pending: Buffer[] = [];
      tcp.on("connect", () => {
        for (const b of pending.splice(0)) tcp.write(b);
      });
      tcp.on("data", (d: Buffer) => ws.readyState === WebSocket.OPEN && ws.send(frame(0, d)));
      tcp.on("close", () => ws.close());
      tcp.on("error", (e) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(frame(1, Buffer.from(e.message)));
        ws.close();
      });
      ws.on("message", (raw: Buffer) => {
        if (raw.length === 0 || raw[0] !== 0) return;
        const data = raw.subarray(1);
        if (tcp.connecting) pending.push(Buffer.from(data));
        else tcp.write(data);
      });
      ws.on("close", () => tcp.destroy());
    });
  });

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    forwards,
    dropAll: () => {
      for (const ws of open) ws.terminate();
    },
    close: async () => {
      for (const ws of open) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
