// Scenarios more than one test file builds on.
import { Cluster, svcPort, tcp } from "./builders.ts";

export /** web → api (Service 8080 → named port http = 9000) → db, all in shop. */
function threeTier() {
  const c = new Cluster();
  const [web] = c.deployment("shop", "web", { app: "web" }, { ports: [tcp(8080, "http")] });
  const apis = c.deployment("shop", "api", { app: "api" }, { replicas: 2, ports: [tcp(9000, "http")] });
  const [db] = c.statefulSet("shop", "db", { app: "db" }, { ports: [tcp(5432, "pg")] });
  c.service("shop", "api", "10.96.1.20", { app: "api" }, [svcPort(8080, "http", "http")]);
  c.service("shop", "db", "10.96.1.30", { app: "db" }, [svcPort(5432, 5432)]);
  for (const a of apis) c.connect(web!, a, 9000, { dial: { ip: "10.96.1.20", port: 8080 }, times: 3 });
  for (const a of apis) c.connect(a, db!, 5432, { dial: { ip: "10.96.1.30", port: 5432 } });
  return { c, web: web!, apis, db: db! };
}
