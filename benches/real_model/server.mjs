// A small OpenAI-compatible chat server over llama.cpp (the npm package node-llama-cpp, which
// ships a prebuilt llama.cpp for linux-x64), for the real-model benchmark when llama.cpp's own
// server cannot be built in time. It takes what Dana sends: messages, max_tokens, temperature,
// seed, stop, stream (server-sent events), llama.cpp's `grammar` (GBNF) and `response_format`
// with a JSON Schema; it answers `GET /props` as llama.cpp's server does, so that
// `constrained = "auto"` picks the grammar. One request at a time; a client that hangs up
// stops its generation.
//
//   node server.mjs MODEL.gguf PORT
import http from "node:http";
import {getLlama, LlamaChatSession} from "node-llama-cpp";

const [modelPath, port] = [process.argv[2], Number(process.argv[3] || 8089)];
const llama = await getLlama({gpu: false, build: "never"});
const model = await llama.loadModel({modelPath});
// THREADS=1 helps on a loaded machine, where spinning threads wait on each other.
const context = await model.createContext({contextSize: 4096, threads: Number(process.env.THREADS) || undefined});
let queue = Promise.resolve();

function send(res, status, body) {
    res.writeHead(status, {"content-type": "application/json"});
    res.end(JSON.stringify(body));
}

async function complete(req, res, body) {
    const messages = body.messages || [];
    const system = messages.filter(m => m.role === "system").map(m => m.content).join("\n\n");
    const user = messages.filter(m => m.role !== "system").map(m => m.content).join("\n\n");
    let grammar;
    try {
        if (body.grammar) grammar = await llama.createGrammar({grammar: body.grammar});
        else if (body.response_format && body.response_format.json_schema)
            grammar = await llama.createGrammarForJsonSchema(body.response_format.json_schema.schema);
    } catch (e) {
        return send(res, 400, {error: {message: `${body.grammar ? "grammar" : "response_format"} not supported: ${e.message}`}});
    }
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const stream = body.stream === true;
    if (stream) res.writeHead(200, {"content-type": "text/event-stream"});
    const sequence = context.getSequence();
    const session = new LlamaChatSession({contextSequence: sequence, systemPrompt: system || undefined});
    let text = "";
    try {
        text = await session.prompt(user, {
            maxTokens: body.max_tokens || 512,
            temperature: body.temperature ?? 0.1,
            seed: body.seed,
            grammar,
            customStopTriggers: body.stop && body.stop.length ? body.stop : undefined,
            signal: abort.signal,
            stopOnAbortSignal: true,
            onTextChunk: chunk => {
                if (stream && !res.writableEnded)
                    res.write(`data: ${JSON.stringify({model: "smollm2", choices: [{index: 0, delta: {content: chunk}}]})}\n\n`);
            },
        });
    } catch (e) {
        if (!stream) return send(res, 500, {error: {message: String(e.message || e)}});
    } finally {
        session.dispose();
        sequence.dispose();
    }
    if (stream) {
        if (!res.writableEnded) res.end("data: [DONE]\n\n");
    } else {
        send(res, 200, {model: "smollm2", choices: [{index: 0, message: {role: "assistant", content: text}, finish_reason: "stop"}]});
    }
}

http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/props") return send(res, 200, {default_generation_settings: {}});
    if (req.method === "GET" && req.url === "/v1/models")
        return send(res, 200, {object: "list", data: [{id: "smollm2", object: "model", owned_by: "llamacpp"}]});
    if (req.method !== "POST" || req.url !== "/v1/chat/completions")
        return send(res, 404, {error: {message: "not found"}});
    let raw = "";
    req.on("data", d => raw += d);
    req.on("end", () => {
        let body;
        try { body = JSON.parse(raw); } catch { return send(res, 400, {error: {message: "the body is not JSON"}}); }
        queue = queue.then(() => complete(req, res, body)).catch(() => {});
    });
}).listen(port, "127.0.0.1", () => console.error(`listening on 127.0.0.1:${port}`));
