"""template.yaml as a release ships it: each function's code is its released jar (sam deploy uploads it), the state
machine's definition the released file, and the application's semantic version the release's. Usage: TEMPLATE VERSION."""
import re
import sys

template, version = sys.argv[1], sys.argv[2]
text = open(template, encoding="utf-8").read()
jars = {"PlannerFunction": f"planner-lambda-{version}.jar", "WorkerFunction": f"worker-lambda-{version}.jar",
        "VerifyFunction": f"worker-lambda-{version}.jar"}
out, current = [], None
for line in text.splitlines():
    m = re.match(r"^  ([A-Za-z0-9]+):\s*$", line)
    if m:
        current = m.group(1)
    if current in jars and re.match(r"^      CodeUri: ", line):
        line = f"      CodeUri: {jars[current]}"
    if current in jars and re.match(r"^      BuildMethod: makefile\s*$", line):
        continue  # a built artifact: nothing for sam to build
    if re.match(r"^      DefinitionUri: statemachine/backfill.asl.json", line):
        line = "      DefinitionUri: backfill.asl.json"
    line = re.sub(r"^(\s+SemanticVersion:\s*).*$", lambda x: x.group(1) + version, line)
    out.append(line)
text = "\n".join(out) + "\n"
# a Metadata block left empty by the removed BuildMethod goes
text = re.sub(r"\n    Metadata:\n(?=    \S)", "\n", text)
sys.stdout.write(text)
