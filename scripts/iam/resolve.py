"""Renders template.yaml's function roles as AWS would, for scripts/check-iam.

The SAM transform (samtranslator, what CloudFormation's AWS::Serverless transform runs; the version sam-cli brings) turns
each function's Policies into its role; CloudFormation's intrinsics are then resolved against a stack of example names
(account 123456789012, us-east-1), and so are the reviewed calls of iam/aws-calls.txt, so both sides name the same ARNs.
Prints JSON: {"roles": {FUNCTION: [policy documents]}, "calls": [{function, action, resource, line}],
"grants": [{function, action, commented}]}.
"""
import json
import re
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

ACCOUNT, REGION, PARTITION, STACK = "123456789012", "us-east-1", "aws", "synap-backfill"


class ManagedPolicies:
    """The managed policies the transform names, by name (their documents grant the runtime's own calls, not the code's)."""

    def load(self):
        return {}


def arn_of(logical, resource):
    t = resource.get("Type", "")
    name = logical.lower() if t == "AWS::S3::Bucket" else logical
    return {
        "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
        "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name}",
        "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
        "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "AWS::StepFunctions::StateMachine": f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{name}",
        "AWS::SNS::Topic": f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{name}",
        "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{name}",
    }.get(t, f"arn:{PARTITION}:unknown:{REGION}:{ACCOUNT}:{name}")


class Resolver:
    def __init__(self, template, parameters):
        self.resources = template.get("Resources", {})
        self.params = {}
        for k, p in template.get("Parameters", {}).items():
            v = parameters.get(k, p.get("Default", ""))
            if v == "" and k.endswith("Arn"):  # an ARN the user gives: an example of its kind
                v = f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:{k}-AbCdEf" if "Secret" in k \
                    else f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{k}" if "Key" in k \
                    else f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{k}"
            self.params[k] = str(v)
        self.conditions = template.get("Conditions", {})

    def ref(self, name):
        pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION, "AWS::StackName": STACK,
                  "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        r = self.resources.get(name, {})
        t = r.get("Type", "")
        if t == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        if t == "AWS::S3::Bucket":
            return name.lower()
        if t == "AWS::Lambda::EventSourceMapping":
            return f"{name}-uuid"
        return name

    def getatt(self, logical, attr):
        r = self.resources.get(logical, {})
        if attr == "Arn":
            return arn_of(logical, r)
        if attr == "QueueName":
            return logical
        return f"{logical}.{attr}"

    def condition(self, name):
        return bool(self.value(self.conditions[name]))

    def sub(self, text, extra=None):
        def one(m):
            key = m.group(1)
            if extra and key in extra:
                return str(self.value(extra[key]))
            if "." in key and not key.startswith("AWS::"):
                logical, attr = key.split(".", 1)
                return self.getatt(logical, attr)
            v = self.ref(key)
            return "" if v is None else str(v)
        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def value(self, v):
        if isinstance(v, list):
            out = [self.value(x) for x in v]
            return [x for x in out if x is not NOVALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (k, a), = v.items()
            if k == "Ref":
                r = self.ref(a)
                return NOVALUE if r is None else r
            if k == "Fn::GetAtt":
                logical, attr = (a.split(".", 1) if isinstance(a, str) else a)
                return self.getatt(logical, attr)
            if k == "Fn::Sub":
                return self.sub(a) if isinstance(a, str) else self.sub(a[0], a[1])
            if k == "Fn::If":
                return self.value(a[1] if self.condition(a[0]) else a[2])
            if k == "Fn::Equals":
                return str(self.value(a[0])) == str(self.value(a[1]))
            if k == "Fn::Not":
                return not self.value(a[0])
            if k == "Fn::And":
                return all(self.value(x) for x in a)
            if k == "Fn::Or":
                return any(self.value(x) for x in a)
            if k == "Condition":
                return self.condition(a)
            if k == "Fn::Join":
                return a[0].join(str(self.value(x)) for x in a[1])
            if k == "Fn::Select":
                return self.value(a[1])[int(self.value(a[0]))]
            if k == "Fn::Split":
                return str(self.value(a[1])).split(a[0])
        out = {k: self.value(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not NOVALUE}


NOVALUE = object()


def main():
    template_path, calls_path = sys.argv[1], sys.argv[2]
    params = dict(p.split("=", 1) for p in sys.argv[3:])
    raw = open(template_path, encoding="utf-8").read()
    sam = yaml_parse(raw)
    # as `sam package` leaves it: code and definitions in S3 (the transform wants them there; the roles do not depend on it)
    for logical, r in sam.get("Resources", {}).items():
        props = r.get("Properties", {})
        if r.get("Type") == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://example-artifacts/{logical}.zip"
        if r.get("Type") == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            props["DefinitionUri"] = f"s3://example-artifacts/{logical}.json"
    cfn = transform(sam, params, ManagedPolicies())
    res = Resolver(cfn, params)
    functions = {k for k, r in sam.get("Resources", {}).items() if r.get("Type") == "AWS::Serverless::Function"}
    roles = {}
    for fn in functions:
        role = cfn["Resources"].get(f"{fn}Role", {})
        docs = [res.value(p.get("PolicyDocument", {})) for p in role.get("Properties", {}).get("Policies", [])]
        roles[fn] = docs
    calls = []
    for n, line in enumerate(open(calls_path, encoding="utf-8"), 1):
        t = re.sub(r"#.*", "", line).strip()
        if not t:
            continue
        fn, action, resource = t.split(None, 2)
        # a pattern of objects (runs/*) is judged on an example of them
        calls.append({"function": fn, "action": action, "resource": res.sub(resource).replace("*", "example"), "line": n, "text": t})
    grants = []
    lines = raw.splitlines()
    for fn, docs in roles.items():
        for d in docs:
            for st in d.get("Statement", []):
                if st.get("Effect") != "Allow":
                    continue
                acts = st.get("Action", [])
                for a in [acts] if isinstance(acts, str) else acts:
                    grants.append({"function": fn, "action": a, "commented": commented(lines, fn, a)})
    json.dump({"roles": roles, "calls": calls, "grants": grants}, sys.stdout, indent=1)


def commented(lines, fn, action):
    """Whether the grant of action in fn's Policies carries a comment (on its line, or the line above) saying what needs it."""
    start = next((i for i, l in enumerate(lines) if re.match(rf"^  {re.escape(fn)}:\s*$", l)), None)
    if start is None:
        return False
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^  \S", lines[i])), len(lines))
    for i in range(start, end):
        if re.search(rf"(^|[\s:-]){re.escape(action)}\s*(#|$)", lines[i]):
            if "#" in lines[i].split(action, 1)[1]:
                return True
            j = i - 1
            while j > start and lines[j].strip() == "":
                j -= 1
            return lines[j].strip().startswith("#")
    return False


if __name__ == "__main__":
    main()
