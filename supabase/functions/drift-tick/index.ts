// drift-tick as a Supabase Edge Function: a thin forwarder to the driftworld service.
//
// The simulation is Python (driftworld); this function only passes the request (method, JSON body and
// the caller's bearer) to `${DRIFTWORLD_URL}/functions/v1/drift-tick` and returns the service's reply,
// so `supabase functions deploy drift-tick` and the original pg_cron job keep working unchanged.
// A GET returns the service's /health. No imports: Deno.serve and fetch suffice.
//
//   supabase secrets set DRIFTWORLD_URL=https://driftworld.example.com
//   supabase functions deploy drift-tick

const CORS_HEADERS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
  "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
};
const TICK_PATH = "/functions/v1/drift-tick";
const DEFAULT_TIMEOUT_MS = 150_000; // a long catch-up tick; Supabase ends functions at its own limit

function reply(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "Content-Type": "application/json" },
  });
}

function targetUrl(base: string, method: string): string {
  const root = base.trim().replace(/\/+$/, "");
  return method === "GET" ? `${root}/health` : `${root}${TICK_PATH}`;
}

async function forward(req: Request): Promise<Response> {
  if (req.method === "OPTIONS") {
    return new Response("ok", { status: 200, headers: CORS_HEADERS });
  }
  const base = Deno.env.get("DRIFTWORLD_URL");
  if (!base) {
    return reply(500, {
      ok: false,
      error: "DRIFTWORLD_URL is not set: `supabase secrets set DRIFTWORLD_URL=<the driftworld service URL>`",
    });
  }
  const target = targetUrl(base, req.method);
  const headers = new Headers({ "Content-Type": req.headers.get("content-type") ?? "application/json" });
  const authorization = req.headers.get("authorization");
  if (authorization) {
    headers.set("Authorization", authorization);
  }
  const timeoutMs = Number(Deno.env.get("DRIFTWORLD_TIMEOUT_MS") ?? DEFAULT_TIMEOUT_MS);
  try {
    const upstream = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await upstream.arrayBuffer();
    return new Response(body, {
      status: upstream.status,
      headers: { ...CORS_HEADERS, "Content-Type": upstream.headers.get("content-type") ?? "application/json" },
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return reply(502, { ok: false, error: `the driftworld service at ${target} did not answer: ${message}` });
  }
}

Deno.serve(forward);
