export { createLocalIssuer } from './local-issuer.js'
export type { LocalIssuer, LocalIssuerAlgorithm, LocalIssuerKey, LocalIssuerOptions, MintOptions } from './local-issuer.js'
export { createTestCertificate } from './certificates.js'
export type { TestCertificate } from './certificates.js'
