# numpy emulation of llama.cpp's CPU arithmetic for the synthetic llama models (needs numpy and the gguf
# python package). run(m, tokens, act=f32|q8, kv=f32|f16, attn=f32|plain|ggml): act=q8 rounds every matmul input
# through the activation format ggml pairs with the weight; attn=plain is llama.cpp without flash attention (F16 Q,
# F16 probabilities), attn=ggml its CPU flash-attention kernel (F16 Q, F16 running V accumulator).
import sys, json, numpy as np, gguf
from gguf import quants

F32=np.float32
def f16(x): return np.asarray(x,F32).astype(np.float16).astype(F32)
def bf16(x):
    b=np.asarray(x,F32).view(np.uint32).astype(np.uint64)
    b=((b + 0x7fff + ((b>>16)&1))>>16)<<16
    return b.astype(np.uint32).view(F32)

def q8_0(x):
    x=np.asarray(x,F32); s=x.reshape(-1,32)
    amax=np.abs(s).max(1,keepdims=True)
    d=amax/F32(127)
    idv=np.where(amax!=0, F32(127)/np.where(amax==0,1,amax), 0).astype(F32)
    q=np.rint(s*idv)
    return (q*f16(d)).reshape(x.shape).astype(F32)

def q8_K(x):
    x=np.asarray(x,F32); s=x.reshape(-1,256)
    i=np.abs(s).argmax(1); mx=s[np.arange(len(s)),i][:,None]
    iscale=np.where(mx!=0, F32(-127)/np.where(mx==0,1,mx),0).astype(F32)
    q=np.minimum(127,np.rint(iscale*s))
    d=np.where(mx!=0, F32(1)/np.where(iscale==0,1,iscale),0).astype(F32)
    return (q*d).reshape(x.shape).astype(F32)

PAIR={'F16':'f16','BF16':'bf16','Q4_0':'q8_0','Q4_1':'q8_1','Q5_0':'q8_0','Q5_1':'q8_1','Q8_0':'q8_0','IQ4_NL':'q8_0','MXFP4':'q8_0',
      'Q2_K':'q8_K','Q3_K':'q8_K','Q4_K':'q8_K','Q5_K':'q8_K','Q6_K':'q8_K','IQ4_XS':'q8_K'}
def q8_1(x):  # values same as q8_0 (d = amax/127), s carries sum
    x=np.asarray(x,F32); s=x.reshape(-1,32)
    amax=np.abs(s).max(1,keepdims=True); d=amax/F32(127)
    idv=np.where(amax!=0, F32(127)/np.where(amax==0,1,amax), 0).astype(F32)
    q=np.rint(s*idv)
    return (q*f16(d)).reshape(x.shape).astype(F32)   # like Q8_0 (d stored as F16); not checked against llama.cpp
ROUND={'f16':f16,'bf16':bf16,'q8_0':q8_0,'q8_1':q8_1,'q8_K':q8_K}

class Model:
    def __init__(s, path):
        r=gguf.GGUFReader(path); s.t={}; s.ty={}
        for t in r.tensors:
            a=quants.dequantize(t.data, t.tensor_type).astype(F32)
            s.t[t.name]=a.reshape([int(v) for v in reversed(t.shape)] if a.ndim>1 or len(t.shape)>1 else a.shape)
            s.ty[t.name]=t.tensor_type.name
        f=r.fields
        def g(k): v=f[k]; return v.parts[v.data[0]][0]
        arch=bytes(f['general.architecture'].parts[f['general.architecture'].data[0]]).decode(); s.arch=arch
        s.dim=int(g(f'{arch}.embedding_length')); s.L=int(g(f'{arch}.block_count')); s.H=int(g(f'{arch}.attention.head_count'))
        s.KVH=int(g(f'{arch}.attention.head_count_kv')); s.eps=float(g(f'{arch}.attention.layer_norm_rms_epsilon'))
        s.base=float(g(f'{arch}.rope.freq_base')); s.hd=s.dim//s.H
        s.neox = arch in ('qwen2','qwen3')

def rms(x,w,eps):
    x=x.astype(F32); ms=(x.astype(np.float64)**2).mean(-1,keepdims=True)
    return (x*(1/np.sqrt(ms+eps)).astype(F32)*w).astype(F32)

def rope(x,pos,hd,base,neox):
    # x [heads, hd]
    i=np.arange(hd//2); theta=pos*base**(-2*i/hd)
    c=np.cos(theta).astype(F32); sn=np.sin(theta).astype(F32)
    y=x.copy()
    if neox: a=x[:,:hd//2]; b=x[:,hd//2:]; y[:,:hd//2]=a*c-b*sn; y[:,hd//2:]=a*sn+b*c
    else: a=x[:,0::2]; b=x[:,1::2]; y[:,0::2]=a*c-b*sn; y[:,1::2]=a*sn+b*c
    return y

def fa_ggml(q,Ks,Vs,rep,scale):
    H,hd=q.shape; T=Ks.shape[1]
    out=np.zeros((H,hd),F32)
    for hh in range(H):
        g=hh//rep; qq=f16(q[hh])
        S=F32(0); M=F32(-np.inf); acc=np.zeros(hd,np.float16)
        for ic in range(T):
            s=F32(np.dot(Ks[g,ic].astype(np.float64),qq.astype(np.float64)))*scale
            ms=F32(1); vs=F32(1)
            if s>M:
                Mold=M; M=s; ms=F32(np.exp(F32(Mold-M))) if Mold!=-np.inf else F32(0)
                acc=(acc.astype(F32)*ms).astype(np.float16)
            else:
                vs=F32(np.exp(F32(s-M)))
            acc=(np.asarray(Vs[g,ic],F32)*vs+acc.astype(F32)).astype(np.float16)
            S=F32(S*ms+vs)
        out[hh]=acc.astype(F32)*(F32(1)/S if S!=0 else F32(0))
    return out

NOISE=[0.0]; RNG=np.random.default_rng(1)
def run(m, tokens, act='q8', kv='f16', attn='fa', first=0):
    """act: 'f32' or 'q8' (llama.cpp's paired activation format); attn: 'fa' | 'plain' | 'f32'"""
    def mm(name,x):
        W=m.t[name]; ty=m.ty[name]
        if NOISE[0]: x=(x*(1+NOISE[0]*RNG.standard_normal(x.shape))).astype(F32)
        if act!='f32' and ty in PAIR: x=ROUND[PAIR[ty]](x)
        return (W.astype(np.float64)@x.astype(np.float64)).astype(F32)
    K=[[] for _ in range(m.L)]; V=[[] for _ in range(m.L)]
    out=[]
    rep=m.H//m.KVH
    for pos,tok in enumerate(tokens):
        x=m.t['token_embd.weight'][tok].astype(F32)
        for l in range(m.L):
            p=f'blk.{l}.'
            h=rms(x,m.t[p+'attn_norm.weight'],m.eps)
            q=mm(p+'attn_q.weight',h); k=mm(p+'attn_k.weight',h); v=mm(p+'attn_v.weight',h)
            if p+'attn_q.bias' in m.t: q=q+m.t[p+'attn_q.bias']; k=k+m.t[p+'attn_k.bias']; v=v+m.t[p+'attn_v.bias']
            q=q.reshape(m.H,m.hd); k=k.reshape(m.KVH,m.hd); v=v.reshape(m.KVH,m.hd)
            if p+'attn_q_norm.weight' in m.t: q=rms(q,m.t[p+'attn_q_norm.weight'],m.eps); k=rms(k,m.t[p+'attn_k_norm.weight'],m.eps)
            q=rope(q,pos,m.hd,m.base,m.neox); k=rope(k,pos,m.hd,m.base,m.neox)
            kk = f16(k) if kv=='f16' else k; vv= f16(v) if kv=='f16' else v
            K[l].append(kk); V[l].append(vv)
            Ks=np.stack(K[l],1); Vs=np.stack(V[l],1)  # [KVH, T, hd]
            o=np.zeros((m.H,m.hd),F32); sc=1/np.sqrt(m.hd)
            if attn=='ggml':
                o=fa_ggml(q,Ks,Vs,rep,F32(sc)); hrange=[]
            else: hrange=range(m.H)
            for hh in hrange:
                g=hh//rep
                qq = f16(q[hh]) if attn=='fa' else (f16(q[hh]) if attn=='plain' else q[hh])
                s=(Ks[g].astype(np.float64)@qq.astype(np.float64)).astype(F32)*F32(sc)
                s=s-s.max(); e=np.exp(s.astype(np.float64)); pr=e/e.sum()
                if attn=='plain': pr=f16(pr)
                o[hh]=(pr@Vs[g].astype(np.float64)).astype(F32)
            x=(x+mm(p+'attn_output.weight',o.reshape(-1))).astype(F32)
            h=rms(x,m.t[p+'ffn_norm.weight'],m.eps)
            gt=mm(p+'ffn_gate.weight',h); up=mm(p+'ffn_up.weight',h)
            a=(gt/(1+np.exp(-gt.astype(np.float64)))).astype(F32)*up
            x=(x+mm(p+'ffn_down.weight',a)).astype(F32)
        if pos>=first:
            h=rms(x,m.t['output_norm.weight'],m.eps)
            out.append(mm('output.weight',h))
    return np.array(out)

if __name__=='__main__':
    fmt=sys.argv[1]; prompt=sys.argv[2] if len(sys.argv)>2 else 'p1'
    name=fmt if fmt.startswith(('stories','synth')) else f'synth-llama-{fmt}'
    g=json.load(open(f'/work/shared/golden/{name}.{prompt}.json'))
    toks=g['prompt_tokens']+[s['token'] for s in g['greedy']][:-1]; P=len(g['prompt_tokens'])
    gold=np.array([s['logits'] for s in g['greedy']])
    m=Model(f'/work/shared/models/{name}.gguf')
    refs={'golden':gold}
    for fa in ('1','0'):
        try: refs['llama-fa'+fa]=np.array(json.load(open(f'/tmp/nlc/hw-{fmt}-fa{fa}.json')))
        except Exception: pass
    ATTNS=sys.argv[3].split(',') if len(sys.argv)>3 else ('f32','plain','ggml')
    for act in ('f32','q8'):
        for attn in ATTNS:
            r=run(m,toks,act=act,kv='f16' if attn!='f32' else 'f32',attn=attn,first=P-1)
            print(f'{name} act={act:4} attn={attn:5}', ' '.join(f'{k}:{np.abs(r-v).max():.4f}' for k,v in refs.items()), flush=True)

def perstep(fmt, prompt, act, attn, kv='f16'):
    name=fmt if fmt.startswith(('stories','synth')) else f'synth-llama-{fmt}'
    g=json.load(open(f'/work/shared/golden/{name}.{prompt}.json'))
    toks=g['prompt_tokens']+[s['token'] for s in g['greedy']][:-1]; P=len(g['prompt_tokens'])
    gold=np.array([s['logits'] for s in g['greedy']])
    m=Model(f'/work/shared/models/{name}.gguf')
    r=run(m,toks,act=act,kv=kv,attn=attn,first=P-1)
    return np.abs(r-gold).max(1)
