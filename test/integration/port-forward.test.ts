import { createServer, request } from "node:http";
import net from "node:net";
import { PassThrough, Writable } from "node:stream";
import { PortForward } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { WebSocket } from "ws";
import { type FakeKubelet, startFakeKubelet } from "../support/fake-kubelet.ts";
import { kubeConfig, Seeder, uniqueNs } from "./seed.ts";

let kubelet: FakeKubelet;
let backend: ReturnType<typeof createServer>;
let backendPort: number;
let seed: Seeder;
const ns = uniqueNs("pf");

beforeAll(async () => {
  backend = createServer((req, res) => res.end(`hello from ${req.url}`));
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  backendPort = (backend.address() as { port: number }).port;
  kubelet = await startFakeKubelet((namespace, pod, port) =>
    namespace === ns && pod === "broker-0" && port === 9090 ? { host: "127.0.0.1", port: backendPort } : undefined,
  );
  seed = new Seeder(kubeConfig(inject("kubeconfig")));
  await seed.namespace(ns);
  await seed.node(`kubelet-${ns}`, "127.0.0.1", kubelet.port);
  await seed.pod(ns, "broker-0", { app: "broker" }, { node: `kubelet-${ns}`, ports: [{ name: "http", containerPort: 9090 }] });
});

afterAll(async () => {
  await kubelet?.close();
  await new Promise<void>((r) => backend.close(() => r()));
});

/** A local listener whose connections each open a WebSocket port-forward, as kubectl port-forward does. */
async function forward(port: number): Promise<{ port: number; close: () => void }> {
  const pf = new PortForward(seed.kc);
  const local = net.createServer((socket) => {
    pf.portForward(ns, "broker-0", [port], socket, null, socket).catch((e) => socket.destroy(e));
  });
  await new Promise<void>((r) => local.listen(0, "127.0.0.1", r));
  return { port: (local.address() as { port: number }).port, close: () => local.close() };
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}

describe("port-forward through the real API server", () => {
  it("reaches a server behind the fake kubelet over WebSocket (v4.channel.k8s.io)", async () => {
    const f = await forward(9090);
    try {
      expect(await httpGet(f.port, "/health")).toBe("hello from /health");
      expect(await httpGet(f.port, "/pod/info")).toBe("hello from /pod/info");
      expect(kubelet.forwards.filter((x) => x === `${ns}/broker-0:9090`)).toHaveLength(2);
    } finally {
      f.close();
    }
  });

  it("reports a port the pod does not serve on the error channel, then closes", async () => {
    let errors = "";
    const err = new Writable({
      write(chunk, _enc, done) {
        errors += chunk;
        done();
      },
    });
    const ws = (await new PortForward(seed.kc).portForward(ns, "broker-0", [9999], new PassThrough(), err, new PassThrough())) as WebSocket;
    await new Promise<void>((r) => ws.once("close", () => r()));
    expect(errors).toBe(`pod ${ns}/broker-0 does not listen on port 9999`);
  });
});
