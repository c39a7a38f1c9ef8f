#!/usr/bin/env python3
"""scripts/kernels_headline.py — the numbers of the kernel-version study
(scripts/kernels.sh): for each shape's largest point, the request's metrics
and phases and every per-function row that changed between the two kernels
(calls and instructions per call from the point results' profiles); the
relative change of each point for change.gp; the M7-16 fits as shell
assignments on stdout (bexp bcoef wexp wcoef bver wver).

usage: kernels_headline.py BASE_RESULTS NEW_DIR GUEST HEADLINE CHANGE_DAT
"""
import json
import os
import sys

SHAPES = ("t4-4", "m7-16")
METRICS = ("request_ns", "topology_ns", "topology_insns", "online_p50_ns", "online_max_ns",
           "boot_topology_ns", "boot_topology_insns")


def load(path):
    with open(path) as f:
        return json.load(f)


def point_result(sweep_dir, row):
    return load(os.path.join(sweep_dir, row["result"]))


def profile(doc):
    return {f["fn"]: f for f in doc.get("profile", {}).get("functions", [])}


def stem(fn):
    """GCC's local clones (.part.N, .constprop.N, .isra.N) are one function."""
    return fn.split(".", 1)[0] if not fn.startswith(".") else fn


def main():
    base_root, new_root, guest, headline, change_dat = sys.argv[1:6]
    lines, change_rows, shell = [], [], {}
    for shape in SHAPES:
        bdir, ndir = os.path.join(base_root, shape), os.path.join(new_root, shape)
        b, n = load(os.path.join(bdir, "summary.json")), load(os.path.join(ndir, "summary.json"))
        npoints = {r["point"]: r for r in n["points"]}
        pairs = [(r, npoints[r["point"]]) for r in b["points"] if r["point"] in npoints]
        if not pairs:
            sys.exit("kernels_headline: no common point in %s and %s" % (bdir, ndir))
        for r, s in sorted(pairs, key=lambda p: (p[0]["present"], p[0]["add"])):
            bm, nm = r["metrics"], s["metrics"]
            change_rows.append("%s %d %d %.6f %.6f" % (
                shape, r["present"], r["add"],
                100.0 * (nm["request_ns"] - bm["request_ns"]) / bm["request_ns"],
                100.0 * (nm["topology_ns"] - bm["topology_ns"]) / bm["topology_ns"]))
        r, s = max(pairs, key=lambda p: (p[0]["present"], p[0]["add"]))
        bdoc, ndoc = point_result(bdir, r), point_result(ndir, s)
        bver = bdoc["config"]["kernel_version"]
        wver = ndoc["config"]["kernel_version"]
        lines.append("%s, %d present + %d: Linux %s vs %s (guest %s)" % (
            shape, r["present"], r["add"], bver, wver, guest))
        bm, nm = r["metrics"], s["metrics"]
        for k in METRICS + tuple(sorted(k for k in bm if k.startswith("phase_"))):
            if k in bm and k in nm:
                x, y = bm[k], nm[k]
                pct = 100.0 * (y - x) / x if x else 0.0
                lines.append("  %-34s %15d -> %15d  %+9.4f%%" % (k, x, y, pct))
        if shape == "m7-16":
            fb, fn = b["fits"][0], n["fits"][0]
            lines.append("  topology-cost exponent %.4f -> %.4f" % (fb["exponent"], fn["exponent"]))
            shell = dict(bexp=fb["exponent"], bcoef=fb["coefficient"] / 1e6,
                         wexp=fn["exponent"], wcoef=fn["coefficient"] / 1e6, bver=bver, wver=wver)
        # Functions: matched by name, else by clone stem; the rest stand alone.
        pb, pn = profile(bdoc), profile(ndoc)
        rows = []
        only_n = set(pn) - set(pb)
        for fn in pb:
            other = fn if fn in pn else next((m for m in only_n if stem(m) == stem(fn)), None)
            f = pb[fn]
            g = pn.get(other) if other else None
            if g is None:
                rows.append((f["incl_insns"], "  %-40s %7d calls %12d self insns  -> not in %s's "
                             "profile (inlined there)" % (fn, f["calls"], f["self_insns"], wver)))
                continue
            if other != fn:
                only_n.discard(other)
            if (f["calls"], f["self_insns"], f["incl_insns"]) == (g["calls"], g["self_insns"],
                                                                  g["incl_insns"]):
                continue
            per = lambda h: h["self_insns"] / h["calls"] if h["calls"] else 0.0
            rows.append((abs(g["incl_insns"] - f["incl_insns"]),
                         "  %-40s calls %7d -> %7d, self insns/call %8.2f -> %8.2f, incl %12d -> %12d"
                         % (fn if other == fn else "%s -> %s" % (fn, other), f["calls"],
                            g["calls"], per(f), per(g), f["incl_insns"], g["incl_insns"])))
        for fn in only_n:
            g = pn[fn]
            rows.append((g["incl_insns"], "  %-40s %7d calls %12d self insns  -> only in %s's "
                         "profile" % (fn, g["calls"], g["self_insns"], wver)))
        lines.append("  functions that changed (largest first; unchanged ones omitted):")
        lines.extend(t for _, t in sorted(rows, key=lambda x: -x[0]) or [(0, "  (none)")])
        lines.append("")
    with open(headline, "w") as f:
        f.write("\n".join(lines))
    with open(change_dat, "w") as f:
        f.write("# shape present add request_change_pct topology_change_pct\n")
        f.write("\n".join(change_rows) + "\n")
    print(" ".join("%s=%s" % (k, repr(v) if isinstance(v, float) else "'%s'" % v)
                   for k, v in shell.items()))


if __name__ == "__main__":
    main()
