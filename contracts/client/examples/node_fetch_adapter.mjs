// A Venice client on Node's built-in fetch, wrapped as a client-suite adapter.
// Protocol: one JSON request per line on stdin, one JSON result per line on stdout.
//   venice-contracts client --adapter "exec:node node_fetch_adapter.mjs"
import { createInterface } from "node:readline";

// The client: routes known by heart, JSON in, JSON / events / bytes out, errors thrown.
const ROUTES = {
  createChatCompletion: ["POST", "/chat/completions"],
  generateImage: ["POST", "/image/generate"],
  simpleGenerateImage: ["POST", "/images/generations"],
  getImageStyles: ["GET", "/image/styles"],
  upscaleImage: ["POST", "/image/upscale"],
  editImage: ["POST", "/image/edit"],
  listModels: ["GET", "/models"],
  listModelTraits: ["GET", "/models/traits"],
  listModelCompatibilityMapping: ["GET", "/models/compatibility_mapping"],
  getApiKeys: ["GET", "/api_keys"],
  createApiKey: ["POST", "/api_keys"],
  deleteApiKey: ["DELETE", "/api_keys"],
  getApiKeyRateLimits: ["GET", "/api_keys/rate_limits"],
  getApiKeyRateLimitLogs: ["GET", "/api_keys/rate_limits/log"],
  getApiKeyGenerateWeb3Key: ["GET", "/api_keys/generate_web3_key"],
  postApiKeyGenerateWeb3Key: ["POST", "/api_keys/generate_web3_key"],
  listCharacters: ["GET", "/characters"],
  createEmbedding: ["POST", "/embeddings"],
  createSpeech: ["POST", "/audio/speech"],
  getBillingUsage: ["GET", "/billing/usage"],
};

class VeniceError extends Error {
  constructor(status, message) {
    super(`${status}: ${message}`);
    this.name = "VeniceError";
    this.status = status;
  }
}

const queryText = (value) => (typeof value === "string" ? value : JSON.stringify(value));

// The `data:` payloads of an event stream, as they complete; throws if it ends before [DONE].
async function* events(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""));
      if (data.length === 0) continue;
      if (data.join("\n") === "[DONE]") return;
      yield JSON.parse(data.join("\n"));
    }
  }
  throw new Error("the event stream ended without data: [DONE]");
}

async function request(baseUrl, apiKey, timeout, operation, args) {
  const [method, template] = ROUTES[operation];
  const path = template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(String(args.path[name])));
  const url = new URL(baseUrl.replace(/\/$/, "") + path);
  for (const [name, value] of Object.entries(args.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, queryText(item));
  }
  const headers = { Authorization: `Bearer ${apiKey}`, ...(args.headers ?? {}) };
  const init = { method, headers, signal: AbortSignal.timeout(timeout * 1000) };
  if ("body" in args) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(args.body);
  }
  const response = await fetch(url, init);
  const type = (response.headers.get("content-type") ?? "").split(";")[0].trim();
  if (response.status >= 400) {
    const text = await response.text();
    let message = text;
    try {
      message = JSON.parse(text).error ?? text;
    } catch {}
    throw new VeniceError(response.status, message);
  }
  if (type === "text/event-stream") {
    const received = [];
    for await (const event of events(response.body)) received.push(event);
    return { events: received };
  }
  if (type === "application/json" || type.endsWith("+json")) return { value: JSON.parse(await response.text()) };
  if (type.startsWith("text/")) return { value: await response.text() };
  return { binary: Buffer.from(await response.arrayBuffer()).toString("base64") };
}

// The adapter: one line in, one line out, in order.
for await (const line of createInterface({ input: process.stdin })) {
  const { operation, arguments: args, base_url, api_key, timeout } = JSON.parse(line);
  let answer;
  if (!(operation in ROUTES)) {
    answer = { unsupported: true };
  } else {
    try {
      answer = { ok: true, ...(await request(base_url, api_key, timeout, operation, args)) };
    } catch (error) {
      answer = { ok: false, error: { type: error.name, message: String(error.message), status: error.status } };
    }
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
