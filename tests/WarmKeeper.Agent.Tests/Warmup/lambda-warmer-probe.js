// Runs the real lambda-warmer's handler logic on each event given (a JSON array in argv[3]) and
// prints, per event, what the library did: its answer (true = "a warmer ping, return early"), the
// self-invocations it would have made (its Lambda client is replaced by a recorder, so nothing is
// sent) and the delays it waited (recorded, not slept).
// Usage: node lambda-warmer-probe.js <lambda-warmer package dir> '<json array of events>'
'use strict'
const path = require('path')
const dir = path.resolve(process.argv[2])
const events = JSON.parse(process.argv[3])

process.env.AWS_LAMBDA_FUNCTION_NAME = 'probe'
process.env.AWS_LAMBDA_FUNCTION_VERSION = '$LATEST'

let invokes = []
let delays = []
require.cache[require.resolve(path.join(dir, 'lib', 'lambda-service'))] = {
  exports: { invoke: (params) => { invokes.push(JSON.parse(Buffer.from(params.Payload).toString())); return Promise.resolve({}) } }
}
const realSetTimeout = global.setTimeout
global.setTimeout = (fn, ms, ...args) => { delays.push(ms); return realSetTimeout(fn, 0, ...args) }

const warmer = require(dir)
const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:probe' }

;(async () => {
  const results = []
  for (const event of events) {
    invokes = []
    delays = []
    const answer = await warmer(event, { log: false }, context)
    results.push({ answer, invokes, delays })
  }
  process.stdout.write(JSON.stringify(results))
})().catch((e) => { console.error(e); process.exit(1) })
