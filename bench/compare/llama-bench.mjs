#!/usr/bin/env node
// Measures llama.cpp's prefill and decode speed on a GGUF file the way llama-bench does, through the
// prebuilt CPU binaries that the node-llama-cpp package ships (nothing is compiled or downloaded at
// run time), and prints one JSON object. `jinfer bench --compare` drives it; see README.md here.
//
//   pp: one batch of p random tokens into an empty context (logits of the last one);
//   tg: n tokens one at a time into an empty context (logits of each), as llama-bench's tg test.
// Each is timed R times after one warm-up run of each; the median and every run are reported.
//
// Exit codes: 0 ok, 2 bad usage, 3 node-llama-cpp missing (run `npm install` here), 1 anything else.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import {fileURLToPath, pathToFileURL} from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INSTALL_HINT = `cd ${path.relative(process.cwd(), HERE) || "."} && npm install`;

const USAGE = `usage: node llama-bench.mjs --model FILE [--threads N] [-p 128] [-n 64] [--reps 3]
       [--seed 1234] [--cpu-variant auto|haswell|...] [--flash-attention off|on|auto]
       node llama-bench.mjs --check [--cpu-variant V]     (is node-llama-cpp installed? exit 0/3)
       node llama-bench.mjs --list-variants               (the CPU builds node-llama-cpp ships)

--cpu-variant  auto (default) lets ggml load the best CPU build for this machine; a name (e.g.
               haswell = AVX2/FMA, no AVX-512) loads only that build, from a hard-linked copy of
               node_modules under .variants/ in which the other libggml-cpu-* files are left out
               (node-llama-cpp 3.22.1 has no option to choose the build).`;

function fail(code, message) {
    process.stderr.write(`llama-bench.mjs: ${message}\n`);
    process.exit(code);
}

function parseArgs(argv) {
    const o = {threads: 2, p: 128, n: 64, reps: 3, seed: 1234, cpuVariant: "auto", flashAttention: "off"};
    const ints = {"--threads": "threads", "-p": "p", "-n": "n", "--reps": "reps", "--seed": "seed"};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) fail(2, `${a} needs a value\n${USAGE}`);
            return argv[++i];
        };
        if (a === "--help" || a === "-h") { process.stdout.write(USAGE + "\n"); process.exit(0); }
        else if (a === "--check") o.check = true;
        else if (a === "--list-variants") o.list = true;
        else if (a === "--model") o.model = value();
        else if (a === "--cpu-variant") o.cpuVariant = value();
        else if (a === "--flash-attention") o.flashAttention = value();
        else if (a in ints) {
            const v = value();
            if (!/^\d+$/.test(v)) fail(2, `${a}: expected a whole number, got '${v}'`);
            o[ints[a]] = Number(v);
        } else fail(2, `unknown option '${a}'\n${USAGE}`);
    }
    if (!["off", "on", "auto"].includes(o.flashAttention)) fail(2, `--flash-attention: off, on or auto, got '${o.flashAttention}'`);
    if (!/^[a-z0-9_]+$/.test(o.cpuVariant)) fail(2, `--cpu-variant: a build name such as haswell, got '${o.cpuVariant}'`);
    if (o.check || o.list) return o;
    if (!o.model) fail(2, `--model is required\n${USAGE}`);
    if (!fs.existsSync(o.model)) fail(2, `model file not found: ${o.model}`);
    if (o.threads < 1 || o.p < 1 || o.n < 1 || o.reps < 1) fail(2, "--threads, -p, -n and --reps must be >= 1");
    return o;
}

const CPU_LIB = /^(?:lib)?ggml-cpu-([a-z0-9_]+)\.(?:so|dll|dylib)$/;

/** The directories of node-llama-cpp's prebuilt binaries that hold libggml-cpu-* variants, under root. */
function binDirs(root) {
    const scope = path.join(root, "node_modules", "@node-llama-cpp");
    if (!fs.existsSync(scope)) return [];
    const dirs = [];
    for (const pkg of fs.readdirSync(scope)) {
        const bins = path.join(scope, pkg, "bins");
        if (!fs.existsSync(bins)) continue;
        for (const d of fs.readdirSync(bins)) {
            const dir = path.join(bins, d);
            if (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).some((f) => CPU_LIB.test(f))) dirs.push(dir);
        }
    }
    return dirs;
}

function variantsIn(dir) {
    return fs.readdirSync(dir).map((f) => CPU_LIB.exec(f)?.[1]).filter(Boolean).sort();
}

function packageVersion(root) {
    const p = path.join(root, "node_modules", "node-llama-cpp", "package.json");
    return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, "utf8")).version : null;
}

/** Recreates src under dst with hard links (a copy where linking fails), keeping symbolic links as links. */
function linkTree(src, dst) {
    fs.mkdirSync(dst, {recursive: true});
    for (const e of fs.readdirSync(src, {withFileTypes: true})) {
        const s = path.join(src, e.name), d = path.join(dst, e.name);
        if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
        else if (e.isDirectory()) linkTree(s, d);
        else {
            try { fs.linkSync(s, d); } catch { fs.copyFileSync(s, d); }
        }
    }
}

/**
 * A root whose node_modules loads only the given CPU build: ggml picks the best libggml-cpu-* it finds
 * next to the addon, so the copy holds only the one asked for. Made once; reused while the installed
 * node-llama-cpp version is the same.
 */
function variantRoot(variant) {
    const version = packageVersion(HERE);
    const root = path.join(HERE, ".variants", variant);
    const stamp = path.join(root, ".complete");
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === version) return root;
    const dirs = binDirs(HERE);
    const available = [...new Set(dirs.flatMap(variantsIn))];
    if (!available.includes(variant)) {
        fail(2, `--cpu-variant ${variant}: node-llama-cpp ships ${available.join(", ") || "no CPU variants"} here`);
    }
    fs.rmSync(root, {recursive: true, force: true});
    linkTree(path.join(HERE, "node_modules"), path.join(root, "node_modules"));
    for (const dir of binDirs(root)) {
        for (const f of fs.readdirSync(dir)) {
            const m = CPU_LIB.exec(f);
            if (m && m[1] !== variant) fs.rmSync(path.join(dir, f));
        }
    }
    fs.writeFileSync(stamp, version);
    return root;
}

async function importNodeLlamaCpp(root) {
    const entry = path.join(root, "node_modules", "node-llama-cpp", "dist", "index.js");
    if (!fs.existsSync(entry)) {
        fail(3, `node-llama-cpp is not installed in ${HERE}; install it (it ships prebuilt llama.cpp `
            + `binaries, no compiler needed) with:  ${INSTALL_HINT}`);
    }
    return import(pathToFileURL(entry).href);
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    if (o.list) {
        const dirs = binDirs(HERE);
        if (dirs.length === 0) fail(3, `node-llama-cpp is not installed in ${HERE}: ${INSTALL_HINT}`);
        process.stdout.write(JSON.stringify({variants: [...new Set(dirs.flatMap(variantsIn))]}) + "\n");
        return;
    }
    if (!packageVersion(HERE)) {
        fail(3, `node-llama-cpp is not installed in ${HERE}; install it (it ships prebuilt llama.cpp `
            + `binaries, no compiler needed) with:  ${INSTALL_HINT}`);
    }
    const root = o.cpuVariant === "auto" ? HERE : variantRoot(o.cpuVariant);
    const {getLlama, LlamaLogLevel} = await importNodeLlamaCpp(root);
    if (o.check) {
        process.stdout.write(JSON.stringify({ok: true, node_llama_cpp: packageVersion(HERE)}) + "\n");
        return;
    }

    let loadedFrom = null;
    const logger = (level, message) => {
        const m = /loaded CPU backend from (.+)$/.exec(message.trim());
        if (m) loadedFrom = m[1];
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) process.stderr.write(`llama.cpp: ${message}\n`);
    };
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.debug, logger,
        maxThreads: o.threads, progressLogs: false});
    const t0 = performance.now();
    const model = await llama.loadModel({modelPath: o.model, gpuLayers: 0, useMmap: true});
    const loadMs = performance.now() - t0;
    const context = await model.createContext({
        contextSize: o.p + o.n + 16,
        batchSize: Math.max(o.p, 512),
        threads: o.threads,
        sequences: 1,
        ...(o.flashAttention === "auto" ? {} : {flashAttention: o.flashAttention === "on"}),
    });
    const seq = context.getSequence();
    // The vocabulary size bounds the random token ids: the embedding table's row count.
    const embd = (model.fileInfo.fullTensorInfo ?? model.fileInfo.tensorInfo ?? []).find((t) => t.name === "token_embd.weight");
    const vocab = Number(embd?.dimensions?.[1] ?? model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 0);
    if (!(vocab > 0)) fail(1, `cannot tell the vocabulary size of ${o.model}`);
    let state = BigInt(o.seed) || 1n;
    const randomToken = () => {
        // xorshift64: reproducible random token ids (their values do not change the work done).
        state ^= (state << 13n) & 0xffffffffffffffffn;
        state ^= state >> 7n;
        state ^= (state << 17n) & 0xffffffffffffffffn;
        return Number(state % BigInt(vocab));
    };
    // Requesting the next token makes llama.cpp compute the last position's logits, as llama-bench's
    // batches do; greedy sampling of it costs next to nothing.
    const next = {generateNext: {token: true, options: {temperature: 0}}};

    async function pp() {
        await seq.clearHistory();
        const tokens = Array.from({length: o.p}, randomToken);
        const input = tokens.map((t, i) => (i === tokens.length - 1 ? [t, next] : t));
        const start = performance.now();
        await seq.controlledEvaluate(input);
        return o.p / ((performance.now() - start) / 1000);
    }

    async function tg() {
        await seq.clearHistory();
        const start = performance.now();
        for (let i = 0; i < o.n; i++) await seq.controlledEvaluate([[randomToken(), next]]);
        return o.n / ((performance.now() - start) / 1000);
    }

    await pp();
    await seq.clearHistory();
    await seq.controlledEvaluate([[randomToken(), next]]);
    const prefill = [], decode = [];
    for (let r = 0; r < o.reps; r++) prefill.push(await pp());
    for (let r = 0; r < o.reps; r++) decode.push(await tg());

    const variant = loadedFrom ? CPU_LIB.exec(path.basename(loadedFrom))?.[1] ?? path.basename(loadedFrom) : null;
    const result = {
        engine: "llama.cpp",
        node_llama_cpp: packageVersion(HERE),
        llama_cpp_release: llama.llamaCppRelease?.release ?? null,
        requested_cpu_variant: o.cpuVariant,
        cpu_variant: variant,
        cpu_backend_library: loadedFrom,
        system_info: llama.systemInfo.trim(),
        model: o.model,
        threads: o.threads,
        p: o.p,
        n: o.n,
        reps: o.reps,
        seed: o.seed,
        flash_attention: o.flashAttention,
        load_ms: Math.round(loadMs),
        prefill_tokens_per_s: median(prefill),
        decode_tokens_per_s: median(decode),
        prefill_runs: prefill,
        decode_runs: decode,
        cpus: os.cpus().length,
        loadavg: os.loadavg(),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
    await context.dispose();
    await model.dispose();
    await llama.dispose();
}

main().then(() => process.exit(0), (e) => fail(1, e?.stack ?? String(e)));
