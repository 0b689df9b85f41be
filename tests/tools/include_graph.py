#!/usr/bin/env python3
"""The folder-level include graph of core/ (and of plugins/), checked.

    tests/tools/include_graph.py [SRCDIR]

Prints, for every folder of core/, the folders its files include, in
dependency order (a folder after everything it includes), then checks:

  1. the graph has no cycle (a cycle is printed as a path of files);
  2. a folder includes only the folders its README.md allows: the line
     "May include: a, b, c" (or "May include: nothing");
  3. a header named *_internal.h is included only from its own folder;
  4. a plugin (plugins/) includes only the SDK (borderlab/...), system
     headers, headers of its own kind's folder and of plugins/ffi/ (the
     code the libffi adapters of two kinds share): never core/.

Exits 1 with one line per violation.  Run by `make check`
(tests/scenario/include_graph.sh).  Standard library only.
"""
import os
import re
import sys
from collections import defaultdict

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SDK = "include"  # core/include/borderlab: the public plugin SDK


def folder_of_include(path, including_dir, core):
    """The core folder an include names, or None for the build's own config.h."""
    if path == "config.h":
        return None
    if path.startswith("borderlab/"):
        return SDK
    # A path relative to the including file's folder (same folder).
    if os.path.exists(os.path.join(core, including_dir, path)):
        return os.path.dirname(os.path.join(including_dir, path)) or "."
    if os.path.exists(os.path.join(core, path)):
        return os.path.dirname(path) or "."
    return "?" + path


def source_files(root):
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def allowed_of(core, folder):
    readme = os.path.join(core, folder, "README.md")
    if not os.path.exists(readme):
        return None
    with open(readme, encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(r"^May include:\s*(.+?)\.?\s*$", text, re.M)
    if not m:
        return None
    names = m.group(1).strip()
    if names == "nothing":
        return set()
    return {n.strip().strip("`") for n in names.split(",") if n.strip()}


def main():
    srcdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    core = os.path.join(srcdir, "core")
    edges = defaultdict(lambda: defaultdict(list))  # folder -> folder -> [file: include]
    problems = []
    folders = set()
    for path in sorted(source_files(core)):
        rel = os.path.relpath(path, core)
        folder = os.path.dirname(rel) or "."
        if folder.startswith("include"):
            folder = SDK
        folders.add(folder)
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            target = folder_of_include(inc, os.path.dirname(rel), core)
            if target is None:
                continue
            if target.startswith("?"):
                problems.append(f"core/{rel}: includes \"{inc}\", which is not under core/")
                continue
            if os.path.basename(inc).endswith("_internal.h") and target != folder:
                problems.append(f"core/{rel}: includes {inc}, internal to core/{target}/")
            if target != folder:
                edges[folder][target].append(f"core/{rel}: {inc}")

    # Dependency order (Kahn), then the cycles left over.
    deps = {f: set(edges[f]) for f in folders}
    order, done = [], set()
    while True:
        ready = sorted(f for f in folders - done if deps[f] <= done)
        if not ready:
            break
        for f in ready:
            order.append(f)
            done.add(f)
    cyclic = sorted(folders - done)

    print("core/ folders in dependency order (each after what it includes):")
    for f in order + cyclic:
        targets = ", ".join(f"{t} ({len(edges[f][t])})" for t in sorted(edges[f]))
        print(f"  {f:18} -> {targets if targets else '(nothing)'}")

    if cyclic:
        # Show one cycle as a chain of includes.
        start = cyclic[0]
        path, seen, node = [start], {start}, start
        while True:
            nxt = sorted(t for t in edges[node] if t in cyclic)[0]
            if nxt in seen:
                path = path[path.index(nxt):] + [nxt]
                break
            path.append(nxt)
            seen.add(nxt)
            node = nxt
        chain = []
        for a, b in zip(path, path[1:]):
            chain.append(f"{a} -> {b} ({edges[a][b][0]})")
        problems.append("include cycle: " + "; ".join(chain))

    for f in sorted(folders):
        allowed = allowed_of(core, f)
        if f in (SDK, "."):
            continue
        if allowed is None:
            problems.append(f"core/{f}/README.md: missing, or without a 'May include:' line")
            continue
        for t in sorted(edges[f]):
            if t != SDK and t not in allowed:
                problems.append(f"core/{f} may not include core/{t} (README.md: May include: "
                                f"{', '.join(sorted(allowed)) or 'nothing'}): {edges[f][t][0]}")

    plugins = os.path.join(srcdir, "plugins")
    for path in sorted(source_files(plugins)):
        rel = os.path.relpath(path, srcdir)
        kind_dir = os.path.join(plugins, rel.split(os.sep)[1])
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            if inc.startswith("borderlab/"):
                continue
            here = os.path.normpath(os.path.join(os.path.dirname(path), inc))
            kind = os.path.normpath(os.path.join(kind_dir, inc))
            found = [p for p in (here, kind) if os.path.exists(p)]
            shared = [os.path.join(os.path.normpath(d), "")
                      for d in (kind_dir, os.path.join(plugins, "ffi"))]
            if not any(p.startswith(d) for p in found for d in shared):
                problems.append(f"{rel}: includes \"{inc}\": a plugin includes only the SDK "
                                "(borderlab/plugin.h) and headers of its own kind's folder or "
                                "of plugins/ffi/")

    if problems:
        print()
        for p in problems:
            print("FAIL " + p)
        sys.exit(1)
    print("ok: no cycle, every folder includes only what its README.md allows")


main()
