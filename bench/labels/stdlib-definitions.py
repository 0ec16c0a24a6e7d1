"""Labels for `npm run bench:index`'s definition ranking: queries whose answer is one definition in the CPython
standard library, found with Python's own `ast` (independent of DagLens's parser), picked at random (seeded).

A name qualifies when the whole stdlib (tests included, site-packages excluded) defines it exactly once, outside
test code, and other files mention it at least 3 times (so search has rivals to rank below it: callers, tests,
docs). A third of the queries are `class X`, a third `def y`, a third the bare name.

    python3 bench/labels/stdlib-definitions.py > bench/labels/stdlib-definitions.json
"""
import ast
import json
import os
import random
import re
import sys
import sysconfig
from collections import Counter, defaultdict

ROOT = sysconfig.get_paths()["stdlib"]
TEST = re.compile(r"(^|/)(tests?|idle_test|test_[^/]*|[^/]*_tests?)(/|\.py$)")


def files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for f in sorted(filenames):
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


defs = defaultdict(list)  # name -> [(rel, line, kind)]
texts = {}
for path in files():
    rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        continue
    texts[rel] = text
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            defs[node.name].append((rel, node.lineno, "class"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs[node.name].append((rel, node.lineno, "def"))

mentions = Counter()
word = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
for rel, text in texts.items():
    for w in set(word.findall(text)):
        mentions[w] += 1

candidates = {"class": [], "def": []}
for name, where in defs.items():
    if len(where) != 1 or len(name) < 6 or name.startswith("_"):
        continue
    rel, line, kind = where[0]
    if TEST.search(rel) or mentions[name] < 4:  # the defining file + 3 others
        continue
    candidates[kind].append({"name": name, "file": rel, "line": line, "kind": kind})

rnd = random.Random(16)
classes = rnd.sample(sorted(candidates["class"], key=lambda c: c["name"]), 34)
functions = rnd.sample(sorted(candidates["def"], key=lambda c: c["name"]), 33)
# 17 `class X`, 17 `def y`, and 16 bare names, classes and functions alternating: 50 in all.
queries = [{**c, "query": f"class {c['name']}"} for c in classes[:17]] + [{**c, "query": f"def {c['name']}"} for c in functions[:17]]
queries += [{**c, "query": c["name"]} for pair in zip(classes[17:25], functions[17:25]) for c in pair]

json.dump({
    "about": __doc__.strip().split("\n\n")[0],
    "python": sys.version.split()[0],
    "root": "the stdlib of that Python (sysconfig stdlib path); files relative to it",
    "queries": [{"query": q["query"], "file": q["file"], "line": q["line"], "kind": q["kind"]} for q in queries],
}, sys.stdout, indent=1)
sys.stdout.write("\n")
