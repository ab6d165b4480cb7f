// Evaluates every reviewed AWS call (iam/aws-calls.txt) against its function's role as the SAM transform renders it,
// with @cloud-copilot/iam-simulate (IAM's evaluation logic, offline). Reads resolve.py's JSON on stdin. Exits 1 naming
// function, action and resource for a call the role would deny, and for a grant no recorded call uses that carries no
// comment saying which path needs it.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const input = JSON.parse(await new Promise((ok) => {
  let s = ''
  process.stdin.on('data', (d) => (s += d))
  process.stdin.on('end', () => ok(s))
}))
const account = '123456789012'
const problems = []
let allowed = 0
for (const call of input.calls) {
  const docs = input.roles[call.function]
  if (!docs) {
    problems.push(`iam/aws-calls.txt:${call.line}: no function ${call.function} in the template`)
    continue
  }
  const result = await runSimulation({
    request: {
      principal: `arn:aws:iam::${account}:role/${call.function}Role`,
      action: call.action,
      resource: { resource: call.resource, accountId: account },
      contextVariables: {},
    },
    identityPolicies: docs.map((policy, i) => ({ name: `${call.function}Policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {})
  const verdict = result.resultType === 'error' ? `error: ${result.errors.message}`
    : result.resultType === 'single' ? result.overallResult
    : result.resultType
  if (verdict === 'Allowed') allowed++
  else problems.push(`DENIED ${call.function} ${call.action} ${call.resource} (iam/aws-calls.txt:${call.line} "${call.text}"): ${verdict}`)
}
const used = new Set(input.calls.map((c) => `${c.function} ${c.action}`))
const unused = []
for (const g of input.grants) {
  if (used.has(`${g.function} ${g.action}`)) continue
  if (g.commented) unused.push(`${g.function} ${g.action} (kept: the template says which path needs it)`)
  else problems.push(`UNUSED ${g.function} ${g.action}: granted in template.yaml, no recorded call uses it, and no comment says which path needs it`)
}
console.log(`check-iam: ${allowed} of ${input.calls.length} recorded calls allowed by the template's roles`)
for (const u of unused) console.log(`  granted, not recorded: ${u}`)
for (const p of problems) console.log(`  ${p}`)
process.exit(problems.length ? 1 : 0)
