"""docs/deploy.md's table of the stack's parameters, rendered from template.yaml (see scripts/parameter-table)."""
import re
import sys
from pathlib import Path

import yaml

BEGIN = "<!-- parameters: generated from template.yaml by scripts/parameter-table; edit the template's Description, not this table -->"
END = "<!-- /parameters -->"


class _Loader(yaml.SafeLoader):
    pass


# CloudFormation's short forms (!Ref, !Sub, ...) appear outside Parameters: read as plain values
_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def render(template: Path) -> str:
    params = yaml.load(template.read_text(), Loader=_Loader)["Parameters"]
    rows = ["| parameter | default | allowed | what to give it |", "|---|---|---|---|"]
    # the ones a deploy must give first, then the template's order
    for name in sorted(params, key=lambda n: 0 if "Default" not in params[n] else 1):
        p = params[name]
        if "Default" not in p:
            default = "**required**"
        elif p["Default"] == "":
            default = "(empty)"
        else:
            default = f"`{p['Default']}`"
        if "AllowedValues" in p:
            allowed = ", ".join(f"`{v}`" for v in p["AllowedValues"])
        elif "MinValue" in p and "MaxValue" in p:
            allowed = f"{p['MinValue']}–{p['MaxValue']}"
        elif "MinValue" in p:
            allowed = f"≥ {p['MinValue']}"
        elif "MaxValue" in p:
            allowed = f"≤ {p['MaxValue']}"
        elif "ConstraintDescription" in p:
            allowed = p["ConstraintDescription"]
        elif "AllowedPattern" in p:
            allowed = f"`{p['AllowedPattern']}`"
        elif p.get("Type") == "CommaDelimitedList":
            allowed = "comma-separated"
        else:
            allowed = ""
        rows.append(f"| `{name}` | {default} | {cell(allowed)} | {cell(p.get('Description', ''))} |")
    return "\n".join([BEGIN, ""] + rows + ["", END])


def cell(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).replace("|", "\\|").strip()


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    doc = repo / "docs" / "deploy.md"
    text = doc.read_text()
    if BEGIN not in text or END not in text:
        print(f"parameter-table: {doc} has no {BEGIN} ... {END} block", file=sys.stderr)
        return 1
    start, end = text.index(BEGIN), text.index(END) + len(END)
    want = text[:start] + render(repo / "template.yaml") + text[end:]
    if sys.argv[1:] == ["--check"]:
        if want != text:
            print("parameter-table: docs/deploy.md's parameter table differs from template.yaml's Parameters; "
                  "run scripts/parameter-table to write it", file=sys.stderr)
            return 1
        print("parameter-table: docs/deploy.md lists template.yaml's parameters as they are")
        return 0
    if want != text:
        doc.write_text(want)
        print(f"parameter-table: wrote the table into {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
