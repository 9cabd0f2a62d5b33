import { formatResults, runScenario } from './scenario.js'

// Boots the API, makes one accepted and one refused request, prints both, exits 0 when both were answered as expected.
const results = await runScenario()
console.log(formatResults(results))
process.exitCode = results.every((result) => result.ok) ? 0 : 1
