/** `npm start`: runs the scenario and prints what the SDK's client saw at each step. */
import { runScenario } from './scenario.js'

const { steps, tools } = await runScenario()
console.log(`tools: ${tools.join(', ')}`)
for (const step of steps) {
  console.log(`\n${step.title}\n  → ${step.status}${step.challenge === null ? '' : `  WWW-Authenticate: ${step.challenge}`}\n  ${step.detail.slice(0, 200)}`)
}
