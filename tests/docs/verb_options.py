#!/usr/bin/env python3
"""Every verb's long options, read from the code's own tables.

tui/cmd_table.c lists the verbs' entries in --help order; each entry
(`const struct cmd_entry X = { "verb", usage, summary, fn }`) names the
function that parses its command line. The options are those of the
getopt tables (`{ "name", no_argument, ... }`) and the "--name" literals
compared with strcmp, in that function and in the static functions of the
same file it calls (sub-verbs, shared parsers), two calls deep.
Prints "VERB --option" lines in table order ("VERB" alone for a verb with
none), then the global options of main() in tui/main.c as "- --option";
--help is left out. Usage: verb_options.py SRC_DIR
"""
import glob
import os
import re
import sys

src = sys.argv[1]
files = {f: open(f, encoding="utf-8").read() for f in glob.glob(os.path.join(src, "tui", "*.c"))}
table = files[os.path.join(src, "tui", "cmd_table.c")]
order = re.findall(r"&(\w+_entry)", table[table.index("cmd_table[]"):])

entries = {}  # entry symbol -> (verb, function, file)
for f, text in files.items():
    for m in re.finditer(r"const struct cmd_entry (\w+)\s*=\s*\{\s*\"([^\"]+)\"(.*?)\};", text, re.S):
        fn = re.findall(r"(\w+)\s*,?\s*$", m.group(3).strip())
        entries[m.group(1)] = (m.group(2), fn[-1] if fn else None, f)


def bodies(text):
    """function name -> body text (static ones, and main)"""
    out = {}
    for m in re.finditer(r"^(?:static [^\n;=]*?|int )\b(\w+)\(([^)]*)\)\s*\n\{\n(.*?)^\}", text, re.S | re.M):
        out[m.group(1)] = m.group(3)
    return out


def options(fn, text, depth=0, seen=None):
    seen = seen if seen is not None else set()
    fns = bodies(text)
    if fn in seen or fn not in fns:
        return set()
    seen.add(fn)
    body = fns[fn]
    opts = {"--" + o for o in re.findall(r"\{\s*\"([a-z][a-z0-9-]*)\",\s*(?:no|required|optional)_argument", body)}
    opts |= set(re.findall(r"\"(--[a-z][a-z0-9-]*)\"", body))
    if depth < 2:
        for callee in set(re.findall(r"\b(\w+)\(", body)):
            if callee != fn and callee in fns:
                opts |= options(callee, text, depth + 1, seen)
    return opts


for sym in order:
    if sym not in entries:
        print(f"verb_options.py: {sym} is in cmd_table but no file defines it", file=sys.stderr)
        sys.exit(1)
    verb, fn, f = entries[sym]
    opts = sorted(options(fn, files[f]) - {"--help"})
    print(verb if not opts else "\n".join(f"{verb} {o}" for o in opts))
main_c = open(os.path.join(src, "tui", "main.c"), encoding="utf-8").read()
for o in sorted(options("main", main_c) - {"--help"}):
    print(f"- {o}")
