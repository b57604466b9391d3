# float32-faithful emulation of llama.cpp AVX2 for a pure Q8_0 llama model (FA on)
import sys, json, numpy as np, gguf
from ggml_emulation import F32, f16, Model, fa_ggml
import ggml_emulation as fwd
def fma32(a,b,c): return (a.astype(np.float64)*b.astype(np.float64)+c.astype(np.float64)).astype(F32)

class Q8W:
    def __init__(s, raw):
        rows=raw.shape[0]; nb=raw.shape[1]//34; b=raw.reshape(rows,nb,34)
        s.d=b[:,:,:2].copy().view(np.float16).reshape(rows,nb).astype(F32)
        s.q=b[:,:,2:].copy().view(np.int8).astype(np.int32)  # rows,nb,32
def quant_q8_0(x):
    s=x.reshape(-1,32); amax=np.abs(s).max(1)
    d=(amax/F32(127)).astype(F32); idv=np.where(amax!=0,F32(127)/np.where(amax==0,1,amax),0).astype(F32)
    q=np.rint((s*idv[:,None]).astype(F32)).astype(np.int32)
    return f16(d), q
def hsum8(v):  # v [...,8]
    a=(v[...,4:]+v[...,:4]).astype(F32)          # lanes 0..3
    b=(a[...,0:2]+a[...,2:4]).astype(F32)         # movehl
    return (b[...,0]+b[...,1]).astype(F32)        # movehdup + add_ss
def mm_q8(W,x):
    da,qa=quant_q8_0(x)                           # nb, [nb,32]
    rows,nb,_=W.q.shape
    acc=np.zeros((rows,8),F32)
    for ib in range(nb):
        prod=(W.q[:,ib,:]*qa[ib][None,:]).reshape(rows,8,4).sum(2).astype(F32)
        d=(W.d[:,ib]*da[ib]).astype(F32)
        acc=fma32(np.broadcast_to(d[:,None],acc.shape),prod,acc)
    return hsum8(acc)
def rms_ggml(x,w,eps):
    x=x.astype(F32); ssum=np.sum((x*x).astype(F32).astype(np.float64))  # sequential double sum (order ~ irrelevant in double)
    mean=F32(ssum/x.shape[-1]); scale=F32(1.0)/F32(np.sqrt(F32(mean+F32(eps))))
    return ((x*scale).astype(F32)*w).astype(F32)
def rope_ggml(x,pos,hd,base):
    ts=F32(np.power(F32(base),F32(-2.0)/F32(hd),dtype=F32)); th=F32(pos); c=[];sn=[]
    for i in range(hd//2):
        c.append(F32(np.cos(np.float64(th)))); sn.append(F32(np.sin(np.float64(th)))); th=F32(th*ts)
    c=np.array(c,F32); sn=np.array(sn,F32); y=x.copy(); a=x[:,0::2]; b=x[:,1::2]
    y[:,0::2]=(a*c).astype(F32)-(b*sn).astype(F32); y[:,1::2]=(a*sn).astype(F32)+(b*c).astype(F32)
    return y.astype(F32)
def run(path,tokens,first):
    m=Model(path); r=gguf.GGUFReader(path); raw={t.name:t.data for t in r.tensors}
    W={n:Q8W(raw[n]) for n in raw if m.ty[n]=='Q8_0' and n!='token_embd.weight'}
    K=[[] for _ in range(m.L)]; V=[[] for _ in range(m.L)]; out=[]; rep=m.H//m.KVH; sc=F32(1/np.sqrt(m.hd))
    for pos,tok in enumerate(tokens):
        x=m.t['token_embd.weight'][tok].astype(F32)
        for l in range(m.L):
            p=f'blk.{l}.'; h=rms_ggml(x,m.t[p+'attn_norm.weight'],m.eps)
            q=mm_q8(W[p+'attn_q.weight'],h).reshape(m.H,m.hd); k=mm_q8(W[p+'attn_k.weight'],h).reshape(m.KVH,m.hd); v=mm_q8(W[p+'attn_v.weight'],h).reshape(m.KVH,m.hd)
            q=rope_ggml(q,pos,m.hd,m.base); k=rope_ggml(k,pos,m.hd,m.base)
            K[l].append(f16(k)); V[l].append(f16(v))
            o=fa_ggml(q,np.stack(K[l],1),np.stack(V[l],1),rep,sc)
            x=(x+mm_q8(W[p+'attn_output.weight'],o.reshape(-1))).astype(F32)
            h=rms_ggml(x,m.t[p+'ffn_norm.weight'],m.eps)
            g=mm_q8(W[p+'ffn_gate.weight'],h); u=mm_q8(W[p+'ffn_up.weight'],h)
            a=((g/(F32(1)+np.exp(-g.astype(np.float64)).astype(F32))).astype(F32)*u).astype(F32)
            x=(x+mm_q8(W[p+'ffn_down.weight'],a)).astype(F32)
        if pos>=first: out.append(mm_q8(W['output.weight'],rms_ggml(x,m.t['output_norm.weight'],m.eps)))
    return np.array(out)
if __name__=='__main__':
    name=sys.argv[1]
    for p in ['p1','p2','p3']:
        g=json.load(open(f'/work/shared/golden/{name}.{p}.json'))
        toks=g['prompt_tokens']+[s['token'] for s in g['greedy']][:-1]; P=len(g['prompt_tokens'])
        gold=np.array([s['logits'] for s in g['greedy']])
        d=np.abs(run(f'/work/shared/models/{name}.gguf',toks,P-1)-gold).max(1)
        print(name,p,f'max {d.max():.4f} exact {(d<1e-4).sum()}/16', ''.join('.' if x<1e-4 else 'X' for x in d), flush=True)
