// Prints llama.cpp's logits for a golden file's token sequence and their max |diff| from it, per step.
// Run from a scratch dir holding `npm install node-llama-cpp@3.22.1` (outside the repo).
// To force an instruction-set build, delete the other libggml-cpu-*.so of @node-llama-cpp/linux-x64/bins.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import fs from "fs";
// usage: node run.mjs model golden.json [threads] [batchSize] [mode: teacher|allbatch] [out.json]
const [model, golden, threads="2", batch="512", mode="teacher", out, fa="0", ctxs="256"] = process.argv.slice(2);
const g = JSON.parse(fs.readFileSync(golden));
const llama = await getLlama({gpu:false, logLevel: LlamaLogLevel.warn, build:"never"});
const m = await llama.loadModel({modelPath: model, gpuLayers:0, useMmap:true});
const ctx = await m.createContext({contextSize:+ctxs, threads:+threads, batchSize:+batch, sequences:1, ...(fa==="d" ? {} : {flashAttention: fa==="1"})});
const seq = ctx.getSequence();
const nv = g.n_vocab;
function toArr(map){ const a=new Float64Array(nv); for (const [k,v] of map) a[k]=v; return a;}
const steps = g.greedy.length;
const toks = [...g.prompt_tokens];
for (let k=0;k<steps-1;k++) toks.push(g.greedy[k].token);
let results=[];
const P = g.prompt_tokens.length;
if (mode==="teacher") {
  const r = await seq.controlledEvaluate(g.prompt_tokens.map((t,i)=> i===P-1 ? [t,{generateNext:{logits:true}}] : t));
  results.push(toArr(r[P-1].next.logits));
  for (let k=0;k<steps-1;k++){
    const r2 = await seq.controlledEvaluate([[g.greedy[k].token,{generateNext:{logits:true}}]]);
    results.push(toArr(r2[0].next.logits));
  }
} else if (mode==="scratch") {
  for (let k=0;k<steps;k++){ await seq.clearHistory(); const sub=toks.slice(0,P+k); const r=await seq.controlledEvaluate(sub.map((t,i)=> i===sub.length-1 ? [t,{generateNext:{logits:true}}] : t)); results.push(toArr(r[sub.length-1].next.logits)); }
} else {
  const r = await seq.controlledEvaluate(toks.map((t,i)=> i>=P-1 ? [t,{generateNext:{logits:true}}] : t));
  for (let i=P-1;i<toks.length;i++) results.push(toArr(r[i].next.logits));
}
let maxd=0, perStep=[];
for (let k=0;k<steps;k++){ let d=0; const L=g.greedy[k].logits; for(let i=0;i<nv;i++) d=Math.max(d,Math.abs(L[i]-results[k][i])); perStep.push(d.toExponential(2)); maxd=Math.max(maxd,d);}
console.log(model.split('/').pop(), "threads",threads,"batch",batch,mode,"fa",fa,"ctx",ctxs,"max|d| vs golden", maxd.toExponential(3), perStep.join(' '));
if (out) fs.writeFileSync(out, JSON.stringify(results.map(a=>Array.from(a))));
process.exit(0);
