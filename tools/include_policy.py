#!/usr/bin/env python3
"""tools/include_policy.py ROOT — checks the include rules of lib/layers.txt over the source tree.

Fails (exit 1, one line per violation) when:
  - a lib/ folder includes a folder BELOW it in the layer table (up the data flow, or sideways
    into a higher layer of the same tier), or a folder that is not a layer;
  - a public header (include/dicomscrub/) includes anything but public headers of its own or a
    lower layer (installed headers cannot reach lib/);
  - a header of the media module ([module]) is included from outside the module (the dlopen line);
  - cli/, bindings/, examples/ or lib/capi/ include an internal header not in the [front] list, or
    the list names an include nobody makes any more (so the list only shrinks);
  - the include graph between files, or between folders, has a cycle;
  - lib/ has a folder the table does not list, or the table a folder lib/ does not have.
tests/, fuzz/ and bench/ test internals and are not checked.
"""
import os
import re
import sys

SOURCE_EXT = (".cpp", ".hpp", ".h", ".c", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def read_table(path):
    layers, public, module, front = [], {}, set(), {}
    section = "layers"
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        words = line.split()
        if section == "layers":
            layers.append(words[0])
        elif section == "public":
            public[words[0]] = words[1]
        elif section == "module":
            module.add(words[0])
        elif section == "front":
            front.setdefault(words[0], {})[words[1]] = n
        else:
            raise SystemExit(f"{path}:{n}: unknown section [{section}]")
    return layers, public, module, front


def sources(root, folder):
    base = os.path.join(root, folder)
    for dirpath, _, names in os.walk(base):
        for name in sorted(names):
            if name.endswith(SOURCE_EXT):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def includes(root, rel):
    text = open(os.path.join(root, rel), encoding="utf-8", errors="replace").read()
    return [(m.group(1), m.group(2)) for m in INCLUDE.finditer(text)]


def find_cycle(graph):
    """One cycle of `graph` (node -> set of nodes) as a list, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def check(root):
    layers, public, module, front = read_table(os.path.join(root, "lib", "layers.txt"))
    rank = {name: i for i, name in enumerate(layers)}
    errors = []
    lib_dirs = {d for d in os.listdir(os.path.join(root, "lib")) if os.path.isdir(os.path.join(root, "lib", d))}
    for d in sorted(lib_dirs - set(rank)):
        errors.append(f"lib/{d}: a folder the layer table (lib/layers.txt) does not list")
    for d in sorted(set(rank) - lib_dirs):
        errors.append(f"lib/layers.txt: layer {d} has no folder lib/{d}")
    for h, layer in sorted(public.items()):
        if layer not in rank:
            errors.append(f"lib/layers.txt: public header {h} belongs to unknown layer {layer}")
        if not any(os.path.exists(os.path.join(root, "include", "dicomscrub", h + ext)) for ext in ("", ".in")):
            errors.append(f"lib/layers.txt: public header {h} does not exist")
    for stem in sorted(module):
        if not any(os.path.exists(os.path.join(root, "lib", "media", stem + ext)) for ext in (".cpp", ".hpp")):
            errors.append(f"lib/layers.txt: module file {stem} is not in lib/media")

    file_graph, folder_graph = {}, {}
    used_front = set()

    def module_file(rel):
        parts = rel.split("/")
        return len(parts) == 3 and parts[0] == "lib" and parts[1] == "media" and os.path.splitext(parts[2])[0] in module

    def resolve(inc):
        """(kind, layer, path) of a quoted include: public, internal, local or unknown."""
        if inc.startswith("dicomscrub/"):
            name = inc.split("/", 1)[1]
            return "public", public.get(name), "include/" + inc
        if "/" not in inc:
            return "local", None, None
        folder = inc.split("/", 1)[0]
        if folder in rank:
            return "internal", folder, "lib/" + inc
        return "unknown", folder, None

    def front_check(rel, front_name, inc):
        if inc in front.get(front_name, {}):
            used_front.add((front_name, inc))
        else:
            errors.append(f"{rel}: front end includes internal header {inc} (not in [front] of lib/layers.txt)")

    # lib/
    for layer in layers:
        if layer not in lib_dirs:
            continue
        for rel in sources(root, f"lib/{layer}"):
            own_module = module_file(rel)
            for delim, inc in includes(root, rel):
                kind, target, path = resolve(inc)
                if delim == "<" and kind != "public":
                    continue  # a system or third-party header
                if kind == "local":
                    continue  # a generated table (.inc) beside the sources
                if kind == "unknown" or target is None:
                    errors.append(f"{rel}: includes {inc}, which is in no layer")
                    continue
                if rank[target] > rank[layer]:
                    errors.append(f"{rel}: layer {layer} includes {inc} of the higher layer {target}")
                if kind == "internal" and module_file(path) and not own_module:
                    errors.append(f"{rel}: includes {inc}, built only into the media module (reach it through media/media.hpp)")
                if layer == "capi" and kind == "internal":
                    front_check(rel, "capi", inc)
                file_graph.setdefault(rel, set()).add(path)
                if target != layer:
                    folder_graph.setdefault(layer, set()).add(target)

    # include/dicomscrub: installed, so only other public headers, of this layer or a lower one
    for rel in sources(root, "include/dicomscrub"):
        own = public.get(os.path.basename(rel))
        if own is None:
            errors.append(f"{rel}: a public header the layer table's [public] does not list")
            continue
        for delim, inc in includes(root, rel):
            kind, target, path = resolve(inc)
            if delim == "<" and kind != "public":
                continue
            if kind != "public" or target is None:
                errors.append(f"{rel}: public header includes {inc}, which is not installed")
                continue
            if rank[target] > rank[own]:
                errors.append(f"{rel}: public header of layer {own} includes {inc} of the higher layer {target}")
            file_graph.setdefault(rel, set()).add(path)

    # the front ends
    for folder, front_name in (("cli", "cli"), ("bindings", "bindings"), ("examples", "examples")):
        if not os.path.isdir(os.path.join(root, folder)):
            continue
        for rel in sources(root, folder):
            for delim, inc in includes(root, rel):
                kind, target, path = resolve(inc)
                if kind in ("public", "local") or delim == "<":
                    continue
                if kind == "internal" and module_file(path):
                    errors.append(f"{rel}: includes {inc}, built only into the media module")
                front_check(rel, front_name, inc)
    for name, entries in sorted(front.items()):
        for inc, line in sorted(entries.items()):
            if (name, inc) not in used_front:
                errors.append(f"lib/layers.txt:{line}: [front] allows {name} to include {inc}, which it no longer does: remove the line")

    for graph, what in ((file_graph, "files"), (folder_graph, "layers")):
        cycle = find_cycle(graph)
        if cycle:
            errors.append(f"include cycle between {what}: " + " -> ".join(cycle))
    return errors, len(file_graph)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    errors, files = check(root)
    for e in errors:
        print(e)
    if errors:
        print(f"include policy: {len(errors)} violation(s)")
        return 1
    print(f"include policy: ok ({files} files with includes checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
