#!/usr/bin/env python3
"""Compare the block tensors (blk.*) of two GGUF files byte for byte — our export against
llama-quantize's output of the same weights.  Pure Python (no numpy, no gguf-py).
usage: gguf_compare.py OURS.gguf THEIRS.gguf"""
import struct, sys
def read(path):
    b=open(path,'rb').read(); o=[0]
    def u(fmt):
        v=struct.unpack_from('<'+fmt,b,o[0]); o[0]+=struct.calcsize('<'+fmt); return v[0]
    def s():
        n=u('Q'); v=b[o[0]:o[0]+n]; o[0]+=n; return v.decode('utf-8','replace')
    sizes={0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}
    def val(t):
        if t==8: return s()
        if t==9:
            et=u('I'); n=u('Q'); return [val(et) for _ in range(n)]
        return u(sizes[t])
    assert b[:4]==b'GGUF'; o[0]=4; ver=u('I'); nt=u('Q'); nkv=u('Q')
    kv={}
    for _ in range(nkv):
        k=s(); t=u('I'); kv[k]=val(t)
    ts=[]
    for _ in range(nt):
        n=s(); nd=u('I'); sh=[u('Q') for _ in range(nd)]; ty=u('I'); off=u('Q'); ts.append((n,sh,ty,off))
    al=kv.get('general.alignment',32); start=(o[0]+al-1)//al*al
    offs=sorted(set([t[3] for t in ts]))+[len(b)-start]
    out={}
    for n,sh,ty,off in ts:
        nxt=min(x for x in offs if x>off) if any(x>off for x in offs) else len(b)-start
        out[n]=(ty,sh,b[start+off:start+nxt])
    return kv,out
a=read(sys.argv[1]); c=read(sys.argv[2])
same=diff=0
for n,(ty,sh,data) in a[1].items():
    if not n.startswith('blk.') or n not in c[1]: continue
    ty2,sh2,d2=c[1][n]
    if ty!=ty2: print(n,'type',ty,ty2); continue
    m=min(len(data),len(d2))
    if data[:m]==d2[:m]: same+=1
    else:
        diff+=1
        nd=sum(1 for i in range(m) if data[i]!=d2[i]); print(n,'differs in',nd,'of',m,'bytes')
print('identical',same,'different',diff)
