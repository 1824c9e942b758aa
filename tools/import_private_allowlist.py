#!/usr/bin/env python3
"""Turn a private-attribute allow-list into a dicomscrub profile file (docs/profiles.md).

Retain Safe Private keeps only what PS3.15 Table E.3.10-1 lists (data/). A site with a larger
knowledge base -- e.g. TCIA's private tag dispositions, or its own vendor reviews -- converts it
into `private_creator` keep rules of a profile that extends the preset, so every rule stays
visible in `dicomscrub profile show FILE`:

    python3 tools/import_private_allowlist.py site_private.csv --extends tcia > site_tcia.json
    dicomscrub deid --profile site_tcia.json ...

Input (CSV or TSV, header row required), either of two spellings per row:
  private_creator,group,element[,action]      e.g.  GEMS_ACQU_01,0019,0A,keep
  tag,disposition                             e.g.  "(0019,""GEMS_ACQU_01"",0A)",k
Rows whose action/disposition is not keep ("k", "keep", empty) are left out: anything not kept is
removed already. Errors name the line.
"""
import argparse
import csv
import json
import re
import sys

TAG = re.compile(r'^\(?\s*([0-9A-Fa-f]{4})\s*,\s*"([^"]*)"\s*,\s*(?:[xX]{2})?([0-9A-Fa-f]{2})\s*\)?$')


def rules_from(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        sample = f.read(4096)
        f.seek(0)
        reader = csv.DictReader(f, dialect=csv.Sniffer().sniff(sample, delimiters=",\t"))
        fields = {k.strip().lower(): k for k in reader.fieldnames or []}
        rules, seen = [], set()
        for line, row in enumerate(reader, start=2):
            get = lambda name: (row.get(fields.get(name, ""), "") or "").strip()  # noqa: E731
            if "private_creator" in fields:
                creator, group, element = get("private_creator"), get("group"), get("element") or get("element_offset")
                action = get("action")
            elif "tag" in fields:
                m = TAG.match(get("tag"))
                if not m:
                    sys.exit(f"{path}: line {line}: tag must look like (0019,\"CREATOR\",0A)")
                group, creator, element = m.groups()
                action = get("disposition")
            else:
                sys.exit(f"{path}: the header needs private_creator,group,element or tag,disposition")
            if action.lower() not in ("", "k", "keep"):
                continue
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", group) or int(group, 16) % 2 == 0:
                sys.exit(f"{path}: line {line}: group {group!r} is not an odd (private) group")
            if not re.fullmatch(r"(xx|XX)?[0-9A-Fa-f]{2}", element):
                sys.exit(f"{path}: line {line}: element {element!r} is not a byte offset such as 0A")
            key = (creator, group.upper(), element[-2:].upper())
            if key in seen:
                continue
            seen.add(key)
            rules.append({"private_creator": creator, "group": key[1], "element": key[2], "action": "keep",
                          "comment": f"{path}:{line}"})
    return rules


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("allowlist")
    ap.add_argument("--extends", default="tcia", help="built-in profile to extend (basic or tcia)")
    ap.add_argument("--name", default="site-private-allowlist")
    a = ap.parse_args()
    json.dump({"name": a.name, "extends": a.extends, "rules": rules_from(a.allowlist)}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
