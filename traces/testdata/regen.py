#!/usr/bin/env python3
"""Regenerate the captures in traces/testdata/ (see its README.md).

Usage, from the top of the tree after `make`:
    python3 traces/testdata/regen.py [--realdata DIR] [--ldomsim build/ldomsim]

Each capture is a trace folder (trace.json + MD binaries). The scaffolding
(machine costs, DS handshake, hcall records) comes from `ldomsim trace gen`;
the MDs are then replaced (real ones from DIR, default /work/shared/realdata,
checked against their published sha256) or edited (hand-made variants), the
scenario is cut to the story told in README.md, and every MD's sha256 and
size in trace.json are brought up to date. Output is byte-identical for
equal inputs. Python 3 standard library only.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys

REAL = {
    "opensparc-t1-1up-md.bin": "e24ffc81b03864e9dd02472283da0f4c18411df8c16bad1420c3642265b3689d",
    "opensparc-t1-1g2p-md.bin": "97a131f8871c646399ded72417663cc0fca1a3e6a7534a74ac9fa94a48945bdf",
    "opensparc-t1-1g32p-md.bin": "2d605310aa831dfe4b44a93d47efa4cb69e661d520ddac64241fc16dc0b264cd",
}
HERE = os.path.dirname(os.path.abspath(__file__))

# sun4v MD element tags (the transport format of /dev/mdesc)
NODE, NODE_END, LIST_END, ARC, VAL, STR, DATA = 0x4E, 0x45, 0x00, 0x61, 0x76, 0x73, 0x64


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Md:
    """An MD as header, element list and the name/data blocks."""

    def __init__(self, raw):
        ver, self.nsz, self.msz, self.dsz = struct.unpack(">IIII", raw[:16])
        self.ver = ver
        self.elems = [list(struct.unpack(">BBHIQ", raw[16 + 16 * i:32 + 16 * i]))
                      for i in range(self.nsz // 16)]
        self.names = raw[16 + self.nsz:16 + self.nsz + self.msz]
        self.data = raw[16 + self.nsz + self.msz:16 + self.nsz + self.msz + self.dsz]

    def name(self, e):
        return self.names[e[3]:e[3] + e[1]].decode()

    def name_offset(self, s):
        off = 0
        for n in self.names.split(b"\0"):
            if n == s.encode():
                return off
            off += len(n) + 1
        raise KeyError(s)

    def nodes(self, name):
        return [i for i, e in enumerate(self.elems) if e[0] == NODE and self.name(e) == name]

    def props(self, node):
        i = node + 1
        while self.elems[i][0] != NODE_END:
            yield i
            i += 1

    def prop(self, node, name):
        for i in self.props(node):
            if self.name(self.elems[i]) == name:
                return i
        return None

    def remove(self, k):
        """Drop element k (a property): later indices move down by one."""
        del self.elems[k]
        for e in self.elems:
            if e[0] in (NODE, ARC) and e[4] > k:
                e[4] -= 1

    def append_empty_node(self, name):
        """A node with no property and no arc, last before LIST_END; the
        previous last node's `next` (the LIST_END index) now names it."""
        end = len(self.elems) - 1
        assert self.elems[end][0] == LIST_END
        off = self.name_offset(name)
        self.elems[end:end] = [[NODE, len(name), 0, off, end + 2], [NODE_END, 0, 0, 0, 0]]

    def bytes(self):
        nodes = b"".join(struct.pack(">BBHIQ", *e) for e in self.elems)
        return struct.pack(">IIII", self.ver, len(nodes), len(self.names), len(self.data)) + \
            nodes + self.names + self.data


def gen(ldomsim, out, *args):
    if os.path.exists(out):
        shutil.rmtree(out)
    subprocess.run([ldomsim, "trace", "gen", *args, "-o", out], check=True,
                   stdout=subprocess.DEVNULL)


def edit_trace(folder, mds, machine=None, drop_req=(), present=None, comment=None):
    """Rewrite trace.json line by line (it is canonical: one record a line).
    mds: {generation: bytes} replaces those files; generations not listed
    and not on disk are dropped from the md array."""
    path = os.path.join(folder, "trace.json")
    lines = open(path).read().split("\n")
    # what the dropped operations made: a configure's bring-up records
    # (CPU_START from the master, the new strand's own calls); an
    # md-update's MACH_DESC pair (size query, fetch), in op order
    updates, gone_cpus = [], set()
    for ln in lines:
        m = re.match(r'\s*\{"t_ns":\d+,"op":"([a-z-]+)","req_num":(\d+),"(generation|cpus)":([^}]+)\}', ln)
        if m and m.group(1) == "md-update":
            updates.append((int(m.group(2)) in drop_req, int(m.group(4))))
        elif m and m.group(1) == "configure" and int(m.group(2)) in drop_req:
            gone_cpus |= set(json.loads(m.group(4)))
    nmach = 0
    out = []
    for ln in lines:
        h = re.match(r'\s*\{"strand":(\d+),"fn":\d+,"name":"([a-z_]+)","args":\["(0x[0-9a-f]+)', ln)
        if h and h.group(2) == "mach_desc":
            dropped, g = updates[nmach // 2]
            nmach += 1
            if dropped:
                continue
            if g in mds:
                size = '"0x%x"' % len(mds[g])
                ln = re.sub(r'"args":\["0x([0-9a-f]+)","0x[0-9a-f]+"\]',
                            lambda m: '"args":["0x%s",%s]' % (
                                m.group(1), '"0x0"' if m.group(1) == "0" else size), ln)
                ln = re.sub(r'"rets":\["0x[0-9a-f]+"\]', '"rets":[%s]' % size, ln)
        if h and (int(h.group(1)) in gone_cpus or
                  (h.group(2) == "cpu_start" and int(h.group(3), 16) in gone_cpus)):
            continue
        m = re.match(r'\s*\{"generation":(\d+),"file":"([^"]+)"', ln)
        if m:
            g, f = int(m.group(1)), m.group(2)
            if g not in mds:
                os.remove(os.path.join(folder, f))
                continue
            open(os.path.join(folder, f), "wb").write(mds[g])
            ln = re.sub(r'"sha256":"[0-9a-f]+","size":\d+',
                        '"sha256":"%s","size":%d' % (sha(mds[g]), len(mds[g])), ln)
        m = re.search(r'"req_num":(\d+)', ln)
        if m and int(m.group(1)) in drop_req:
            continue
        for k, v in (machine or {}).items():
            ln = re.sub(r'^(\s*"%s": )[^,]+(,?)$' % k, r'\g<1>%s\g<2>' % v, ln)
        if present is not None:
            ln = re.sub(r'^(\s*"present": )\[[^]]*\](,?)$',
                        r'\g<1>[%s]\g<2>' % ",".join(map(str, present)), ln)
        if comment and ln == '  "version": [1,0],':
            out.append(ln)
            ln = '  "comment": "%s",' % comment
        out.append(ln)
    text = "\n".join(out)
    # the last kept record of an array must not end with a comma
    text = re.sub(r",\n(\s*\])", r"\n\1", text)
    open(path, "w").write(text)


T1 = {"shape": '"opensparc-t1"', "max_cpus": "64", "stick_hz": "5000000",
      "clock_hz": "5000000"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--realdata", default="/work/shared/realdata")
    ap.add_argument("--ldomsim", default="build/ldomsim")
    a = ap.parse_args()
    real = {}
    for f, h in REAL.items():
        b = open(os.path.join(a.realdata, f), "rb").read()
        if sha(b) != h:
            sys.exit("%s: sha256 %s, expected %s" % (f, sha(b), h))
        real[f.split("-")[2]] = b
    t1 = "param:1x8x4@0.005"  # T1: 1 socket, 8 cores, 4 strands, Legion's 5 MHz

    d = os.path.join(HERE, "t1-real-1up-1g2p")  # gen 1 one strand, gen 2 adds cpu 1
    gen(a.ldomsim, d, "--shape", t1, "--present", "1", "--add", "1")
    edit_trace(d, {1: real["1up"], 2: real["1g2p"]}, T1,
               comment="OpenSPARC T1 mdgen MDs 1up -> 1g2p, configure cpu 1 (traces/testdata/README.md)")

    d = os.path.join(HERE, "t1-real-1g2p-1g32p")  # gen 1 two strands, gen 2 adds 2-31
    gen(a.ldomsim, d, "--shape", t1, "--present", "2", "--add", "30")
    edit_trace(d, {1: real["1g2p"], 2: real["1g32p"]}, T1,
               comment="OpenSPARC T1 mdgen MDs 1g2p -> 1g32p, configure cpus 2-31 (traces/testdata/README.md)")

    d = os.path.join(HERE, "t1-real-md-update-only")  # cpu 1 published, never configured
    gen(a.ldomsim, d, "--shape", t1, "--present", "1", "--add", "1")
    edit_trace(d, {1: real["1up"], 2: real["1g2p"]}, T1, drop_req={2},
               comment="OpenSPARC T1 mdgen MDs 1up -> 1g2p, md-update without a configure (traces/testdata/README.md)")

    # unconfigure cpu 1 of the 2-strand domain; the capture ends before the
    # md-update that would publish the 1-strand generation 2
    d = os.path.join(HERE, "t1-real-unconfigure-no-md-update")
    gen(a.ldomsim, d, "--shape", t1, "--present", "1", "--add", "1", "--remove", "1")
    edit_trace(d, {1: real["1g2p"], 2: real["1up"]}, T1, drop_req={1, 2, 4}, present=[0, 1],
               comment="OpenSPARC T1 mdgen MDs: 1g2p, unconfigure cpu 1, capture ends before the md-update to 1up (traces/testdata/README.md)")

    # the same, captured before the hypervisor made generation 2 at all
    d = os.path.join(HERE, "t1-real-unconfigure-gen1-only")
    gen(a.ldomsim, d, "--shape", t1, "--present", "1", "--add", "1", "--remove", "1")
    edit_trace(d, {1: real["1g2p"]}, T1, drop_req={1, 2, 4}, present=[0, 1],
               comment="OpenSPARC T1 mdgen MD 1g2p, unconfigure cpu 1, captured before any new MD (traces/testdata/README.md)")

    # hand-made: `md gen` T2 MDs, generation 2 edited
    for name, how in (("t2-cache-no-level", "level"), ("t2-empty-cache-node", "empty")):
        d = os.path.join(HERE, name)
        gen(a.ldomsim, d, "--shape", "t2", "--present", "8", "--add", "8")
        g1 = open(os.path.join(d, "md-gen1.bin"), "rb").read()
        md = Md(open(os.path.join(d, "md-gen2.bin"), "rb").read())
        if how == "level":
            # cpu 8's level-1 caches (reached by its fwd arcs) lose `level`
            cpu8 = [n for n in md.nodes("cpu")
                    if md.elems[md.prop(n, "id")][4] == 8][0]
            for i in list(md.props(cpu8)):
                e = md.elems[i]
                if e[0] == ARC and md.name(e) == "fwd" and \
                        md.name(md.elems[e[4]]) == "cache":
                    k = md.prop(e[4], "level")
                    if k is not None and md.elems[k][4] == 1:
                        md.remove(k)
                        cpu8 = [n for n in md.nodes("cpu")
                                if md.elems[md.prop(n, "id")][4] == 8][0]
                        break
            comment = "md gen t2 8+8, generation 2 with cpu 8's first level-1 cache stripped of level (traces/testdata/README.md)"
        else:
            md.append_empty_node("cache")
            comment = "md gen t2 8+8, generation 2 with an empty cache node appended (traces/testdata/README.md)"
        edit_trace(d, {1: g1, 2: md.bytes()}, comment=comment)


if __name__ == "__main__":
    main()
