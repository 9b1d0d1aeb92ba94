// One case of the Node framework matrix against venice-mock: `node matrix.mjs CASE`, with
// VENICE_BASE_URL set. Exit status 0 and "ok CASE" when the case holds; otherwise the error.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { Output, embed, embedMany, generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const baseURL = process.env.VENICE_BASE_URL;
const apiKey = "framework-test-key";
const MODEL = "venice-uncensored";
const EMBEDDING = "text-embedding-bge-m3";
const sdk = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const venice = createOpenAI({ baseURL, apiKey });
const chat = venice.chat(MODEL); // the chat completions API: Venice has no Responses API

const City = z.object({ name: z.string(), country: z.string(), population: z.number().int().min(0) });
const Trip = z.object({ cities: z.array(City).min(2), days: z.number().int().min(1).max(30) });
const weatherInput = z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) });
const weather = ({ city, unit }) => `sunny in ${city}, 21 degrees ${unit}`;
const looksLikeAPlace = (value) => typeof value === "string" && /^[A-Z][a-z]+$/.test(value);
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "weather",
    description: "Current weather for a city.",
    parameters: z.toJSONSchema(weatherInput),
  },
};

const cases = {
  async "openai-chat"() {
    const completion = await sdk.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me about Paris" }],
    });
    assert.match(completion.choices[0].message.content, /paris/i);
    assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
  },
  async "openai-stream"() {
    const request = { model: MODEL, messages: [{ role: "user", content: "Tell me about Paris" }] };
    let joined = "";
    let chunks = 0;
    for await (const chunk of await sdk.chat.completions.create({ ...request, stream: true })) {
      joined += chunk.choices[0]?.delta?.content ?? "";
      chunks += 1;
    }
    assert.ok(chunks > 2);
    assert.equal(joined, (await sdk.chat.completions.create(request)).choices[0].message.content);
  },
  async "openai-tools"() {
    const messages = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await sdk.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL] });
    const [call] = first.choices[0].message.tool_calls;
    const args = JSON.parse(call.function.arguments);
    assert.equal(call.function.name, "weather");
    assert.ok(looksLikeAPlace(args.city), args.city);
    const result = weather(weatherInput.parse(args));
    messages.push(first.choices[0].message, { role: "tool", tool_call_id: call.id, content: result });
    const final = await sdk.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL] });
    assert.deepEqual(final.choices[0].message.tool_calls ?? [], []);
    assert.ok(final.choices[0].message.content.includes(result));
  },
  async "openai-embeddings"() {
    const response = await sdk.embeddings.create({ model: EMBEDDING, input: ["canals", "bridges"] });
    const [first, second] = response.data.map((d) => d.embedding);
    assert.ok(first.length > 0 && first.length === second.length);
    assert.notDeepEqual(first, second);
  },
  async "ai-generateText"() {
    const { text, usage } = await generateText({ model: chat, prompt: "Tell me about Paris" });
    assert.match(text, /paris/i);
    assert.ok(usage.totalTokens > 0);
  },
  async "ai-streamText"() {
    const result = streamText({ model: chat, prompt: "Tell me about Paris" });
    const parts = [];
    for await (const part of result.textStream) parts.push(part);
    assert.ok(parts.length > 2);
    assert.equal(parts.join(""), (await generateText({ model: chat, prompt: "Tell me about Paris" })).text);
  },
  async "ai-generateObject"() {
    const { object } = await generateObject({ model: chat, schema: Trip, prompt: "Plan a trip through Italy" });
    Trip.parse(object);
  },
  async "ai-output-object"() {
    // generateText with an output setting: the AI SDK's successor of generateObject.
    const { output } = await generateText({ model: chat, output: Output.object({ schema: Trip }), prompt: "Plan a trip through Italy" });
    Trip.parse(output);
  },
  async "ai-tools"() {
    const result = await generateText({
      model: chat,
      prompt: "What is the weather in Paris?",
      tools: { weather: tool({ description: "Current weather for a city.", inputSchema: weatherInput, execute: weather }) },
      stopWhen: stepCountIs(3),
    });
    const calls = result.steps.flatMap((s) => s.toolCalls);
    assert.equal(calls.length, 1);
    assert.ok(looksLikeAPlace(calls[0].input.city), calls[0].input.city);
    const outputs = result.steps.flatMap((s) => s.toolResults).map((r) => r.output);
    assert.deepEqual(outputs, [weather(calls[0].input)]);
    assert.ok(result.text.includes(outputs[0]), result.text); // the loop ended in text using it
  },
  async "ai-embed"() {
    const model = venice.embedding(EMBEDDING);
    const { embedding } = await embed({ model, value: "canals" });
    const { embeddings } = await embedMany({ model, values: ["canals", "bridges"] });
    assert.ok(embedding.length > 0);
    assert.deepEqual(embeddings[0], embedding); // the same text, the same vector
    assert.notDeepEqual(embeddings[1], embedding);
  },
  async "ai-error-shape"() {
    // Venice's error body is {"error": "...", "details": ...}, not OpenAI's {"error": {"message"}}:
    // the AI SDK then reports only the HTTP status text; the body is still on the error.
    await assert.rejects(generateText({ model: venice.chat("no-such-model"), prompt: "Hi", maxRetries: 0 }), (error) => {
      assert.equal(error.statusCode, 400);
      assert.equal(error.message, "Bad Request");
      assert.match(JSON.parse(error.responseBody).error, /no-such-model/);
      return true;
    });
  },
};

const name = process.argv[2];
if (name === "--list") {
  console.log(Object.keys(cases).join("\n"));
} else if (!(name in cases)) {
  console.error(`unknown case ${name}; known: ${Object.keys(cases).join(", ")}`);
  process.exit(2);
} else {
  await cases[name]();
  console.log(`ok ${name}`);
}
