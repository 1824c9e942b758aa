#!/usr/bin/env python3
"""Converts RSNA CTP's DicomPixelAnonymizer signatures (as parsed in ../shared/data) into our pixel
region rule file, data/pixel_rules.json, which the build compiles into the library.

Run by hand when the source changes; the output is committed, so builds never read ../shared:
    python3 tools/gen_pixel_rules.py ../shared/data/ctp_DicomPixelAnonymizer_signatures.json data/pixel_rules.json
"""
import json
import sys

METHODS = {"equals": "equals", "contains": "contains", "containsIgnoreCase": "contains_ignore_case"}


def condition(node):
    if "op" in node:
        key = {"and": "all", "or": "any"}.get(node["op"])
        if node["op"] == "not":
            return {"not": condition(node["args"][0])}
        return {key: [condition(a) for a in node["args"]]}
    return {"element": node["element"], METHODS[node["method"]]: node["value"]}


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        ctp = json.load(f)
    rules = []
    for s in ctp["signatures"]:
        label = " / ".join(s.get("context") or []) or "no description"
        rules.append({
            "name": f"ctp-{s['index']:02d} {s['section']}: {label}",
            "source": f"CTP DicomPixelAnonymizer.script signature {s['index']}: {s['script']}",
            "when": condition(s["condition"]),
            "regions": s["regions_xywh"],
        })
    out = {
        "format": "dicomscrub-pixel-rules-1",
        "semantics": "rules are tried in order and the first whose 'when' holds gives the regions "
                     "[x, y, width, height] (pixels, origin top-left) blanked in every frame; element "
                     "values are compared as strings (equals, contains: case-sensitive; "
                     "contains_ignore_case); an element is a keyword or (GGGG,EEEE)",
        "provenance": {
            "converted_from": ctp["source"],
            "converted_by": "tools/gen_pixel_rules.py",
            "licence": "RSNA Public License (the CTP signatures); keep this attribution",
        },
        "rules": rules,
    }
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(rules)} rules, {sum(len(r['regions']) for r in rules)} regions -> {dst}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
