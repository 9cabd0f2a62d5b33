/** Jest's defaults: CommonJS, babel-jest on .js files, the node test environment. */
module.exports = { testEnvironment: 'node', testMatch: ['**/*.spec.js'] }
